"""The packaged legal listings: schema, coverage of the library, and rejection of malformed user files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from crystal_palace.chemistry.library import default_library
from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.legal.listings import (
    load_jurisdictions,
    load_listings,
    packaged_listing_files,
    parse_jurisdictions,
)

TODAY = datetime.date.today()
ROMAN = {"Schedule I": "I", "Schedule II": "II", "Schedule III": "III", "Schedule IV": "IV",
         "Table I": "I", "Table II": "II"}
UN_PREFIX = {"un-1961": "UN1961", "un-1971": "UN1971", "un-1988": "UN1988"}

# Where the library's informational control codes and the dated UN listings disagree: each is a finding
# (reported, with the reason the listing is right), never silence. A new disagreement fails the test, and
# so does a finding that has been resolved (remove it here when the library is corrected).
UN_FINDINGS = {
    "bzp": "library lacks UN1971-II: N-benzylpiperazine was placed in Schedule II by CND 58 (2015; un-schedules.md U6)",
    "5f-amb": "library lacks UN1971-II: 5F-AMB-PINACA (5F-AMB) was placed in Schedule II by CND 63 (E/CN.7/2020/10)",
    "hhc": "library lacks UN1971-II: HHC placed in Schedule II by CND 68, 2025 (un-schedules.md U16)",
    "carisoprodol": "library lacks UN1971-IV: carisoprodol placed in Schedule IV by CND 68, 2025 (U16)",
    "metonitazepyne": "library lacks UN1961-I: N-pyrrolidino metonitazene placed in Schedule I by CND 68, 2025 (U16)",
    "etonitazepipne": "library lacks UN1961-I: etonitazepipne placed in Schedule I by CND 68, 2025 (U16)",
    "lofentanil": "library lacks UN1961-I/IV: lofentanil is in Schedules I and IV of the Yellow List (UK Class A, K1)",
    "4f-mdmb-bica": "library says UN1971-II, but no CND decision is in any source read (EU 2021/802 only); undecided",
    "amt": "library says UN1971-I (CND 2015), but CND 58 scheduled no AMT (U6); undecided",
    "butorphanol": "library says UN1971-IV; no source read confirms it; undecided",
    "para-methoxybutyrfentanyl": "library says UN1961-I, but WHO recommended surveillance only (U8); undecided",
    "methoxphenidine": "library says UN1971-II (CND 2024), but CND 67 added 3-CMC, dipentylone, 2F-DCK and "
                       "bromazolam only (U15); undecided",
}
EU_NPS_FINDINGS = {
    "ah-7921": "library lacks EU-NPS: Council Implementing Decision 2014/688/EU (re-adopted 2015/1875) lists AH-7921",
    "ab-chminaca": "library says EU-NPS (2018/1463), but 2018/1463 is cyclopropylfentanyl and methoxyacetylfentanyl",
    "u-47700": "library says EU-NPS; no EU control act for it in the sources read (UN 1961 since 2017)",
    "carfentanil": "library says EU-NPS; no EU control act in the sources read (UN 1961 since 2018)",
    "acetylfentanyl": "library says EU-NPS; no EU control act in the sources read (UN 1961 since 2016)",
    "tetrahydrofuranylfentanyl": "library says EU-NPS; no EU control act in the sources read (UN 1961 since 2018)",
    "4-fluoroisobutyrfentanyl": "library says EU-NPS; no EU control act in the sources read (UN 1961 since 2018)",
}
DE_BTMG_FINDINGS = {
    "hu-210": "library says DE-BTMG, but HU-210 is not in the complete BtMG Anlagen (germany-btmg-anlagen.md)",
    "bromo-dragonfly": "library says DE-BTMG, but Bromo-DragonFLY is not in the complete BtMG Anlagen",
    "para-methoxybutyrfentanyl": "library says DE-BTMG, but it is not in the complete BtMG Anlagen",
}


@pytest.fixture(scope="module")
def listings():
    return load_listings()


@pytest.fixture(scope="module")
def library():
    return default_library()


def _un_codes(listings, sid_filter=None) -> dict[str, set[str]]:
    """UN codes per substance from the listings in force today (or not yet, when only a lower bound is known)."""
    codes: dict[str, set[str]] = {}
    for listing in listings:
        if listing.jurisdiction != "UN":
            continue
        if listing.in_force_on(TODAY) or (listing.since > TODAY and listing.since_bound == "lower"):
            code = f"{UN_PREFIX[listing.instrument]}-{ROMAN[listing.category]}"
            codes.setdefault(listing.substance_id, set()).add(code)
    return codes


def test_packaged_jurisdictions_have_the_required_instruments():
    jurisdictions = load_jurisdictions()
    assert {"UN", "EU", "PL", "IT", "NL", "DE", "UK"} <= set(jurisdictions)
    ids = {i.id for j in jurisdictions.values() for i in j.instruments}
    assert {"un-1961", "un-1971", "un-1988", "eu-cd-2005-387", "eu-dir-2017-2103", "eu-reg-273-2004", "de-btmg",
            "de-npsg", "pl-mz-2018", "it-dpr-309-1990", "nl-opiumwet", "uk-mda-1971"} <= ids
    un = {i.id: i for i in jurisdictions["UN"].instruments}
    assert un["un-1961"].in_force == datetime.date(1964, 12, 13)
    assert un["un-1971"].in_force == datetime.date(1976, 8, 16)
    assert un["un-1988"].in_force == datetime.date(1990, 11, 11)
    assert jurisdictions["UN"].coverage == "complete" and jurisdictions["PL"].coverage == "partial"
    for j in jurisdictions.values():
        assert j.coverage_note and j.checked and j.name
        for instrument in j.instruments:
            assert instrument.title and instrument.short and instrument.source


def test_one_listing_file_per_jurisdiction(listings):
    assert {p.stem for p in packaged_listing_files()} == {"UN", "EU", "DE", "PL", "IT", "NL", "UK"}
    assert {listing.jurisdiction for listing in listings} == {"UN", "EU", "DE", "PL", "IT", "NL", "UK"}


def test_every_listing_is_sourced_and_dated(listings, library):
    for listing in listings:
        assert listing.substance_id in library.by_id
        assert listing.entry and listing.source and listing.category
        assert listing.until is None or listing.until > listing.since


def test_un_listings_agree_with_the_library_codes(listings, library):
    got = _un_codes(listings)
    disagreements = {}
    for e in library.entries:
        expected = {c for c in e.controlled_under if c.startswith("UN")}
        if expected != got.get(e.id, set()):
            disagreements[e.id] = (sorted(expected), sorted(got.get(e.id, set())))
    assert set(disagreements) == set(UN_FINDINGS), disagreements


def test_every_un_scheduled_library_substance_has_a_dated_listing(listings, library):
    listed = {listing.substance_id for listing in listings if listing.jurisdiction == "UN"}
    missing = [e.id for e in library.entries if any(c.startswith("UN") for c in e.controlled_under)
               and e.id not in listed and e.id not in UN_FINDINGS]
    assert missing == []


def test_un_original_schedules_date_from_entry_into_force(listings):
    first = {}
    for listing in listings:
        if listing.jurisdiction == "UN":
            key = (listing.substance_id, listing.instrument)
            first[key] = min(first.get(key, listing.since), listing.since)
    assert first[("morphine", "un-1961")] == datetime.date(1964, 12, 13)
    assert first[("lsd", "un-1971")] == datetime.date(1976, 8, 16)
    assert first[("ephedrine", "un-1988")] == datetime.date(1990, 11, 11)
    # a 1971 addition: first day of CND 58 + 180 days (Art. 2(7)), a lower bound
    assert first[("mephedrone", "un-1971")] == datetime.date(2015, 3, 9) + datetime.timedelta(days=180)
    # a 1961 addition takes effect on notification: the CND's first day is the lower bound
    assert first[("brorphine", "un-1961")] == datetime.date(2022, 3, 14)


def test_eu_precursor_categories_agree_with_the_library(listings, library):
    got: dict[str, set[str]] = {}
    for listing in listings:
        if listing.instrument == "eu-reg-273-2004":
            got.setdefault(listing.substance_id, set()).add("EU-PREC-" + listing.category.split()[-1])
    for e in library.entries:
        assert {c for c in e.controlled_under if c.startswith("EU-PREC")} == got.get(e.id, set()), e.id


def test_eu_nps_listings_agree_with_the_library_or_are_findings(listings, library):
    nps = {listing.substance_id for listing in listings
           if listing.instrument in ("eu-ja-97-396", "eu-cd-2005-387", "eu-dir-2017-2103")}
    disagreements = {e.id for e in library.entries if ("EU-NPS" in e.controlled_under) != (e.id in nps)}
    assert disagreements == set(EU_NPS_FINDINGS)


def test_every_btmg_coded_library_substance_is_listed(listings, library):
    btmg = {listing.substance_id for listing in listings if listing.instrument == "de-btmg"}
    missing = {e.id for e in library.entries if "DE-BTMG" in e.controlled_under and e.id not in btmg}
    assert missing == set(DE_BTMG_FINDINGS)


def test_transfers_between_schedules_do_not_overlap(listings):
    ghb = sorted((x for x in listings if x.substance_id == "ghb" and x.instrument == "un-1971"), key=lambda x: x.since)
    assert [x.category for x in ghb] == ["Schedule IV", "Schedule II"]
    assert ghb[0].until == ghb[1].since


# -- malformed user files ---------------------------------------------------------------------------

HEADER = "substance_id,instrument,category,since,until,entry,source\n"


@pytest.mark.parametrize(("row", "reason"), [
    ("no-such-substance,un-1971,Schedule II,2020-01-01,,X,test\n", "unknown substance id 'no-such-substance'"),
    ("mephedrone,un-1971,Schedule II,2020-13-01,,X,test\n", "since '2020-13-01' is not a valid date"),
    ("mephedrone,un-1971,Schedule II,01/02/2020,,X,test\n", "since '01/02/2020' is not a date YYYY-MM-DD"),
    ("mephedrone,un-1972,Schedule II,2020-01-01,,X,test\n", "unknown instrument 'un-1972'"),
    ("mephedrone,un-1971,Schedule II,2020-01-01,2019-01-01,X,test\n", "until 2019-01-01 is not after since 2020-01-01"),
    ("mephedrone,un-1971,Schedule V,2020-01-01,,X,test\n", "category 'Schedule V' is not a list of un-1971"),
    ("mephedrone,un-1971,Schedule II,2020-01-01,,,test\n", "entry is empty"),
    ("mephedrone,un-1971,Schedule II,2020-01-01,,X,\n", "source is empty"),
    ("mephedrone,un-1971,Schedule II,1970-01-01,,X,test\n", "before un-1971 was in force"),
    ("mephedrone,un-1971,Schedule II,2020-01-01,,X\n", "wrong number of fields"),
])
def test_malformed_listing_rows_are_rejected_with_line_and_reason(tmp_path: Path, row: str, reason: str):
    path = tmp_path / "user.csv"
    path.write_text(HEADER + "caffeine,un-1971,Schedule IV,2020-01-01,,Caffeine,a valid row\n" + row, encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        load_listings([path])
    assert info.value.path == str(path)
    assert [line for line, _ in info.value.problems] == [3]
    assert reason in info.value.problems[0][1]
    assert f"{path}:3:" in str(info.value)


def test_unknown_jurisdiction_column_is_rejected(tmp_path: Path):
    path = tmp_path / "user.csv"
    path.write_text("substance_id,instrument,category,since,until,entry,source,jurisdiction\n"
                    "caffeine,un-1971,Schedule IV,2020-01-01,,Caffeine,test,XX\n"
                    "caffeine,un-1971,Schedule IV,2021-01-01,,Caffeine,test,DE\n", encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        load_listings([path])
    assert info.value.problems[0] == (2, "unknown jurisdiction 'XX'")
    assert info.value.problems[1][0] == 3 and "belongs to UN, not DE" in info.value.problems[1][1]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path):
    path = tmp_path / "user.csv"
    path.write_text(HEADER + "nope,un-1971,Schedule II,2020-01-01,,X,t\nmephedrone,bad,Schedule II,2020-01-01,,X,t\n",
                    encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        load_listings([path])
    assert [line for line, _ in info.value.problems] == [2, 3]


def test_missing_and_unknown_columns_are_rejected(tmp_path: Path):
    path = tmp_path / "user.csv"
    path.write_text("substance_id,instrument,category,since,entry,source,colour\n", encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        load_listings([path])
    assert info.value.problems[0][0] == 1
    reason = info.value.problems[0][1]
    assert "missing column(s) until" in reason and "unknown column(s) colour" in reason


def test_overlapping_rows_are_rejected(tmp_path: Path):
    path = tmp_path / "user.csv"
    rows = "caffeine,un-1971,Schedule IV,2020-01-01,,C,t\ncaffeine,un-1971,Schedule IV,2021-01-01,,C,t\n"
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        load_listings([path])
    assert info.value.problems[0][0] == 3 and "overlaps line 2" in info.value.problems[0][1]


def test_a_valid_user_file_loads(tmp_path: Path):
    path = tmp_path / "user.csv"
    path.write_text(HEADER + "caffeine,pl-mz-2018,NSP,2025-01-01,,Kofeina,test list\n", encoding="utf-8")
    [listing] = load_listings([path])
    assert (listing.jurisdiction, listing.since_bound, listing.line) == ("PL", "exact", 2)


@pytest.mark.parametrize(("text", "reason"), [
    ("jurisdictions:\n  - code: XX\n    name: X\n    coverage: maybe\n    coverage_note: n\n    checked: c\n"
     "    instruments:\n      - {id: x-1, title: T, short: S, kind: drug, in_force: 2020-01-01, source: s}\n",
     "coverage 'maybe'"),
    ("jurisdictions:\n  - code: XX\n    name: X\n    coverage: partial\n    coverage_note: n\n    checked: c\n"
     "    instruments:\n      - {id: x-1, title: T, short: S, kind: drug, in_force: 2020-31-01, source: s}\n",
     "in_force must be a date"),
    ("jurisdictions:\n  - code: XX\n    name: X\n    coverage: partial\n    coverage_note: n\n    checked: c\n"
     "    instruments:\n      - {id: x-1, title: T, short: S, kind: poison, in_force: 2020-01-01, source: s}\n",
     "kind 'poison'"),
])
def test_malformed_jurisdictions_are_rejected(text: str, reason: str):
    with pytest.raises(InvalidReferenceData) as info:
        parse_jurisdictions(text, "user.yaml")
    assert any(reason in why and line is not None for line, why in info.value.problems), info.value.problems

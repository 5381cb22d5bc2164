"""The legal engine: one verdict per jurisdiction, as of a date, with its reasons."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from rdkit import Chem

from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData
from crystal_palace.legal.engine import legal_status

KEYS = {"jurisdiction", "controlled", "category", "basis", "instrument", "since", "explanation", "until", "entry",
        "rule", "atoms", "source", "since_bound"}
D = datetime.date


@pytest.fixture(scope="module")
def library():
    return default_library()


def status(sid: str, code: str, day: datetime.date | None = None, **kw):
    entry = default_library().by_id[sid]
    [verdict] = legal_status(entry.mol, sid, as_of=day, jurisdictions=[code], **kw)
    return verdict


def test_every_verdict_on_the_library_names_an_instrument_and_explains_itself(library):
    seen = set()
    for entry in library.entries:
        verdicts = legal_status(entry.mol, entry.id)
        assert [v.jurisdiction for v in verdicts] == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]
        for v in verdicts:
            d = v.to_dict()
            assert set(d) == KEYS
            assert d["instrument"], (entry.id, d)
            assert d["explanation"].strip(), (entry.id, d)
            assert d["controlled"] in (True, False, None)
            if d["basis"] in ("listed", "generic", "precursor"):
                assert d["controlled"] is True and d["since"] and d["category"]
            else:
                assert d["controlled"] in (False, None)
            seen.add((d["basis"], d["controlled"]))
    assert {("listed", True), ("generic", True), ("precursor", True), ("none", False), ("none", None)} <= seen


@pytest.mark.parametrize("sid", ["caffeine", "paracetamol", "lidocaine", "procaine", "levamisole", "ibuprofen",
                                 "sucrose", "benzocaine", "phenacetin", "diltiazem", "hydroxyzine", "mannitol",
                                 "creatine", "dextromethorphan", "naloxone", "atropine", "ketamine", "tramadol"])
def test_medicines_and_cutting_agents_are_not_controlled_under_un(sid):
    v = status(sid, "UN")
    assert v.controlled is False and v.basis == "none"
    assert "not in UN 1961" in v.explanation and "1988" in v.explanation and "as encoded" in v.explanation
    assert v.instrument == "un-1961, un-1971, un-1988"


def test_listed_substance_names_instrument_category_entry_and_clauses():
    v = status("mephedrone", "UN", D(2020, 1, 1))
    assert (v.controlled, v.basis, v.instrument, v.category) == (True, "listed", "un-1971", "Schedule II")
    assert v.entry == "MEPHEDRONE (4-methylmethcathinone)"
    assert v.since == D(2015, 9, 5) and v.until is None
    assert "salts" in v.explanation and "stereoisomers" in v.explanation and "parent" in v.explanation
    assert "earliest date" in v.explanation and "CND 58" in (v.source or "")


@pytest.mark.parametrize(("sid", "before", "after", "category"), [
    ("mephedrone", D(2014, 6, 1), D(2016, 1, 1), "Schedule II"),     # CND 58, March 2015
    ("3-mmc", D(2023, 1, 1), D(2024, 1, 1), "Schedule II"),          # CND 66, March 2023
    ("brorphine", D(2021, 12, 31), D(2022, 6, 1), "Schedule I"),     # CND 65 (1961: effective on notification)
    ("4-anpp", D(2016, 12, 31), D(2018, 1, 1), "Table I"),          # 1988 Convention, CND 60
])
def test_un_status_before_and_after_a_cnd_listing(sid, before, after, category):
    old, new = status(sid, "UN", before), status(sid, "UN", after)
    assert old.controlled is False
    assert "after the date asked" in old.explanation
    assert new.controlled is True and new.category == category


def test_transfer_between_schedules_is_dated():
    assert status("ghb", "UN", D(2005, 1, 1)).category == "Schedule IV"
    assert status("ghb", "UN", D(2014, 1, 1)).category == "Schedule II"
    assert status("ghb", "UN", D(1999, 1, 1)).controlled is False
    assert status("dronabinol", "UN", D(1980, 1, 1)).category == "Schedule I"
    assert status("dronabinol", "UN", D(2000, 1, 1)).category == "Schedule II"


@pytest.mark.parametrize("sid", ["4-mpd", "hexedrone", "n-ethylheptedrone"])
def test_de_npsg_group_before_and_after_its_introduction(sid):
    """Cathinones outside the BtMG: not controlled in DE before the NpSG (26.11.2016), covered by group 1 after."""
    before = status(sid, "DE", D(2016, 1, 1))
    assert before.controlled is False
    assert "de-npsg-1-phenethylamines" in before.explanation and "applies only from 2016-11-26" in before.explanation
    after = status(sid, "DE", D(2017, 1, 1))
    assert (after.controlled, after.basis, after.rule) == (True, "generic", "de-npsg-1-phenethylamines")
    assert after.atoms and after.atoms["core"] and after.instrument == "de-npsg"


def test_uk_class_history():
    assert status("metamfetamine", "UK", D(2006, 6, 1)).category == "Class B"
    assert status("metamfetamine", "UK", D(2008, 1, 1)).category == "Class A"
    assert status("ketamine", "UK", D(2010, 1, 1)).category == "Class C"
    assert status("ketamine", "UK", D(2015, 1, 1)).category == "Class B"
    assert status("ketamine", "UK", D(2005, 1, 1)).controlled is None   # partly encoded: never a silent "no"


def test_precursor_is_said_to_be_a_precursor_control():
    for code in ("UN", "EU", "PL", "NL"):
        v = status("ephedrine", code)
        assert v.controlled is True and v.basis == "precursor"
        assert "precursor control" in v.explanation and "not a control of the substance as a drug" in v.explanation
    v = status("safrole", "DE")
    assert v.basis == "precursor" and v.instrument == "eu-reg-273-2004" and "directly" in v.explanation
    assert status("acetone", "UN").category == "Table II"


def test_un_drugs_are_drugs_in_the_eu_through_the_framework_decision():
    v = status("cocaine", "EU")
    assert v.controlled is True and v.basis == "listed" and v.instrument == "eu-fd-2004-757"
    assert "Art. 1(1)(a)" in v.explanation and v.since == D(2004, 11, 12)


def test_partial_coverage_is_undecided_never_a_silent_no():
    v = status("caffeine", "PL")
    assert v.controlled is None and v.basis == "none"
    assert "encoded only partly" in v.explanation and "Check the current official list" in v.explanation
    assert status("caffeine", "DE").controlled is False   # DE lists are completely encoded


def test_library_control_without_a_listing_is_undecided():
    v = status("methoxphenidine", "UN")
    assert v.controlled is None and "UN1971-II" in v.explanation and "no dated listing" in v.explanation


def test_a_listing_whose_start_is_not_encoded_is_undecided_before_its_date():
    v = status("tapentadol", "DE", D(2023, 1, 1))
    assert v.controlled is None and "at the latest" in v.explanation
    assert status("tapentadol", "DE").controlled is True
    # a BtMG substance that an NpSG group also covers: controlled either way, and the explanation says why
    v = status("3-mmc", "DE", D(2023, 1, 1))
    if v.basis == "generic":
        assert v.controlled is True and "does not apply to substances listed in BtMG" in v.explanation
    else:
        assert v.controlled is None


def test_clause_through_which_an_entry_reaches_the_substance_is_named():
    v = status("6-monoacetylmorphine", "UN")
    assert v.controlled is True and v.entry.startswith("MORPHINE") and "esters clause" in v.explanation
    v = status("acetylcodeine", "DE")
    assert v.controlled is True and v.category == "Anlage II" and "esters clause" in v.explanation


def test_structure_without_library_identity():
    mol = standardize(Chem.MolFromSmiles("CCCCCCCCCCCCCCCCO")).mol
    verdicts = {v.jurisdiction: v for v in legal_status(mol, None)}
    assert verdicts["UN"].controlled is False
    assert verdicts["PL"].controlled is None
    assert all(v.instrument and v.explanation for v in verdicts.values())


def test_unknown_substance_id_is_looked_up_by_structure_and_said_so():
    mol = default_library().by_id["mdma"].mol
    [v] = legal_status(mol, "no-such-id", jurisdictions=["UN"], as_of=datetime.datetime(2020, 1, 1, 12, 0))
    assert v.controlled is True and "not an id of the reference library" in v.explanation and "'mdma'" in v.explanation
    other = standardize(Chem.MolFromSmiles("CCCCCCCCCCCCCCCCO")).mol
    [v] = legal_status(other, "no-such-id", jurisdictions=["UN"])
    assert v.controlled is False and "rests on the structure alone" in v.explanation


def test_jurisdictions_are_answered_in_the_order_asked():
    entry = default_library().by_id["mdma"]
    assert [v.jurisdiction for v in legal_status(entry.mol, "mdma", jurisdictions=["UK", "UN"])] == ["UK", "UN"]


def test_unknown_jurisdiction_is_rejected():
    with pytest.raises(InvalidInput) as info:
        legal_status(None, "mdma", jurisdictions=["UN", "XX"])
    assert info.value.field == "jurisdictions" and "XX" in info.value.reason


# -- user rule files --------------------------------------------------------------------------------

RULE = """id: {rid}
jurisdiction: {code}
instrument: {instrument}
category: "{category}"
since: {since}
source: "test rule"
text: "A made-up group for tests: 2-(alkylamino)-1-phenylpropan-1-ones."
{extra}
core:
  text: "2-amino-1-phenylpropan-1-one"
  variants:
    - smarts: "[NX3:1]-[CH1:2](-[CH3])-[CX3:3](=O)-c1ccccc1"
positions:
  N:
    atoms: [1]
    max_count: 2
    allowed: [hydrogen, alkyl(max_c=4)]
    text: "N: hydrogen or C1-C4 alkyl"
"""


def _rule(tmp_path: Path, name: str = "rule.yaml", *, rid: str = "nl-test-group", code: str = "NL",
          instrument: str = "nl-opiumwet", category: str = "Lijst IA", since: str = "2025-07-01",
          extra: str = "") -> Path:
    path = tmp_path / name
    path.write_text(RULE.format(rid=rid, code=code, instrument=instrument, category=category, since=since, extra=extra),
                    encoding="utf-8")
    return path


def _npsg_rule(tmp_path: Path) -> Path:
    return _rule(tmp_path, rid="de-test-group", code="DE", instrument="de-npsg", category="Anlage 1",
                 since="2016-11-26")


def test_generic_rule_from_a_user_file_controls_a_structure(tmp_path: Path):
    rule = _rule(tmp_path)
    mol = standardize(Chem.MolFromSmiles("CCNC(C)C(=O)c1ccccc1")).mol
    [v] = legal_status(mol, None, jurisdictions=["NL"], as_of=D(2026, 1, 1), extra_rules=[rule])
    assert (v.controlled, v.basis, v.rule, v.instrument) == (True, "generic", "nl-test-group", "nl-opiumwet")
    assert v.atoms is not None and "core" in v.atoms and "N" in v.atoms and v.since == D(2025, 7, 1)
    [before] = legal_status(mol, None, jurisdictions=["NL"], as_of=D(2025, 1, 1), extra_rules=[rule])
    assert before.controlled is None and "applies only from 2025-07-01" in before.explanation


def test_partial_generic_rule_whose_core_matched_is_undecided(tmp_path: Path):
    rule = _rule(tmp_path, extra='completeness: partial\nmissing: ["the ring substituents"]')
    mol = standardize(Chem.MolFromSmiles("CCNC(C)C(=O)c1ccccc1")).mol
    [v] = legal_status(mol, None, jurisdictions=["NL"], as_of=D(2026, 1, 1), extra_rules=[rule])
    assert v.controlled is None and v.rule == "nl-test-group" and "encoded only partly" in v.explanation


def test_generic_rule_before_its_introduction_on_a_complete_jurisdiction(tmp_path: Path):
    # a DE group (NpSG-style) introduced on 2016-11-26: before it the structure is not controlled in DE
    rule = _npsg_rule(tmp_path)
    mol = standardize(Chem.MolFromSmiles("CCCNC(C)C(=O)c1ccccc1")).mol
    [before] = legal_status(mol, None, jurisdictions=["DE"], as_of=D(2016, 1, 1), extra_rules=[rule])
    assert before.controlled is False and "applies only from 2016-11-26" in before.explanation
    [after] = legal_status(mol, None, jurisdictions=["DE"], as_of=D(2017, 1, 1), extra_rules=[rule])
    assert after.controlled is True and after.basis == "generic"


def test_npsg_does_not_apply_to_btmg_substances(tmp_path: Path):
    rule = _npsg_rule(tmp_path)
    v = status("methcathinone", "DE", extra_rules=[rule])
    assert v.basis == "listed" and v.instrument == "de-btmg"
    # the BtMG listing's start is not encoded: on an earlier date the group answers, saying that § 1(2) may exclude it
    v = status("methcathinone", "DE", D(2020, 1, 1), extra_rules=[rule])
    assert v.controlled is True and v.basis == "generic"
    assert "does not apply to substances listed in BtMG" in v.explanation and "either way" in v.explanation
    v = status("methcathinone", "DE", D(2000, 1, 1), extra_rules=[rule])
    assert v.controlled is None   # before the group, and the BtMG date is not encoded


def test_user_listing_file_adds_a_listing(tmp_path: Path):
    path = tmp_path / "pl.csv"
    path.write_text("substance_id,instrument,category,since,until,entry,source\n"
                    "4-mpd,pl-mz-2018,NSP,2020-01-01,,4-MPD,test list\n", encoding="utf-8")
    v = status("4-mpd", "PL", extra_rules=[path])
    assert v.controlled is True and v.category == "NSP" and v.source == "test list"


@pytest.mark.parametrize(("name", "content", "line", "reason"), [
    ("bad.csv", "substance_id,instrument,category,since,until,entry,source\nzzz,un-1971,Schedule I,2020-01-01,,Z,t\n",
     2, "unknown substance id 'zzz'"),
    ("bad.csv", "substance_id,instrument,category,since,until,entry,source\nmdma,un-1971,Schedule I,2020-02-30,,Z,t\n",
     2, "since '2020-02-30' is not a valid date"),
    ("bad.txt", "anything", None, "listing .csv or a generic .yaml"),
])
def test_malformed_user_rule_files_are_rejected(tmp_path: Path, name, content, line, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as info:
        legal_status(None, "mdma", extra_rules=[path])
    assert info.value.problems[0][0] == line and reason in info.value.problems[0][1]


def test_generic_rule_for_an_unknown_jurisdiction_is_rejected(tmp_path: Path):
    rule = _rule(tmp_path, rid="xx-test", code="XX", instrument="nl-opiumwet")
    with pytest.raises(InvalidReferenceData) as info:
        legal_status(None, "mdma", extra_rules=[rule])
    assert "unknown jurisdiction 'XX'" in info.value.problems[0][1]


def test_a_screen_names_the_closest_rule_without_working_out_why_it_fails() -> None:
    """detail=False (what a screen asks) keeps the verdict and names the closest rule; the why is left out."""
    dopamine = Chem.MolFromSmiles("NCCc1ccc(O)c(O)c1")
    full = legal_status(dopamine, None, jurisdictions=["DE"], as_of=datetime.date(2026, 1, 1))[0]
    short = legal_status(dopamine, None, jurisdictions=["DE"], as_of=datetime.date(2026, 1, 1), detail=False)[0]
    assert (full.controlled, short.controlled) == (False, False)
    assert full.instrument == short.instrument
    assert "but '*O' is not one of" in full.explanation
    assert "(de-npsg-1-phenethylamines): its core is present but the structure is outside" in short.explanation
    assert "is not one of" not in short.explanation


def test_since_bound_says_how_exact_the_start_date_is() -> None:
    """1-boc-4-AP's UN 1988 listing date is only a lower bound; amfetamine's UN 1971 listing date is exact."""
    boc = status("1-boc-4-ap", "UN", D(2026, 1, 1)).to_dict()
    assert boc["controlled"] is True and boc["since"] == "2022-09-10" and boc["since_bound"] == "lower"
    amfetamine = status("amfetamine", "UN", D(2026, 1, 1)).to_dict()
    assert amfetamine["controlled"] is True and amfetamine["since"] == "1976-08-16"
    assert amfetamine["since_bound"] == "exact"
    assert status("caffeine", "UN", D(2026, 1, 1)).to_dict()["since_bound"] is None


def test_a_screen_leaves_out_why_a_partly_encoded_rule_does_not_cover() -> None:
    """A partly encoded rule that does not cover makes the verdict undecided, with or without the details.

    The UK 1(c) phenethylamine rule is encoded partly; N-(2-cyanobenzyl)-2C-E has its core but an
    N-substituent that is not alkyl. A screen (detail=False) gets the same undecided verdict, naming the
    rule, without the part that fails (working that out is a second pass over every placement).
    """
    mol = Chem.MolFromSmiles("COc1cc(CCNCc2ccccc2C#N)c(OC)cc1CC")
    day = datetime.date(2026, 1, 1)
    full = legal_status(mol, None, jurisdictions=["UK"], as_of=day)[0]
    short = legal_status(mol, None, jurisdictions=["UK"], as_of=day, detail=False)[0]
    assert (full.controlled, short.controlled) == (None, None)
    assert full.rule == short.rule == "uk-mda-1-1c-phenethylamines"
    assert "'*Cc1ccccc1C#N' is not one of: alkyl" in full.explanation
    assert "its core is present but the structure is outside the definition as encoded" in short.explanation
    assert "legal explain` says which part fails" in short.explanation and "is not one of" not in short.explanation
    assert "encoded only partly" in short.explanation

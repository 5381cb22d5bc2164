"""explain_legal, list_legal, legal_jurisdictions: the legal entry points the CLI, API and web call."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData
from crystal_palace.legal.listings import legal_data_dir
from crystal_palace.workflows.legal import (
    explain_legal,
    legal_jurisdictions,
    list_legal,
    require_as_of,
    require_legal_options,
)

KEYS = ["jurisdiction", "controlled", "category", "basis", "instrument", "since", "explanation"]
NEW_CATHINONE = "CCCNC(C)C(=O)c1ccc(Cl)c(F)c1"  # 4-chloro-3-fluoro-N-propylcathinone: no list names it
HEADER = "substance_id,instrument,category,since,until,entry,source\n"


def un_listing(substance_id: str) -> dict[str, str]:
    """The packaged UN listing row of a substance (so the tests follow the data, not a copy of it)."""
    with (legal_data_dir() / "listings" / "UN.csv").open(encoding="utf-8") as f:
        (row,) = [r for r in csv.DictReader(f) if r["substance_id"] == substance_id]
    return row


def day_before(iso: str) -> str:
    return (datetime.date.fromisoformat(iso) - datetime.timedelta(days=1)).isoformat()


def verdicts(query: str, **kw) -> dict[str, dict]:
    (result,) = explain_legal(query, **kw)
    assert not result["errors"], result["errors"]
    return {v["jurisdiction"]: v for v in result["legal"]}


def test_top_level_export():
    assert crystal_palace.explain_legal is explain_legal
    assert crystal_palace.list_legal is list_legal
    assert crystal_palace.legal_jurisdictions is legal_jurisdictions
    assert {"explain_legal", "list_legal", "legal_jurisdictions"} <= set(crystal_palace.__all__)


def test_mephedrone_under_un_1971_before_and_after_its_listing_date():
    row = un_listing("mephedrone")
    assert (row["instrument"], row["category"]) == ("un-1971", "Schedule II")
    before = verdicts("mephedrone", jurisdictions="UN", as_of=day_before(row["since"]))["UN"]
    assert before["controlled"] is False and before["basis"] == "none"
    assert f"from {row['since']}, after the date asked" in before["explanation"]
    after = verdicts("mephedrone", jurisdictions="UN", as_of=row["since"])["UN"]
    assert after["controlled"] is True and after["basis"] == "listed"
    assert (after["instrument"], after["category"], after["since"]) == ("un-1971", "Schedule II", row["since"])
    assert "MEPHEDRONE" in after["explanation"]


def test_mdma_is_listed_everywhere_today():
    found = verdicts("MDMA")
    assert list(found) == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]
    assert all(v["controlled"] is True and v["basis"] == "listed" for v in found.values()), found
    assert all(set(KEYS) <= set(v) for v in found.values())
    assert found["UN"]["category"] == "Schedule I"


def test_a_new_cathinone_is_caught_by_generic_definitions_from_their_dates():
    (result,) = explain_legal(NEW_CATHINONE, jurisdictions=["DE", "UK", "UN", "NL"], as_of="2017-01-01")
    assert result["identity"] is None and result["family"] == "synthetic_cathinone"
    found = {v["jurisdiction"]: v for v in result["legal"]}
    assert list(found) == ["DE", "UK", "UN", "NL"]  # the order asked
    de, uk = found["DE"], found["UK"]
    assert de["controlled"] is True and de["basis"] == "generic" and de["rule"] == "de-npsg-1-phenethylamines"
    assert de["since"] == "2016-11-26" and de["atoms"] and "core" in de["atoms"]
    assert uk["controlled"] is True and uk["basis"] == "generic" and uk["rule"] == "uk-mda-2-1aa-cathinones"
    assert found["UN"]["controlled"] is False  # the Conventions have no generic definitions
    assert found["NL"]["controlled"] is None  # partly encoded lists: undecided, never "not controlled"
    earlier = verdicts(NEW_CATHINONE, jurisdictions="DE", as_of="2016-11-25")["DE"]
    assert earlier["controlled"] is False and "applies only from 2016-11-26" in earlier["explanation"]


def test_caffeine_is_not_controlled_where_lists_are_complete_and_undecided_elsewhere():
    found = verdicts("caffeine", as_of=datetime.date(2024, 1, 1))
    assert found["UN"]["controlled"] is False and found["DE"]["controlled"] is False
    for code in ("PL", "IT", "NL"):
        assert found[code]["controlled"] is None and found[code]["basis"] == "none"
        assert found[code]["explanation"].startswith("Undecided")


def test_result_shape_and_a_query_that_cannot_be_read():
    good, bad = explain_legal(["4-MMC", "C1CC(("], jurisdictions="DE", as_of="2020-01-01")
    assert set(good) >= {"query", "input_type", "identity", "structure", "family", "as_of", "legal", "errors"}
    assert good["identity"]["id"] == "mephedrone" and good["as_of"] == "2020-01-01"
    assert bad["legal"] == [] and bad["errors"] and bad["errors"][0]["field"] == "smiles"


@pytest.mark.parametrize("codes,expected", [
    ("de", ("DE",)), ("DE, uk", ("DE", "UK")), (["UK", "DE", "uk"], ("UK", "DE")),
    (["DE,UK", "NL"], ("DE", "UK", "NL")), (None, None),
])
def test_jurisdiction_forms(codes, expected):
    assert require_legal_options(jurisdictions=codes).jurisdictions == expected


@pytest.mark.parametrize("codes,text", [
    ("XX", "unknown jurisdiction(s) XX"), (["DE", "FR"], "FR"), ("", "no jurisdiction"),
])
def test_bad_jurisdictions_raise_before_any_query(codes, text):
    with pytest.raises(InvalidInput) as exc:
        explain_legal("C1CC((", jurisdictions=codes)
    assert exc.value.field == "jurisdictions" and text in exc.value.reason


@pytest.mark.parametrize("value", ["2015-02-30", "05.09.2015", "2015-9-5", "yesterday", "2015-09-05T00:00"])
def test_bad_dates_raise(value):
    with pytest.raises(InvalidInput) as exc:
        explain_legal("MDMA", as_of=value)
    assert exc.value.field == "as_of" and value in exc.value.reason


def test_dates_accepted():
    assert require_as_of(datetime.datetime(2015, 9, 5, 12)) == datetime.date(2015, 9, 5)
    assert require_as_of(" 2015-09-05 ") == datetime.date(2015, 9, 5)
    assert require_as_of(None) is None and require_as_of("") is None


def test_a_user_listing_file_adds_a_dated_listing(tmp_path):
    rules = tmp_path / "de-update.csv"
    rules.write_text(HEADER + "caffeine,de-btmg,Anlage I,2030-01-01,,Coffein,test update\n", encoding="utf-8")
    before = verdicts("caffeine", jurisdictions="DE", as_of="2029-12-31", rules=[rules])["DE"]
    after = verdicts("caffeine", jurisdictions="DE", as_of="2030-01-01", rules=[str(rules)])["DE"]
    assert before["controlled"] is False
    assert after["controlled"] is True and after["basis"] == "listed" and after["entry"] == "Coffein"
    rows = list_legal("DE", "2030-06-01", rules=[rules])
    assert any(r["substance_id"] == "caffeine" and r["source"] == "test update" for r in rows)
    assert verdicts("caffeine", jurisdictions="DE", as_of="2030-01-01")["DE"]["controlled"] is False  # not kept


def test_a_listing_file_with_a_bad_date_is_rejected_with_line_and_reason(tmp_path):
    rules = tmp_path / "bad.csv"
    rules.write_text(HEADER + "mephedrone,un-1971,Schedule II,2015-09-05,,MEPHEDRONE,ok\n"
                              "caffeine,de-btmg,Anlage I,2030-02-30,,Coffein,bad date\n", encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as exc:
        explain_legal("C1CC((", rules=[rules])  # rejected before the (unreadable) query is looked at
    assert exc.value.path == str(rules)
    assert exc.value.problems == [(3, "since '2030-02-30' is not a valid date")]


def test_a_generic_rule_file_with_an_unknown_key_is_rejected_with_line_and_reason(tmp_path):
    packaged = (legal_data_dir() / "generic" / "uk-mda-2-1aa-cathinones.yaml").read_text(encoding="utf-8")
    lines = packaged.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("completeness:"))
    rules = tmp_path / "uk-cathinones-update.yaml"
    rules.write_text("\n".join([*lines[:at], "colour: red", *lines[at:]]) + "\n", encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as exc:
        explain_legal("mephedrone", rules=[rules])
    ((line, reason),) = exc.value.problems
    assert line == at + 1 and reason.startswith("unknown key 'colour'")


def test_rule_files_that_cannot_be_used(tmp_path):
    with pytest.raises(InvalidReferenceData, match="cannot read the rule file"):
        list_legal(rules=[tmp_path / "missing.csv"])
    other = tmp_path / "rules.txt"
    other.write_text("x\n")
    with pytest.raises(InvalidReferenceData, match="listing .csv or a generic .yaml"):
        list_legal(rules=[other])


def test_list_legal_follows_the_date():
    row = un_listing("mephedrone")
    after = list_legal("UN", row["since"])
    (meph,) = [r for r in after if r["substance_id"] == "mephedrone"]
    assert meph["category"] == "Schedule II" and meph["since"] == row["since"] and meph["since_bound"] == "lower"
    assert not [r for r in list_legal("UN", day_before(row["since"])) if r["substance_id"] == "mephedrone"]
    assert all(r["jurisdiction"] == "UN" and r["basis"] in ("listed", "precursor") for r in after)


def test_list_legal_includes_incorporated_listings_and_generic_definitions():
    eu = list_legal("EU", "2020-01-01")
    assert any(r["substance_id"] == "mdma" and r["instrument"] == "un-1971" and r["via"] == "eu-fd-2004-757"
               for r in eu)
    de = list_legal(["DE"], "2020-01-01")
    generic = [r for r in de if r["basis"] == "generic"]
    assert generic and all(r["rule"] and r["substance_id"] is None for r in generic)
    assert "de-npsg-1-phenethylamines" in {r["rule"] for r in generic}
    assert not [r for r in list_legal("DE", "2016-01-01") if r["basis"] == "generic"]  # NpSG: 2016-11-26


def test_legal_jurisdictions():
    found = {j["code"]: j for j in legal_jurisdictions()}
    assert list(found) == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]
    assert found["UN"]["coverage"] == "complete" and found["NL"]["coverage"] == "partial"
    assert "un-1971" in {i["id"] for i in found["UN"]["instruments"]}
    assert "de-npsg-1-phenethylamines" in found["DE"]["generic_rules"] and found["DE"]["listings"] > 100


def test_explanations_answer_the_question_they_were_asked():
    mdma = verdicts("MDMA", jurisdictions="UN", as_of="2000-01-01")["UN"]
    assert "As of 2000-01-01" in mdma["explanation"]


def test_relative_rule_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("update.csv").write_text(HEADER + "caffeine,de-btmg,Anlage I,2030-01-01,,Coffein,rel\n", encoding="utf-8")
    assert verdicts("caffeine", jurisdictions="DE", as_of="2031-01-01", rules=["update.csv"])["DE"]["controlled"]

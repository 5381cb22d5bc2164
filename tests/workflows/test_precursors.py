"""The precursor workflow functions: one query, a manifest file with outputs, routes, and identify's object."""

from __future__ import annotations

import csv
import json

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput
from crystal_palace.workflows.identify import identify, identify_many


def test_top_level_exports():
    for name in ("screen_precursor", "screen_precursors", "screen_manifest", "precursor_routes"):
        assert name in crystal_palace.__all__ and callable(getattr(crystal_palace, name))


def test_screen_precursor_by_name_cas_and_structure_agree():
    answers = crystal_palace.screen_precursors(["APAAN", "4468-48-8", "CC(=O)C(C#N)c1ccccc1"])
    assert {a["substance_id"] for a in answers} == {"apaan"}
    assert [a["identified_by"] for a in answers] == ["name", "cas", "structure"]
    assert all(a["precursor"]["role"] == "scheduled" for a in answers)


def test_inorganic_reagents_are_recognised_by_cas_and_name():
    for query in ("7723-14-0", "red phosphorus", "Iodine resublimed"):
        p = crystal_palace.screen_precursor(query)["precursor"]
        assert p["role"] == "pre_precursor" and p["leads_to"] == ["Metamfetamine"] and p["kind"] == "reagent"


def test_salts_of_hydrochloric_and_sulfuric_acid_are_not_the_acid():
    assert crystal_palace.screen_precursor("[Na+].[Cl-]")["precursor"]["role"] == "none"
    assert crystal_palace.screen_precursor("Cl")["precursor"]["role"] == "scheduled"
    assert crystal_palace.screen_precursor("[K+].[O-][Mn](=O)(=O)=O")["substance_id"] == "potassium-permanganate"


def test_a_drug_is_not_a_precursor_but_says_so():
    p = crystal_palace.screen_precursor("MDMA")["precursor"]
    assert (p["role"], p["drug"], p["category"]) == ("none", True, "controlled drug")


def test_bad_queries_are_errors_not_exceptions():
    bad = crystal_palace.screen_precursors(["", "12-34-5", "C1CC("])
    assert [b["precursor"] for b in bad] == [None, None, None]
    assert [b["errors"][0]["field"] for b in bad] == ["query", "cas", "smiles"]


def test_bad_options_raise():
    with pytest.raises(InvalidInput, match="as_of"):
        crystal_palace.screen_precursor("P2P", as_of="2024-02-30")
    with pytest.raises(InvalidInput, match="max_steps"):
        crystal_palace.screen_precursor("P2P", max_steps=9)


def test_routes_are_listed_with_sources():
    routes = crystal_palace.precursor_routes()
    gbl = next(r for r in routes if r["from_id"] == "gbl")
    assert gbl["to_id"] == "ghb" and gbl["assumed_yield"] == 0.9 and "INCB" in gbl["source"]


def test_screen_manifest_writes_csv_json_and_html(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("Product,CAS,Quantity,Unit,Consignee\nPMK,4676-39-5,10,kg,Acme\nCaffeine,58-08-2,5,kg,Acme\n"
                        ",,,,\nAPAAN,,x,kg,Acme\n", encoding="utf-8")
    result = crystal_palace.screen_manifest(manifest, out=tmp_path / "rows.csv", html=tmp_path / "r.html")
    rows = list(csv.DictReader((tmp_path / "rows.csv").open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["2", "3", "5"] and result["blank_rows"] == [4]
    assert rows[0]["risk"] == "scheduled" and "MDMA" in rows[0]["leads_to"]
    assert rows[2]["errors"] == "quantity: quantity 'x' is not a number"
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "3,4-Methylenedioxyphenyl-2-propanone" in html and "quantity &#39;x&#39; is not a number" in html
    crystal_palace.screen_manifest(manifest, out=tmp_path / "all.json")
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert data["totals"]["by_drug"][0]["drug"] in ("MDMA", "Tenamfetamine")


def test_identify_has_the_precursor_object():
    verdict = identify("CCCCCOC(=O)C1(C)OC1c1ccccc1").to_dict()
    p = verdict["precursor"]
    assert p["role"] == "designer" and p["leads_to"] == ["Amfetamine", "Metamfetamine"]
    assert p["paths"][0]["target"] == "BMK glycidic acid" and p["paths"][0]["steps"][0]["name"] == "ester hydrolysis"
    assert identify("acetone").to_dict()["precursor"]["category"] == "UN 1988 Table II; EU Category 3"


def test_identify_leaves_precursor_out_of_a_screen_and_for_unparsed_queries():
    assert identify_many(["CCO"], explain=False, legal=False)[0].to_dict()["precursor"] is None
    asked = identify_many(["CCO"], explain=False, legal=False, precursor=True)[0].to_dict()
    assert asked["precursor"]["role"] == "none"
    assert identify("C1CC(").to_dict()["precursor"] is None

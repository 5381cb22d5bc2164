"""``crystal-palace precursors screen | check | routes``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

runner = CliRunner()


def test_screen_prints_csv_rows_and_a_summary(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("Product,CAS,Quantity,Unit,Consignee\nBMK,103-79-7,100,kg,Acme\nCaffeine,58-08-2,5,kg,Acme\n",
                        encoding="utf-8")
    result = runner.invoke(app, ["precursors", "screen", str(manifest), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row,product,cas") and ",scheduled," in lines[1]
    assert "2 rows screened in m.csv: 1 scheduled" in result.stderr
    assert "could make up to" in result.stderr and "Metamfetamine" in result.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_screen_writes_json_to_a_file(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("CAS No.\n4468-48-8\n", encoding="utf-8")
    result = runner.invoke(app, ["precursors", "screen", str(manifest), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o.json").read_text())["rows"][0]["substance_id"] == "apaan"


def test_screen_of_an_unreadable_file_is_one_error_line(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("colour,size\nred,5\n", encoding="utf-8")
    result = runner.invoke(app, ["precursors", "screen", str(manifest)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: m.csv: no product name, CAS number or structure column")
    assert "Traceback" not in result.output


def test_check_explains_roles_and_paths():
    result = runner.invoke(app, ["precursors", "check", "c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1", "GBL"])
    assert result.exit_code == 0, result.output
    assert "role        designer" in result.stdout and "[N-debenzylation (hydrogenolysis)] 4-AP" in result.stdout
    assert "role        pre_precursor" in result.stdout and "4-Hydroxybutanoic acid" in result.stdout


def test_check_json_and_exit_code_on_a_bad_query():
    result = runner.invoke(app, ["precursors", "check", "--format", "json", "safrole", "12-34-5"])
    assert result.exit_code == 1
    answers = json.loads(result.stdout)
    assert answers[0]["precursor"]["leads_to"] == ["MDMA", "Tenamfetamine"]
    assert answers[1]["errors"][0]["field"] == "cas"


def test_routes_lists_the_data():
    result = runner.invoke(app, ["precursors", "routes", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "from,from_id,to,to_id,method,kind,assumed_yield,source"
    text = runner.invoke(app, ["precursors", "routes"]).stdout
    assert "N-Phenethyl-4-piperidone -> 4-ANPP" in text or "NPP -> 4-ANPP" in text


def test_identify_text_shows_the_precursor_role_and_path():
    result = runner.invoke(app, ["identify", "CC(=O)C(C(=O)OC)c1ccccc1", "--no-legal"])  # MAPA
    assert result.exit_code == 0, result.output
    assert "precursor   scheduled (UN 1988 Table I" in result.stdout
    assert "ester hydrolysis -> decarboxylation of a beta-keto acid -> 1-Phenyl-2-propanone" in result.stdout
    caffeine = runner.invoke(app, ["identify", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "--no-legal"])
    assert caffeine.exit_code == 0 and "precursor" not in caffeine.stdout

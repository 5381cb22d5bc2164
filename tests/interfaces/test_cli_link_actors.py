"""``crystal-palace link actors``: deduplicate or link actor files from the command line."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

runner = CliRunner()

ROWS = [
    ("record_id", "first_name", "surname", "birth_date", "phone", "country"),
    ("a1", "Paweł", "Wiśniewski", "12.03.1985", "+48 601 234 567", "PL"),
    ("a2", "Pawel", "Wisniewski", "1985-03-12", "0048601234567", "NL"),
    ("a3", "Anna", "Nowak", "1980-01-01", "", "PL"),
    ("a4", "Giuseppe", "Esposito", "1971-11-23", "bad number", "IT"),
]


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_dedupe_report_on_stdout_and_summary_on_stderr(tmp_path):
    result = runner.invoke(app, ["link", "actors", str(write(tmp_path / "people.csv", ROWS))])
    assert result.exit_code == 0, result.output
    assert "people:a1 = people:a2" in result.stdout
    assert "for: " in result.stdout and "date of birth same" in result.stdout
    assert "problem: record a4, field 'phone'" in result.stdout
    assert result.stderr.startswith("4 records -> 3 actors (1 with more than one record)")


def test_link_with_another_file_to_json_and_csv(tmp_path):
    left = write(tmp_path / "pl.csv", ROWS[:2] + ROWS[3:4])
    right = write(tmp_path / "it.csv", [ROWS[0], ("b9",) + ROWS[2][1:], ROWS[4]])
    out = tmp_path / "actors.json"
    result = runner.invoke(app, ["link", "actors", str(left), "--with", str(right), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(m["left"]["record_id"], m["right"]["record_id"]) for m in data["matches"]] == [("b9", "a1")]
    assert data["matches"][0]["evidence"]
    table = tmp_path / "actors.csv"
    result = runner.invoke(app, ["link", "actors", str(left), "--with", str(right), "-o", str(table)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert sorted((r["dataset"], r["record_id"]) for r in rows) == [("it", "a4"), ("it", "b9"), ("pl", "a1"),
                                                                   ("pl", "a3")]
    by_record = {r["record_id"]: r["entity_id"] for r in rows}
    assert by_record["a1"] == by_record["b9"] != by_record["a3"]


def test_errors_are_one_line(tmp_path):
    bad = write(tmp_path / "bad.csv", [("name", "surname"), ("x", "y")])
    result = runner.invoke(app, ["link", "actors", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip().startswith("error: bad.csv: no record id column")
    result = runner.invoke(app, ["link", "actors", str(write(tmp_path / "p.csv", ROWS)), "--out", "x.txt"])
    assert result.exit_code == 1 and "--out must end in .json or .csv" in result.stderr


def test_one_record_per_agency_keeps_an_agencys_records_apart(tmp_path):
    rows = [("id", "first_name", "surname", "birth_date", "agency"),
            ("1", "Jan", "Nowak", "1980-01-01", "KGP"), ("2", "Jan", "Nowak", "1980-01-01", "KGP"),
            ("3", "Jan", "Nowak", "1980-01-01", "Politie")]
    path = write(tmp_path / "case.csv", rows)
    plain = runner.invoke(app, ["link", "actors", str(path)])
    assert plain.stderr.startswith("3 records -> 1 actors")
    kept_apart = runner.invoke(app, ["link", "actors", str(path), "--one-record-per", "agency"])
    assert kept_apart.exit_code == 0, kept_apart.output
    assert kept_apart.stderr.startswith("3 records -> 2 actors (1 with more than one record)")

"""crystal-palace warn simulate/run/alerts/ack/report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def detections(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-warn") / "detections.csv"
    out = run("warn", "simulate", "--out", path, "--years", "1.5", "--seed", "5")
    assert out.exit_code == 0, out.output
    assert "wrote" in out.stderr and "NewSubstanceEvent" in out.stderr
    return path


def test_run_alerts_ack_and_rerun(detections, tmp_path):
    db = tmp_path / "alerts.duckdb"
    out = run("warn", "run", "-d", detections, "--alerts-db", db, "--period", "month", "--since", "2023-07-01",
              "--no-analogues", "-f", "json")
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert found["new_alerts"] >= 3 and found["new_by_kind"]["new_substance"] == 1
    assert "already known" in out.stderr
    again = run("warn", "run", "-d", detections, "--alerts-db", db, "--period", "month", "--since", "2023-07-01",
                "--no-analogues")
    assert again.exit_code == 0 and again.stdout == "" and f"{found['new_alerts']} already known" in again.stderr

    listed = run("warn", "alerts", "--alerts-db", db, "--kind", "spread")
    assert listed.exit_code == 0 and listed.stdout.count("OPEN") == 2 and "records: 1 (" in listed.stdout
    key = next(a["key"] for a in found["alerts"] if a["kind"] == "new_substance")
    acked = run("warn", "ack", key, "--by", "focal point", "--alerts-db", db)
    assert acked.exit_code == 0 and f"acknowledged {key}" in acked.stdout
    still_open = json.loads(run("warn", "alerts", "--alerts-db", db, "--open", "-f", "json").stdout)
    assert key not in {a["key"] for a in still_open} and len(still_open) == found["new_alerts"] - 1


def test_errors_are_one_line(detections, tmp_path):
    out = run("warn", "ack", "no-such-key", "--alerts-db", tmp_path / "a.duckdb")
    assert out.exit_code == 1 and out.stderr.strip() == "error: no-such-key: no stored alert has the key 'no-such-key'"
    out = run("warn", "run", "-d", tmp_path / "none.csv", "--alerts-db", tmp_path / "a.duckdb")
    assert out.exit_code == 1 and "no such file" in out.stderr and "Traceback" not in out.output
    out = run("warn", "report", "-d", detections, "--period", "year")
    assert out.exit_code == 2


def test_report_html_and_json(detections, tmp_path):
    page = tmp_path / "r.html"
    out = run("warn", "report", "-d", detections, "--alerts-db", tmp_path / "a.duckdb", "--period", "month",
              "--at", "2023-09-25", "-o", page)
    assert out.exit_code == 0, out.output
    assert "report 2023-09" in out.stderr and page.read_text().startswith("<!DOCTYPE html>")
    feed = run("warn", "report", "-d", detections, "--alerts-db", tmp_path / "a.duckdb", "--period", "week",
               "-f", "json")
    assert feed.exit_code == 0 and json.loads(feed.stdout)["version"].endswith("1.1")

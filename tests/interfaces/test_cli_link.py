"""``crystal-palace link``, ``graph`` and ``operation``: results on stdout, one-line errors, never a traceback."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_records import build_records  # noqa: E402  (the analysis tests' hand-made records)

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, text: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr


@pytest.fixture
def profile_files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(2)
    rows, groups = [], []
    for b in range(6):
        base = rng.lognormal(0, 1, 8) + 0.05
        for s in range(3):
            areas = base * rng.lognormal(0, 0.08, 8)
            rows.append({"sample_id": f"b{b}s{s}", **{f"P{k}": v for k, v in enumerate(areas)}})
            groups.append({"sample_id": f"b{b}s{s}", "batch": f"B{b}", "route": "leuckart" if b % 2 else "P2P"})
    profiles, reference = tmp_path / "profiles.csv", tmp_path / "reference.csv"
    pd.DataFrame(rows).to_csv(profiles, index=False)
    pd.DataFrame(groups).to_csv(reference, index=False)
    return profiles, reference


def test_link_profiles_compare_prints_every_combination_and_links_with_the_best(profile_files, tmp_path) -> None:
    profiles, reference = profile_files
    result = run("link", "profiles", profiles, "--reference", reference, "--group", "batch", "--compare",
                 "--save-calibration", tmp_path / "cal.json")
    assert result.exit_code == 0, result.output
    table = [line for line in result.stdout.splitlines() if re.match(r"^\s+\d+\s+(sum|max|none)\s", line)]
    assert len(table) == 60 and "best: " in result.stdout and "ROC AUC" in result.stdout
    assert "18 profiles:" in result.stderr and " groups" in result.stderr
    saved = json.loads((tmp_path / "cal.json").read_text())
    best = result.stdout.split("best: ")[1].split(" (AUC")[0].split(" + ")
    assert list(saved["method"].values()) == best
    again = run("link", "profiles", profiles, "--calibration", tmp_path / "cal.json", "--normalisation", best[0],
                "--pretreatment", best[1], "--metric", best[2], "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["threshold"] == saved["threshold"]


def test_link_profiles_formats(profile_files) -> None:
    profiles, reference = profile_files
    csv_out = run("link", "profiles", profiles, "--reference", reference, "--group", "batch", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "a,b,distance,linked,lr,support"
    links = run("link", "profiles", profiles, "--reference", reference, "--group", "batch", "--format", "links")
    assert json.loads(links.stdout)[0]["type"] == "same_batch"
    strict = run("link", "profiles", profiles, "--reference", reference, "--group", "batch", "--rule", "attributes",
                 "--same", "route", "--format", "json", "--criterion", "f1")
    assert json.loads(strict.stdout)["calibration"]["rule"].startswith("attributes: linked = same batch, same route")
    no_singletons = run("link", "profiles", profiles, "--reference", reference, "--group", "batch", "--rule", "strict",
                        "--same", "route")
    assert_one_line_error(no_singletons, "calibration needs at least 2 linked and 2 unlinked pairs")


def test_link_profiles_errors_are_one_line(profile_files, tmp_path) -> None:
    profiles, reference = profile_files
    assert_one_line_error(run("link", "profiles"), "give INPUT.csv or --db URL")
    assert_one_line_error(run("link", "profiles", profiles, "--compare"), "--compare needs --reference")
    assert_one_line_error(run("link", "profiles", profiles, "--metric", "mahalanobis"), "unknown metric")
    bad = tmp_path / "bad.csv"
    bad.write_text("sample_id,P1\na,1\nb,x\n")
    assert_one_line_error(run("link", "profiles", bad), "record b, field 'P1': peak area 'x' is not a number")
    assert_one_line_error(run("link", "profiles", profiles, "--reference", reference), "no column 'group'")


def test_link_tablets(tmp_path) -> None:
    path = tmp_path / "tablets.csv"
    path.write_text("tablet_id,logo,colour,diameter_mm\nt1,Tesla,red,9.0\nt2,TESLA,Dark red,9.1\n"
                    "t3,Tesla,red,10.2\nt4,Rolex,yellow,9.0\n")
    result = run("link", "tablets", path, "--format", "json")
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.stdout)["pairs"]
    assert [(p["a"], p["b"]) for p in pairs] == [("t1", "t2")]
    assert pairs[0]["evidence"]["diameter_mm"]["agrees"] is True


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(build_records(), default=str))
    return path


def test_graph_commands(records_file) -> None:
    built = run("graph", "build", "--records", records_file)
    assert built.exit_code == 0 and "nodes       14" in built.stdout
    path = run("graph", "path", "sz-4", "sz-3", "--records", records_file, "--format", "json")
    assert json.loads(path.stdout)["length"] == 7
    central = run("graph", "centrality", "--records", records_file, "--kind", "actor", "--format", "json")
    assert {r["kind"] for r in json.loads(central.stdout)} == {"actor"}
    communities = run("graph", "communities", "--records", records_file, "--format", "json")
    assert sum(c["size"] for c in json.loads(communities.stdout)) == 14
    timeline = run("graph", "timeline", "--records", records_file, "--start", "2026-03-04")
    assert timeline.stdout.splitlines()[0].startswith("2026-03-04  seizure")
    geo = run("graph", "geojson", "--records", records_file)
    assert json.loads(geo.stdout)["type"] == "FeatureCollection" and "1 records without coordinates" in geo.stderr
    assert_one_line_error(run("graph", "path", "sz-1", "nobody", "--records", records_file), "nobody")


def test_graph_adds_links_from_a_file(records_file, tmp_path) -> None:
    extra = tmp_path / "links.json"
    extra.write_text(json.dumps([{"type": "same_batch", "from_id": "sa-3", "to_id": "sa-2", "score": 50.0}]))
    path = run("graph", "path", "sz-3", "sz-2", "--records", records_file, "--links", extra, "--format", "json")
    assert json.loads(path.stdout)["length"] == 3


def test_operation_report_text_json_html(records_file, tmp_path) -> None:
    text = run("operation", "report", "Crystal Bridge", "--records", records_file)
    assert text.exit_code == 0 and "amphetamine: 2.500 kg" in text.stdout
    data = json.loads(run("operation", "report", "op-1", "--records", records_file, "-f", "json").stdout)
    assert data["totals"]["arrests"] == 5
    out = tmp_path / "report.html"
    assert run("operation", "report", "op-1", "--records", records_file, "-f", "html", "-o", out).exit_code == 0
    assert out.read_text().startswith("<!doctype html>")
    assert_one_line_error(run("operation", "report", "Storm", "--records", records_file), "no such operation")


def test_commands_read_a_store(tmp_path) -> None:
    from crystal_palace.demo import generate
    from crystal_palace.store.backend import open_store

    data = generate(seizures=150, seed=4)
    db = tmp_path / "store.duckdb"
    with open_store(db) as store:
        store.write_frames({**data.tables, **data.truth})
    several = run("link", "profiles", "--db", db)
    assert_one_line_error(several, "the profiles use several target sets; choose one of")
    profiles = run("link", "profiles", "--db", db, "--target-set", "ATS-GCMS-30", "--threshold", "0.02",
                   "--format", "links")
    assert profiles.exit_code == 0, profiles.output
    assert all(link["type"] == "same_batch" for link in json.loads(profiles.stdout))
    assert_one_line_error(run("link", "tablets", "--db", db, "--store-links"), "--store-links needs --db, --country")
    stored = run("link", "tablets", "--db", db, "--store-links", "--country", "NL", "--agency", "NFI")
    assert stored.exit_code == 0, stored.output
    presses = int(stored.stderr.split("stored links: ")[1].split(" new")[0].replace(",", ""))
    assert presses > 0
    again = run("link", "tablets", "--db", db, "--store-links", "--country", "NL", "--agency", "NFI")
    assert f"stored links: 0 new, 0 updated, {presses:,} unchanged" in again.stderr  # idempotent
    graph = json.loads(run("graph", "build", "--db", db, "--format", "json").stdout)
    assert sum(1 for n in graph["nodes"] if n["kind"] == "seizure") == 150
    assert sum(1 for e in graph["links"] if "same_press" in e["types"]) == presses
    calibrated = run("link", "tablets", "--db", db, "--truth", "--format", "json")
    assert json.loads(calibrated.stdout)["calibration"]["auc"] > 0.95
    assert_one_line_error(run("link", "tablets", "--truth", "--db", db, "--reference", __file__), "--truth needs --db")
    name = data.tables["operations"]["name"].iloc[0]
    report = run("operation", "report", name, "--db", db, "--format", "json")
    assert json.loads(report.stdout)["operation"]["name"] == name
    assert_one_line_error(run("graph", "build", "--db", tmp_path / "none.duckdb"), "no such store")

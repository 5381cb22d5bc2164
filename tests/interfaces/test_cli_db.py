"""crystal-palace db init|import|export|stats|delete and demo generate, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

runner = CliRunner()
DATA = Path(__file__).parents[1] / "store" / "data"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(params=["duckdb", "postgresql"])
def db(request, tmp_path):
    if request.param == "duckdb":
        yield str(tmp_path / "cli.duckdb")
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"cp_cli_{uuid.uuid4().hex[:10]}"
    yield f"{url}?schema={schema}"
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_init_import_twice_stats_export(db, tmp_path):
    result = run("db", "init", "--db", db)
    assert result.exit_code == 0 and "schema version 4" in result.output
    args = ("db", "import", DATA / "seizures_pl.csv", "-m", DATA / "seizures_pl.yaml", "--db", db)
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "seizures 3, seizure_substances 4" in first.output
    again = run(*args)
    assert "nothing new" in again.output and "7 unchanged" in again.output
    stats = run("db", "stats", "--db", db, "-f", "json")
    assert json.loads(stats.output)["counts"]["seizures"] == 3
    exported = run("db", "export", tmp_path / "csv", "-f", "csv", "--db", db)
    assert exported.exit_code == 0 and (tmp_path / "csv" / "seizures.csv").is_file()


def test_a_bad_row_rejects_the_file_or_is_reported(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "seizures_pl.csv").read_text(encoding="utf-8").replace("KWTSX", "kwtsx!"),
                   encoding="utf-8")
    refused = run("db", "import", bad, "-m", DATA / "seizures_pl.yaml", "--db", db)
    assert refused.exit_code == 1
    assert "rejected: row 2: seizure_substances.inchikey (column 'InChIKey'): not a standard InChIKey" \
        in refused.output
    assert "nothing was imported" in refused.output
    partial = run("db", "import", bad, "-m", DATA / "seizures_pl.yaml", "--mode", "per-row", "--db", db,
                  "--report", tmp_path / "report.json")
    assert partial.exit_code == 1 and "1 rows rejected" in partial.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["rejected"][0]["row"] == 2 and report["inserted"]["seizure_substances"] == 3


def test_demo_generate_into_a_store_and_to_files(db, tmp_path):
    made = run("demo", "generate", "--seizures", 150, "--seed", 4, "--db", db)
    assert made.exit_code == 0, made.output
    assert "seizures" in made.output
    stats = json.loads(run("db", "stats", "--db", db, "-f", "json").output)
    assert stats["counts"]["seizures"] == 150
    files = run("demo", "generate", "-n", 50, "--out", tmp_path / "files")
    assert files.exit_code == 0 and (tmp_path / "files" / "truth_actors.csv").is_file()
    both = run("demo", "generate", "-n", 5, "--out", tmp_path / "x", "--db", db)
    assert both.exit_code == 1 and "either --db or --out" in both.output


def test_user_errors_are_one_line(tmp_path):
    result = run("db", "import", DATA / "seizures_pl.csv", "--db", tmp_path / "x.duckdb")
    assert result.exit_code == 1
    assert "give a mapping file" in result.output and "Traceback" not in result.output
    result = run("db", "stats", "--db", "mysql://nowhere/db")
    assert result.exit_code == 1 and "unknown store URL scheme" in result.output

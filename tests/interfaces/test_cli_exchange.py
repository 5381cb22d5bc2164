"""crystal-palace exchange keygen|encode|match|pack|unpack|retract, as two agencies would run them."""

import json

from typer.testing import CliRunner

from crystal_palace.exchange.population import corrupt, population
from crystal_palace.interfaces.cli.main import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_csv(path, records):
    columns = list(records[0])
    lines = [",".join(columns)] + [",".join(str(r[c]) for c in columns) for r in records]
    path.write_text("\n".join(lines) + "\n")


def assert_one_error_line(result, text):
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr


def test_full_round(tmp_path):
    audit = tmp_path / "audit.jsonl"
    keys = tmp_path / "keys"
    assert run("exchange", "keygen", "--party", "PL-CBSP", "--dir", keys).exit_code == 0
    assert run("exchange", "keygen", "--party", "IT-DCSA", "--dir", keys, "--secret", tmp_path / "s.hex").exit_code == 0
    people = population(120, seed=4)
    write_csv(tmp_path / "pl.csv", people[:80])
    write_csv(tmp_path / "it.csv", [dict(r, id=r["id"] + "-it") for r in corrupt(people[40:], errors=1)])
    for side in ("pl", "it"):
        result = run("exchange", "encode", tmp_path / f"{side}.csv", "--secret", tmp_path / "s.hex",
                     "--out", tmp_path / f"{side}.enc", "--mapping", tmp_path / f"{side}.map", "--audit", audit)
        assert result.exit_code == 0, result.output
        assert "encoded 80 records" in result.stderr
    result = run("exchange", "match", tmp_path / "pl.enc", tmp_path / "it.enc", "--threshold", "0.8",
                 "--audit", audit)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["matched"] == 40 and "40 hits" in result.stderr
    pkg = tmp_path / "hits.pkg"
    result = run("exchange", "pack", tmp_path / "pl.csv", "--key", keys / "PL-CBSP.key", "--to",
                 keys / "IT-DCSA.pub", "--out", pkg, "--handling", "H1", "--case", "PL/7", "--audit", audit)
    assert result.exit_code == 0, result.output
    result = run("exchange", "unpack", pkg, "--key", keys / "IT-DCSA.key", "--trust", keys / "PL-CBSP.pub",
                 "--db", tmp_path / "it.duckdb", "--audit", audit)
    assert result.exit_code == 0, result.output
    opened = json.loads(result.stdout)
    assert opened["header"]["handling"] == "H1" and opened["header"]["provenance"]["case"] == "PL/7"
    assert opened["imported"]["stored"] == 80
    retraction = tmp_path / "r.pkg"
    assert run("exchange", "retract", "p3", "p4", "--key", keys / "PL-CBSP.key", "--to", keys / "IT-DCSA.pub",
               "--out", retraction, "--audit", audit).exit_code == 0
    result = run("exchange", "unpack", retraction, "--key", keys / "IT-DCSA.key", "--trust",
                 keys / "PL-CBSP.pub", "--db", tmp_path / "it.duckdb", "--audit", audit)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["removed"] == {"exchange_received": 2}


def test_tampered_package_one_error_line(tmp_path):
    keys = tmp_path / "keys"
    run("exchange", "keygen", "--party", "PL-CBSP", "--dir", keys)
    run("exchange", "keygen", "--party", "IT-DCSA", "--dir", keys)
    (tmp_path / "r.json").write_text(json.dumps([{"id": "pl-1", "name": "Jan"}]))
    pkg = tmp_path / "p.pkg"
    assert run("exchange", "pack", tmp_path / "r.json", "--key", keys / "PL-CBSP.key", "--to",
               keys / "IT-DCSA.pub", "--out", pkg, "--audit", tmp_path / "a.jsonl").exit_code == 0
    data = json.loads(pkg.read_text())
    data["header"]["recipient"] = "NL-POLITIE"
    pkg.write_text(json.dumps(data))
    result = run("exchange", "unpack", pkg, "--key", keys / "IT-DCSA.key", "--trust", keys / "PL-CBSP.pub",
                 "--audit", tmp_path / "a.jsonl")
    assert_one_error_line(result, "signature does not verify")


def test_usage_errors(tmp_path):
    assert_one_error_line(run("exchange", "keygen"), "--party")
    (tmp_path / "s.hex").write_text("nothex")
    (tmp_path / "r.csv").write_text("id\n1\n")
    result = run("exchange", "encode", tmp_path / "r.csv", "--secret", tmp_path / "s.hex", "--out",
                 tmp_path / "o.json", "--audit", tmp_path / "a.jsonl")
    assert_one_error_line(result, "64 hexadecimal")

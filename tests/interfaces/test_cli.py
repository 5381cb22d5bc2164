"""The crystal-palace command line: identify, screen, version; one-line errors, never a traceback."""

import csv
import json

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

MDMA = "CNC(C)Cc1ccc2OCOc2c1"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, text):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr


def test_identify_json_is_an_array_with_one_object_per_query():
    result = run("identify", "--format", "json", MDMA, "C1CC((N", "42542-10-8")
    out = json.loads(result.stdout)
    assert isinstance(out, list) and len(out) == 3
    assert out[0]["identity"]["name"] == "MDMA" and out[0]["family"] == "phenethylamine"
    assert out[1]["errors"] and "SMILES" in out[1]["errors"][0]["reason"]
    assert "check digit" in out[2]["errors"][0]["reason"]
    assert result.exit_code == 1  # some queries had errors; all verdicts were printed


def test_identify_text_block():
    result = run("identify", MDMA, "--no-explain")
    assert result.exit_code == 0, result.output
    assert "MDMA" in result.stdout and "exact match" in result.stdout
    assert "phenethylamine" in result.stdout and "analogues" in result.stdout


def test_identify_text_shows_errors():
    result = run("identify", "C1CC((N")
    assert result.exit_code == 1 and "error" in result.stdout and "SMILES" in result.stdout


def test_identify_forced_input_type():
    result = run("identify", "--format", "json", "--input-type", "cas", "MDMA")
    assert json.loads(result.stdout)[0]["errors"]


def test_screen_contract_example(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.jsonl"
    rows = ["CNC(C)C(=O)c1ccc(C)cc1", "not a molecule ((", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "",
            "CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34"]
    with src.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["smiles"])
        w.writerows([x] for x in rows)
    result = run("screen", str(src), "--format", "jsonl", "--out", str(dst), "--jobs", "2")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in dst.read_text().splitlines()]
    assert len(lines) == len(rows)
    assert lines[1]["errors"] and lines[3]["errors"] and lines[2]["family"] == "none"
    assert "screened 5 rows" in result.stderr


def test_screen_to_stdout(tmp_path):
    src = tmp_path / "in.smi"
    src.write_text(f"{MDMA} x\nbroken((\n")
    result = run("screen", str(src), "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [r["row"] for r in rows] == ["1", "2"] and rows[0]["identity_name"] == "MDMA" and rows[1]["errors"]


@pytest.mark.parametrize("name,content,message", [
    ("empty.smi", b"", "the file is empty"),
    ("empty.csv", b"smiles\n", "no records"),
    ("nocol.csv", b"a,b\n1,2\n", "no query column"),
    ("in.xyz", b"CCO\n", "cannot tell the file type"),
])
def test_screen_whole_file_errors_are_one_line(tmp_path, name, content, message):
    src = tmp_path / name
    src.write_bytes(content)
    result = run("screen", str(src), "--out", str(tmp_path / "out.jsonl"))
    assert_one_line_error(result, message)
    assert not (tmp_path / "out.jsonl").exists()


def test_screen_missing_file_is_one_line(tmp_path):
    assert_one_line_error(run("screen", str(tmp_path / "nope.smi")), "no such file")


def test_screen_unwritable_output_is_one_line(tmp_path):
    src = tmp_path / "in.smi"
    src.write_text("CCO\n")
    assert_one_line_error(run("screen", str(src), "--out", str(tmp_path / "no" / "dir" / "o.jsonl")),
                          "cannot write the output")


def test_screen_keeps_every_bad_row(tmp_path):
    src = tmp_path / "in.smi"
    src.write_bytes(b"CCO\n" + b"C" * 10_000_000 + b"\n\xff\xfe\n\nCCN\n")
    dst = tmp_path / "out.jsonl"
    result = run("screen", str(src), "--out", str(dst))
    assert result.exit_code == 0
    rows = [json.loads(x) for x in dst.read_text().splitlines()]
    assert [bool(r["errors"]) for r in rows] == [False, True, True, True, False]


def test_version_and_help():
    result = run("version")
    assert result.exit_code == 0 and result.stdout.startswith("crystal-palace ")
    result = run("--help")
    assert result.exit_code == 0 and "identify" in result.stdout and "screen" in result.stdout


def test_identify_writes_depictions_with_the_family_atoms_highlighted(tmp_path):
    result = runner.invoke(app, ["identify", "CNC(C)C(=O)c1ccc(C)cc1", "C1CC((N", "--no-legal", "--svg", str(tmp_path)])
    svg = (tmp_path / "1.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "#F9B73F" in svg.upper()  # the highlight colour (0.98, 0.72, 0.25) as RDKit writes it
    assert not (tmp_path / "2.svg").exists()  # a query that does not parse has nothing to draw
    assert result.exit_code == 1  # the broken SMILES is reported

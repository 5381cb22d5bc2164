"""screen(): one verdict per input record, in order, on every core; bad records kept with their reason."""

import csv
import io
import json
from itertools import count

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.readers import Record, read_records
from crystal_palace.workflows import screen as screen_module
from crystal_palace.workflows.screen import iter_screen, screen

MDMA = "CNC(C)Cc1ccc2OCOc2c1"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"
MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
KEYS = ["query", "input_type", "structure", "identity", "family", "analogues", "legal", "errors"]

MOL_BROKEN_ATOMS = """broken
  RDKit          2D

  2  1  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 Xx  0  0
    1.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
M  END
"""


def mol_block(smiles, title):
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = Chem.MolFromSmiles(smiles)
    AllChem.Compute2DCoords(mol)
    return title + Chem.MolToMolBlock(mol)[Chem.MolToMolBlock(mol).index("\n"):]


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def hostile_smi(tmp_path):
    """Every kind of bad line the issue names, between good ones."""
    path = tmp_path / "in.smi"
    path.write_bytes(b"\n".join([
        MDMA.encode() + b" sample-1",
        b"C1CC((N garbage",
        CAFFEINE.encode() + b" coffee",
        b"",
        b"C" * 10_000_000,
        b"CCN \xe9thylamine",  # Latin-1, not UTF-8
        MEPHEDRONE.encode(),
    ]) + b"\n")
    return path


def test_one_row_per_input_row_in_order_with_reasons(tmp_path, hostile_smi):
    out = tmp_path / "out.jsonl"
    summary = screen(hostile_smi, out, jobs=1)
    rows = read_jsonl(out)
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["record"] for r in rows] == [f"line {i}" for i in range(1, 8)]
    assert all(all(k in r for k in KEYS) for r in rows)
    assert rows[0]["identity"]["name"] == "MDMA" and not rows[0]["errors"]
    assert rows[0]["input"] == {"name": "sample-1"}
    assert "SMILES" in rows[1]["errors"][0]["reason"] and rows[1]["errors"][0]["record"] == "line 2"
    assert rows[2]["family"] == "none" and not rows[2]["errors"]
    assert rows[3]["errors"][0]["reason"].startswith("empty")
    assert "longer than" in rows[4]["errors"][0]["reason"] and len(rows[4]["query"]) < 100
    assert "not UTF-8" in rows[5]["errors"][0]["reason"]
    assert rows[6]["family"] == "synthetic_cathinone"
    assert (summary.rows, summary.errors, summary.identified) == (7, 4, summary.identified)
    assert summary.identified >= 2 and sum(summary.families.values()) == 7


def test_parallel_output_is_identical_to_serial(tmp_path):
    path = tmp_path / "in.smi"
    lines = [MDMA, "not((", CAFFEINE, MEPHEDRONE, "", "CCO", "c1ccccc1"] * 6
    path.write_text("\n".join(lines) + "\n")
    serial, parallel = tmp_path / "serial.jsonl", tmp_path / "parallel.jsonl"
    screen(path, serial, jobs=1, chunk_size=4)
    summary = screen(path, parallel, jobs=2, chunk_size=4)
    assert summary.rows == len(lines)
    assert parallel.read_text() == serial.read_text()


def test_csv_in_csv_out_flattens_and_carries_columns(tmp_path):
    path = tmp_path / "seizures.csv"
    path.write_text("Sample,SMILES,cas,weight\n"
                    f"S1,{MDMA},,1.2 g\n"
                    "S2,,42542-10-8,0.3 g\n"   # wrong check digit (42542-10-9 is MDMA)
                    "S3,,,\n"
                    f"S4,{CAFFEINE},,5 g\n", encoding="utf-8")
    out = tmp_path / "verdicts.csv"
    summary = screen(path, out)  # format from the .csv suffix
    assert summary.format == "csv"
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["identity_name"] == "MDMA" and rows[0]["family"] == "phenethylamine"
    assert rows[0]["Sample"] == "S1" and rows[0]["input_SMILES"] == MDMA and rows[0]["weight"] == "1.2 g"
    assert rows[0]["top_analogue"] and float(rows[0]["top_analogue_similarity"]) > 0
    assert "check digit" in rows[1]["errors"] and rows[1]["input_type"] == "cas"
    assert rows[2]["errors"].startswith("SMILES: empty") or "empty" in rows[2]["errors"]
    assert rows[3]["family"] == "none" and rows[3]["errors"] == ""
    assert rows[0]["legal"] == ""  # legal status is asked for, not given by default


def test_csv_carries_the_legal_verdicts_when_asked(tmp_path):
    from crystal_palace.workflows.identify import LegalOptions

    path = tmp_path / "seizures.csv"
    path.write_text(f"smiles\n{MDMA}\n{CAFFEINE}\n", encoding="utf-8")
    out = tmp_path / "verdicts.csv"
    screen(path, out, legal=LegalOptions(jurisdictions=("UN", "DE")))
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["legal"].startswith("UN: controlled (listed, ") and "DE: controlled (listed, " in rows[0]["legal"]
    assert rows[1]["legal"] == "UN: not controlled; DE: not controlled"


def test_sdf_with_a_broken_record_in_the_middle(tmp_path):
    path = tmp_path / "in.sdf"
    path.write_text(mol_block(MDMA, "first") + "> <ID>\nA-1\n\n$$$$\n"
                    + MOL_BROKEN_ATOMS + "$$$$\n"
                    + "no end\n  x\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n$$$$\n"
                    + mol_block(MEPHEDRONE, "last") + "$$$$\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    screen(path, out, jobs=1)
    rows = read_jsonl(out)
    assert len(rows) == 4
    assert rows[0]["identity"]["name"] == "MDMA" and rows[0]["input"] == {"name": "first", "ID": "A-1"}
    assert rows[1]["errors"] and rows[1]["errors"][0]["field"] == "mol"
    assert "M  END" in rows[2]["errors"][0]["reason"]
    assert rows[3]["family"] == "synthetic_cathinone" and rows[3]["record"].startswith("record 4 (last)")


@pytest.mark.parametrize("content", [b"", b"\n\n", b"smiles\n"])
def test_an_empty_file_raises_and_writes_nothing(tmp_path, content):
    path = tmp_path / ("in.csv" if content == b"smiles\n" else "in.smi")
    path.write_bytes(content)
    out = tmp_path / "out.jsonl"
    with pytest.raises(InvalidInput):
        screen(path, out)
    assert not out.exists()


def test_refuses_to_overwrite_its_input(tmp_path):
    path = tmp_path / "in.smi"
    path.write_text("CCO\n")
    with pytest.raises(InvalidInput, match="output file is the input"):
        screen(path, path)
    assert path.read_text() == "CCO\n"


def test_a_crash_on_one_record_becomes_that_rows_error(tmp_path, monkeypatch):
    from crystal_palace.workflows import identify as identify_module

    real_identify, real_many = identify_module.identify, identify_module.identify_many

    def fragile(query, **kw):
        if query == "CCO":
            raise RuntimeError("boom")
        return real_identify(query, **kw)

    def fragile_many(queries, **kw):
        if "CCO" in queries:
            raise RuntimeError("boom")
        return real_many(queries, **kw)

    monkeypatch.setattr(identify_module, "identify", fragile)
    monkeypatch.setattr(identify_module, "identify_many", fragile_many)
    path = tmp_path / "in.smi"
    path.write_text(f"{MDMA}\nCCO\n{CAFFEINE}\n")
    out = tmp_path / "out.jsonl"
    summary = screen(path, out, jobs=1)
    rows = read_jsonl(out)
    assert summary.rows == 3 and rows[0]["identity"]["name"] == "MDMA" and rows[2]["family"] == "none"
    assert "internal error" in rows[1]["errors"][0]["reason"] and "boom" in rows[1]["errors"][0]["reason"]


def test_progress_is_reported_up_to_the_last_row(tmp_path):
    path = tmp_path / "in.smi"
    path.write_text("\n".join(["CCO", MDMA] * 10) + "\n")
    calls = []
    screen(path, tmp_path / "out.jsonl", jobs=1, chunk_size=3, progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls] == sorted(c[0] for c in calls) and calls[-1][0] == 20
    assert calls[-1][1] == calls[-1][2] == path.stat().st_size


def test_writes_to_a_stream(tmp_path):
    path = tmp_path / "in.smi"
    path.write_text(f"{MDMA}\n")
    buffer = io.StringIO()
    screen(path, buffer, format="jsonl")
    assert json.loads(buffer.getvalue())["identity"]["name"] == "MDMA"


def test_iter_screen_takes_strings_or_records():
    rows = list(iter_screen([MDMA, "C1CC((N", "42542-10-9"]))
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert rows[0]["identity"]["name"] == "MDMA" and rows[1]["errors"] and rows[2]["identity"]["name"] == "MDMA"
    records = [Record(1, "a", None, None, {}, "unreadable", "line"), Record(2, "b", CAFFEINE, "smiles")]
    rows = list(iter_screen(records))
    assert rows[0]["errors"][0] == {"record": "a", "field": "line", "reason": "unreadable"}
    assert rows[1]["family"] == "none"


def test_reading_ahead_is_bounded_so_memory_stays_flat(monkeypatch):
    pulled = count()

    def endless():
        for i in count(1):
            next(pulled)
            yield Record(i, f"item {i}", "CCO" if i % 2 else MDMA, "smiles")

    rows = iter_screen(endless(), jobs=2, chunk_size=5, analogues=0)
    first = [next(rows) for _ in range(3)]
    assert [r["row"] for r in first] == [1, 2, 3]
    pulled_so_far = next(pulled)
    rows.close()
    limit = (2 * screen_module.IN_FLIGHT_PER_JOB + 3) * 5
    assert pulled_so_far <= limit, f"read {pulled_so_far} records ahead (limit {limit})"


def test_gzip_input(tmp_path):
    import gzip

    path = tmp_path / "in.smi.gz"
    path.write_bytes(gzip.compress(f"{MDMA} a\nbad((\n".encode()))
    rows = list(iter_screen(read_records(path)))
    assert len(rows) == 2 and rows[0]["identity"]["name"] == "MDMA" and rows[1]["errors"]


def test_jobs_must_be_positive(tmp_path):
    path = tmp_path / "in.smi"
    path.write_text("CCO\n")
    with pytest.raises(InvalidInput, match="jobs"):
        screen(path, tmp_path / "o.jsonl", jobs=0)


def test_a_worker_dying_on_one_record_marks_only_that_row(tmp_path, monkeypatch):
    import os

    from crystal_palace.workflows import identify as identify_module

    real_identify, real_many = identify_module.identify, identify_module.identify_many

    def deadly(query, **kw):
        if query == "CCCCCCCCCCO":
            os._exit(3)  # what a segfault in native code looks like to the parent
        return real_identify(query, **kw)

    def deadly_many(queries, **kw):  # a chunk's structures are identified as one batch
        if "CCCCCCCCCCO" in queries:
            os._exit(3)
        return real_many(queries, **kw)

    monkeypatch.setattr(identify_module, "identify", deadly)
    monkeypatch.setattr(identify_module, "identify_many", deadly_many)
    path = tmp_path / "in.smi"
    lines = [MDMA, "CCO", CAFFEINE, "CCCCCCCCCCO", MEPHEDRONE, "CCN"] * 3
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    summary = screen(path, out, jobs=2, chunk_size=2)
    rows = read_jsonl(out)
    assert [r["row"] for r in rows] == list(range(1, 19)) and summary.rows == 18
    crashed = [r["row"] for r in rows if any("crashed" in e["reason"] for e in r["errors"])]
    assert crashed == [4, 10, 16]
    assert all(not r["errors"] for r in rows if r["row"] not in crashed)


def test_workers_are_recycled_without_losing_or_reordering_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(screen_module, "RECYCLE_AFTER_RECORDS", 6)
    path = tmp_path / "in.smi"
    lines = [MDMA, "CCO", "bad((", CAFFEINE, MEPHEDRONE] * 8
    path.write_text("\n".join(lines) + "\n")
    serial, parallel = tmp_path / "serial.jsonl", tmp_path / "parallel.jsonl"
    screen(path, serial, jobs=1, chunk_size=3)
    screen(path, parallel, jobs=2, chunk_size=3)
    assert parallel.read_text() == serial.read_text()


@pytest.mark.shared_data
def test_a_real_public_table_screens_row_for_row(shared_data, tmp_path):
    source = shared_data / "psymol" / "library.csv"
    with source.open(encoding="utf-8", newline="") as f:
        expected = list(csv.DictReader(f))
    out = tmp_path / "psymol.csv"
    summary = screen(source, out, jobs=2)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary.rows == len(rows) == len(expected)
    assert [r["name"] for r in rows] == [e["name"] for e in expected]
    assert [r["input_smiles"] for r in rows] == [e["smiles"] for e in expected]
    assert summary.identified > len(rows) / 4

"""Streaming readers: every input record becomes exactly one Record, bad ones with their reason."""

import gzip
import tracemalloc

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.readers import detect_kind, read_records

MOL_ETHANOL = """ethanol
  RDKit          2D

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
"""


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def records(path, **kw):
    return list(read_records(path, **kw))


# -- SMILES files ------------------------------------------------------------------------------------
def test_smiles_lines_with_names_header_and_blank_rows(tmp_path):
    path = write(tmp_path, "in.smi", "SMILES Name\nCCO ethanol\n\nC1CC(( broken one\r\nCN\n")
    out = records(path)
    assert [r.row for r in out] == [1, 2, 3, 4]
    assert [r.label for r in out] == ["line 2", "line 3", "line 4", "line 5"]
    assert out[0].value == "CCO" and out[0].columns == {"name": "ethanol"} and out[0].input_type == "smiles"
    assert out[1].value is None and out[1].error.startswith("empty")
    assert out[2].value == "C1CC((" and out[2].columns["name"] == "broken one" and out[2].error is None
    assert out[3].value == "CN" and out[3].columns["name"] == ""


def test_txt_lets_identify_detect_the_type(tmp_path):
    out = records(write(tmp_path, "list.txt", "42542-10-9\nMDMA\n"))
    assert [(r.value, r.input_type) for r in out] == [("42542-10-9", None), ("MDMA", None)]


def test_a_10_mb_line_is_an_error_row_and_is_never_held_whole(tmp_path):
    path = write(tmp_path, "big.smi", "CCO\n" + "C" * 10_000_000 + "\nCCN\n")
    tracemalloc.start()
    out = records(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r.value for r in out] == ["CCO", None, "CCN"]
    assert out[1].error == "line 2 is longer than 100,000 bytes" and out[1].label == "line 2"
    assert peak < 2_000_000, f"peak {peak:,} bytes: the long line was loaded"


def test_the_line_limit_is_configurable(tmp_path):
    out = records(write(tmp_path, "in.smi", "CCCCCCCCCC\nCC\n"), max_line_bytes=5)
    assert out[0].error.startswith("line 1 is longer than 5 bytes") and out[1].value == "CC"


def test_bytes_that_are_not_utf8_give_an_error_row_naming_the_line(tmp_path):
    path = write(tmp_path, "in.smi", b"CCO\nCCN \xe9thyl\xe8ne\nCCC\n")
    out = records(path)
    assert [r.value for r in out] == ["CCO", None, "CCC"]
    assert "line 2 is not UTF-8" in out[1].error and "0xe9" in out[1].error


def test_a_utf8_bom_is_not_part_of_the_first_query(tmp_path):
    assert records(write(tmp_path, "in.smi", b"\xef\xbb\xbfCCO\n"))[0].value == "CCO"


def test_gzip_files_are_read_transparently(tmp_path):
    path = tmp_path / "in.smi.gz"
    path.write_bytes(gzip.compress(b"CCO a\nCCN b\n"))
    assert [r.value for r in records(path)] == ["CCO", "CCN"]


def test_a_truncated_gzip_file_reports_instead_of_crashing(tmp_path):
    data = gzip.compress(("CCO\n" * 50_000).encode())
    path = write(tmp_path, "in.smi.gz", data[: len(data) // 2])
    out = records(path)
    assert out[-1].error is not None and "cannot be read" in out[-1].error
    assert all(r.value == "CCO" for r in out[:-2])


# -- whole-file problems -----------------------------------------------------------------------------
@pytest.mark.parametrize("name,content", [
    ("empty.smi", b""), ("blank.smi", b"\n  \n\t\n"), ("empty.csv", b""), ("empty.sdf", b"\n"),
    ("bom.smi", b"\xef\xbb\xbf"),
])
def test_an_empty_file_is_one_clear_error(tmp_path, name, content):
    with pytest.raises(InvalidInput, match="the file is empty") as info:
        read_records(write(tmp_path, name, content))
    assert info.value.field == "input" and info.value.record.endswith(name)


def test_a_utf16_export_is_one_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="UTF-16"):
        read_records(write(tmp_path, "in.csv", "smiles\nCCO\n".encode("utf-16")))


def test_a_header_without_rows_is_an_error_for_the_file(tmp_path):
    with pytest.raises(InvalidInput, match="no records"):
        records(write(tmp_path, "in.csv", "smiles,name\n"))


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        read_records(tmp_path / "nope.smi")
    with pytest.raises(InvalidInput, match="cannot tell the file type"):
        read_records(write(tmp_path, "in.xlsx", "x"))
    assert detect_kind("a.SDF.gz") == "sdf"


# -- CSV ---------------------------------------------------------------------------------------------
def test_csv_query_column_by_priority_with_per_row_fallback_and_carried_columns(tmp_path):
    path = write(tmp_path, "in.csv", "Sample,Name,SMILES,CAS\n"
                                     "s1,MDMA,CNC(C)Cc1ccc2OCOc2c1,\n"
                                     "s2,alpha-PVP,,\n"
                                     "s3,,,42542-10-9\n"
                                     "s4,,,\n"
                                     "\n")
    reader = read_records(path)
    assert reader.columns == ["Sample", "Name", "SMILES", "CAS"]
    out = list(reader)
    assert [(r.value, r.input_type) for r in out] == [
        ("CNC(C)Cc1ccc2OCOc2c1", "smiles"), ("alpha-PVP", None), ("42542-10-9", "cas"), (None, None), (None, None)]
    assert out[0].columns == {"Sample": "s1", "Name": "MDMA", "SMILES": "CNC(C)Cc1ccc2OCOc2c1", "CAS": ""}
    assert out[3].error.startswith("empty") and out[4].error.startswith("empty")
    assert [r.label for r in out] == ["line 2", "line 3", "line 4", "line 5", "line 6"]


def test_csv_written_by_the_csv_module_keeps_an_empty_quoted_row(tmp_path):
    out = records(write(tmp_path, "in.csv", 'smiles\nCCO\n""\nCCN\n'))
    assert [r.value for r in out] == ["CCO", None, "CCN"] and out[1].error.startswith("empty")


def test_semicolon_csv_from_a_european_spreadsheet(tmp_path):
    out = records(write(tmp_path, "in.csv", "id;smiles;note\n1;CCO;a, b\n"))
    assert out[0].value == "CCO" and out[0].columns == {"id": "1", "smiles": "CCO", "note": "a, b"}


def test_csv_quoted_multiline_field_and_bad_line(tmp_path):
    path = write(tmp_path, "in.csv", b'smiles,note\nCCO,"two\nlines"\nCC\xffN,x\nCCN,z\n')
    out = records(path)
    assert [r.value for r in out] == ["CCO", None, "CCN"]
    assert out[0].columns["note"] == "two\nlines"
    assert "line 4 is not UTF-8" in out[1].error and out[1].label == "line 4"


def test_csv_without_a_query_column_is_rejected_before_any_row(tmp_path):
    with pytest.raises(InvalidInput, match="no query column") as info:
        read_records(write(tmp_path, "in.csv", "compound,formula\nx,C2H6O\n"))
    assert "compound, formula" in str(info.value)


def test_csv_duplicate_header_names_are_kept_apart(tmp_path):
    reader = read_records(write(tmp_path, "in.csv", "smiles,mass,mass\nCCO,1,2\n"))
    assert reader.columns == ["smiles", "mass", "mass_2"]
    assert next(iter(reader)).columns == {"smiles": "CCO", "mass": "1", "mass_2": "2"}


# -- SDF ---------------------------------------------------------------------------------------------
def test_sdf_records_data_items_and_a_broken_block_in_the_middle(tmp_path):
    broken = "broken\n  no counts line\n\nM  END\n"
    no_end = "truncated\n  RDKit\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n"
    content = (MOL_ETHANOL + "> <ID>\nS-1\n\n$$$$\n" + broken + "$$$$\n" + no_end + "$$$$\n"
               + "$$$$\n" + MOL_ETHANOL + "$$$$\n")
    out = records(write(tmp_path, "in.sdf", content))
    assert [r.row for r in out] == [1, 2, 3, 4, 5]
    assert out[0].value.startswith("ethanol") and out[0].value.rstrip().endswith("M  END")
    assert out[0].input_type == "mol" and out[0].columns == {"name": "ethanol", "ID": "S-1"}
    assert out[0].label == "record 1 (ethanol), line 1"
    assert "broken MOL block" in out[1].error and out[1].label.startswith("record 2 (broken)")
    assert "no 'M  END'" in out[2].error
    assert out[3].error.startswith("empty")
    assert out[4].value is not None and out[4].error is None


def test_sdf_last_record_without_terminator_is_kept(tmp_path):
    out = records(write(tmp_path, "in.sdf", MOL_ETHANOL))
    assert len(out) == 1 and out[0].error is None


def test_records_survive_pickling_for_the_worker_processes():
    import pickle

    from crystal_palace.screening.records import Record

    records = [Record(1, "line 1", "CCO", "smiles", {"name": "x"}), Record(2, "line 2", None, None, {}, "bad", "line")]
    assert pickle.loads(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)) == records

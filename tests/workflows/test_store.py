"""The store and demo workflows, as the CLI, the API and other jobs call them."""

from __future__ import annotations

from pathlib import Path

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.importers import ImportRejected

DATA = Path(__file__).parents[1] / "store" / "data"


def test_workflows_are_exported_at_the_top_level():
    for name in ("open_store", "init_db", "import_file", "export_store", "store_stats", "delete_records",
                 "generate_demo"):
        assert name in crystal_palace.__all__ and callable(getattr(crystal_palace, name))


def test_init_import_export_stats_delete(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert crystal_palace.init_db(db)["applied"] == [1, 2, 3, 4]
    assert crystal_palace.init_db(db)["applied"] == []
    report = crystal_palace.import_file(DATA / "seizures_pl.csv", db=db, mapping=DATA / "seizures_pl.yaml")
    assert report.write.inserted == {"seizures": 3, "seizure_substances": 4}
    stats = crystal_palace.store_stats(db)
    assert stats["counts"]["seizures"] == 3 and stats["imports"][0]["inserted"] == 7
    exported = crystal_palace.export_store(tmp_path / "csv", db=db, format="csv", tables=["seizures"])
    assert exported["rows"] == {"seizures": 3}
    with crystal_palace.open_store(db) as store:
        seizure = store.read_table("seizures")["id"].iloc[0]
    removed = crystal_palace.delete_records([seizure], db=db, reason="test")
    assert removed["seizures"] == 1 and removed["seizure_substances"] >= 1


def test_all_or_nothing_import_raises_with_the_report(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "seizures_pl.csv").read_text(encoding="utf-8").replace("17.05.2023", "17.17.2023"),
                   encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        crystal_palace.import_file(bad, db=str(tmp_path / "s.duckdb"), mapping=DATA / "seizures_pl.yaml")
    assert caught.value.report.rejected_rows == [5] and isinstance(caught.value, InvalidInput)


def test_stats_of_a_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="no such store"):
        crystal_palace.store_stats(str(tmp_path / "nothing.duckdb"))


def test_generate_demo_into_a_store_twice_adds_nothing(tmp_path):
    db = str(tmp_path / "demo.duckdb")
    first = crystal_palace.generate_demo(200, seed=9, db=db)
    assert first["inserted"]["seizures"] == 200 and first["inserted"]["truth_actors"] > 0
    second = crystal_palace.generate_demo(200, seed=9, db=db)
    assert sum(second["inserted"].values()) == 0


def test_generate_demo_to_csv_files_imports_back(tmp_path):
    result = crystal_palace.generate_demo(100, seed=2, out=tmp_path / "csv")
    assert Path(result["files"]["truth_samples"]).is_file()
    db = str(tmp_path / "s.duckdb")
    with pytest.raises(InvalidInput, match="no operations record with id"):  # parents first
        crystal_palace.import_file(tmp_path / "csv" / "seizures.csv", db=db, record_type="seizures")
    for table in ("operations", "seizures"):
        report = crystal_palace.import_file(tmp_path / "csv" / f"{table}.csv", db=db, record_type=table)
    assert report.write.inserted == {"seizures": 100}
    with pytest.raises(InvalidInput):
        crystal_palace.generate_demo(0)

"""Imports on both backends: idempotent, all-or-nothing or per-row, every format, and crash-safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput, InvalidReferenceData
from crystal_palace.store.backend import Store, open_store
from crystal_palace.store.importers import ImportRejected, import_file
from crystal_palace.store.mapping import load_mapping

DATA = Path(__file__).parent / "data"
SHEET = DATA / "seizures_pl.csv"
MAPPING = DATA / "seizures_pl.yaml"


def _bad_copy(tmp_path: Path) -> Path:
    """The sheet with one bad date on its third data row (line 4 of the file)."""
    lines = SHEET.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("02.04.2023", "31.02.2023")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def test_one_row_gives_a_seizure_and_its_substances(store: Store):
    report = import_file(store, SHEET, MAPPING)
    assert report.committed and report.rows == 4
    assert report.write.inserted == {"seizures": 3, "seizure_substances": 4}
    seizures = store.read_table("seizures").set_index("ref")
    assert seizures.loc["PL/2023/001", "lat"] == pytest.approx(52.075)  # decimal comma
    assert seizures.loc["PL/2023/002", "place"] == "Gdańsk"
    assert str(seizures.loc["PL/2023/003", "seized_on"].date()) == "2023-05-17"
    substances = store.read_table("seizure_substances")
    first_case = substances[substances["seizure_id"] == seizures.loc["PL/2023/001", "id"]]
    assert sorted(first_case["form"]) == ["powder", "tablet"]
    assert set(substances["unit"]) == {"g"} and set(substances["country"]) == {"PL"}
    assert store.query("SELECT count(*) AS n FROM imports")[0]["n"] == 1


def test_importing_the_same_file_twice_adds_nothing(store: Store):
    import_file(store, SHEET, MAPPING)
    before = store.counts()
    again = import_file(store, SHEET, MAPPING)
    assert again.write.total_inserted == 0 and sum(again.write.updated.values()) == 0
    assert again.write.unchanged == {"seizures": 3, "seizure_substances": 4}
    assert store.counts() == before


def test_all_or_nothing_rejects_a_file_with_one_bad_row_and_stores_nothing(store: Store, tmp_path):
    with pytest.raises(ImportRejected) as caught:
        import_file(store, _bad_copy(tmp_path), MAPPING, mode="all-or-nothing")
    report = caught.value.report
    assert not report.committed and report.rejected_rows == [4]
    error = report.rejected[0]
    assert (error.row, error.record_type, error.field, error.column) == (4, "seizures", "seized_on",
                                                                        "Data zatrzymania")
    assert "not a date in the format %d.%m.%Y" in error.reason
    assert "row 4" in str(caught.value) and "nothing was imported" in str(caught.value)
    assert sum(store.counts().values()) == 0
    assert store.query("SELECT count(*) AS n FROM imports")[0]["n"] == 0


def test_per_row_stores_the_good_rows_and_reports_the_bad_one(store: Store, tmp_path):
    report = import_file(store, _bad_copy(tmp_path), MAPPING, mode="per-row")
    assert report.committed and report.rejected_rows == [4]
    assert [(e.row, e.field) for e in report.rejected] == [(4, "seized_on")]
    assert report.write.inserted == {"seizures": 2, "seizure_substances": 3}  # the bad row's substance too
    assert "PL/2023/002" not in set(store.read_table("seizures")["ref"])
    assert report.to_dict()["rejected"][0]["reason"].startswith("not a date")


def test_every_bad_value_is_reported_with_its_reason(store: Store, tmp_path):
    sheet = tmp_path / "many.csv"
    sheet.write_text(
        "Nr sprawy;Data zatrzymania;Miejsce;Szer;Dl;Substancja;InChIKey;Ilosc [g];Czystosc [%];Postac\n"
        "A1;01.01.2023;X;95;0;a;NOTAKEY;1;50;proszek\n"
        "A2;;X;0;0;b;KWTSXDURSIMDCE-UHFFFAOYSA-N;dużo;150;piasek\n", encoding="utf-8")
    report = import_file(store, sheet, MAPPING, mode="per-row")
    found = {(e.row, e.field): e.reason for e in report.rejected}
    assert found[(2, "lat")].startswith("out of range")
    assert found[(2, "inchikey")] == "not a standard InChIKey"
    assert found[(3, "seized_on")] == "required but empty"
    assert found[(3, "quantity")] == "not a number"
    assert found[(3, "purity")].startswith("out of range")
    assert found[(3, "form")].startswith("not one of powder")
    assert report.write.total_inserted == 0


def test_xlsx_json_and_json_lines_give_the_same_records(store: Store, tmp_path):
    import_file(store, SHEET, MAPPING)
    frame = pd.read_csv(SHEET, sep=";", dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "sheet.xlsx", index=False)
    (tmp_path / "sheet.json").write_text(json.dumps({"records": frame.to_dict("records")}), encoding="utf-8")
    (tmp_path / "sheet.jsonl").write_text("\n".join(json.dumps(r) for r in frame.to_dict("records")),
                                          encoding="utf-8")
    for name in ("sheet.xlsx", "sheet.json", "sheet.jsonl"):
        report = import_file(store, tmp_path / name, MAPPING)
        assert report.write.total_inserted == 0, name
        assert report.write.unchanged == {"seizures": 3, "seizure_substances": 4}, name


def test_references_must_point_to_known_records(store: Store, tmp_path):
    sheet = tmp_path / "samples.csv"
    sheet.write_text("seizure_id,ref,taken_on\nsz-0000000000000000,LAB-1,2023-01-01\n", encoding="utf-8")
    report = import_file(store, sheet, mode="per-row", record_type="samples",
                         defaults={"country": "IT", "agency": "RaCIS", "handling_code": "H1"})
    assert [(e.row, e.field) for e in report.rejected] == [(2, "seizure_id")]
    assert "no seizures record with id 'sz-0000000000000000'" in report.rejected[0].reason


def test_a_missing_source_column_is_one_clear_error(store: Store, tmp_path):
    sheet = tmp_path / "short.csv"
    sheet.write_text("Nr sprawy;Miejsce\nX;Y\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="has no columns .*'Data zatrzymania'"):
        import_file(store, sheet, MAPPING)


def test_a_bad_mapping_lists_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("records:\n  seizures:\n    columns: {A: nonsense}\n  widgets: {}\n"
                    "  samples:\n    parents: {seizure_id: seizures, purity: seizures}\n", encoding="utf-8")
    with pytest.raises(InvalidReferenceData) as caught:
        load_mapping(path)
    reasons = [r for _, r in caught.value.problems]
    assert any("unknown field 'nonsense'" in r for r in reasons)
    assert any("unknown record type 'widgets'" in r for r in reasons)
    assert any("'purity' is not a reference" in r for r in reasons)


KILLED_IMPORT = textwrap.dedent("""
    import sys, time
    from crystal_palace.store.backend import open_store
    from crystal_palace.store.importers import import_file

    def pause(table, rows):
        print(table, rows, flush=True)
        time.sleep(120)  # the parent kills us here, in the middle of the transaction

    with open_store(sys.argv[1]) as store:
        import_file(store, sys.argv[2], sys.argv[3], progress=pause)
""")


def test_a_killed_import_leaves_no_partial_data(store_url, tmp_path):
    frame = pd.read_csv(SHEET, sep=";", dtype=str, keep_default_na=False)
    big = pd.concat([frame] * 500, ignore_index=True)
    big["Nr sprawy"] = [f"PL/2023/{i:05d}" for i in range(len(big))]
    sheet = tmp_path / "big.csv"
    big.to_csv(sheet, sep=";", index=False)
    with open_store(store_url) as store:
        assert sum(store.counts().values()) == 0
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, store_url, str(sheet), str(MAPPING)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()  # the first table is written, the transaction still open
        assert line.startswith("seizures 2000"), child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with open_store(store_url) as store:
        assert sum(store.counts().values()) == 0
        assert store.query("SELECT count(*) AS n FROM imports")[0]["n"] == 0
        report = import_file(store, sheet, MAPPING)  # and the file imports cleanly afterwards
        assert report.write.inserted == {"seizures": 2000, "seizure_substances": 2000}


def test_excel_date_cells_and_json_lists(tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Zatrzymania"
    sheet.append(["Nr sprawy", "Data zatrzymania", "Miejsce", "Szer", "Dl", "Substancja", "InChIKey",
                  "Ilosc [g]", "Czystosc [%]", "Postac"])
    sheet.append(["X/1", dt.datetime(2022, 7, 1), "Lodz", 51.76, 19.46, "amfetamina",
                  "KWTSXDURSIMDCE-UHFFFAOYSA-N", 10.5, 30, "proszek"])
    book.save(tmp_path / "sheet.xlsx")
    mapping = load_mapping(MAPPING)
    with open_store(tmp_path / "s.duckdb") as store:
        report = import_file(store, tmp_path / "sheet.xlsx", mapping)
        assert report.write.inserted == {"seizures": 1, "seizure_substances": 1}
        assert str(store.read_table("seizures")["seized_on"].iloc[0].date()) == "2022-07-01"
        sites = tmp_path / "sites.json"
        sites.write_text(json.dumps([{"ref": "S1", "equipment": ["condenser", "vacuum pump"], "place": "Venlo",
                                      "synthesis_route": "Leuckart"}]), encoding="utf-8")
        import_file(store, sites, record_type="production_sites",
                    defaults={"country": "NL", "agency": "Politie", "handling_code": "H1"})
        site = store.read_table("production_sites").iloc[0]
        assert site["equipment"] == ["condenser", "vacuum pump"] and site["country"] == "NL"


def test_a_folder_of_table_csvs_imports_parents_first_in_one_go(store: Store, tmp_path):
    from crystal_palace.demo import generate
    from crystal_palace.demo.writers import write_csv

    data = generate(seizures=40, seed=12)
    write_csv(data, tmp_path / "csv")
    report = import_file(store, tmp_path / "csv")
    assert report.format == "csv folder" and report.write.inserted["links"] == len(data.tables["links"])
    assert report.write.inserted["truth_actors"] == len(data.truth["truth_actors"])
    assert store.counts() == {name: len(frame) for name, frame in data.tables.items()}
    assert import_file(store, tmp_path / "csv").write.total_inserted == 0
    seizures = (tmp_path / "csv" / "seizures.csv").read_text(encoding="utf-8").splitlines()
    seizures[2] = seizures[2].replace(",PL,", ",Polska,").replace(",NL,", ",Holland,").replace(",IT,", ",Italia,")
    (tmp_path / "csv" / "seizures.csv").write_text("\n".join(seizures) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_file(store, tmp_path / "csv")
    error = caught.value.report.rejected[0]
    assert (error.file, error.row, error.field) == ("seizures.csv", 3, "country")
    assert str(error).startswith("seizures.csv, row 3: seizures.country")

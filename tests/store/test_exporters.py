"""Exports on both backends: FtM entity lines round-trip; CSV exports import back unchanged."""

from __future__ import annotations

import json

import pytest

from crystal_palace.demo import generate
from crystal_palace.store.backend import Store, open_store
from crystal_palace.store.exporters import export_csv, export_ftm, iter_ftm
from crystal_palace.store.importers import import_file


@pytest.fixture(scope="module")
def demo():
    return generate(seizures=120, seed=5)


def test_ftm_export_round_trips(store: Store, demo, tmp_path):
    store.write_frames(demo.tables)
    first = tmp_path / "first.ftm.jsonl"
    count = export_ftm(store, first)
    actors = len(demo.tables["actors"])
    between_actors = demo.tables["links"]["to_id"].str.startswith("ac-").sum()
    assert count == actors + between_actors
    with open_store(tmp_path / "fresh.duckdb") as fresh:
        report = import_file(fresh, first)
        assert report.write.inserted == {"actors": actors, "links": between_actors} and not report.rejected
        second = tmp_path / "second.ftm.jsonl"
        export_ftm(fresh, second)
        again = import_file(fresh, first)
        assert again.write.total_inserted == 0
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    back = import_file(store, first)  # into the store it came from: every record as it is
    assert back.write.total_inserted == 0 and sum(back.write.updated.values()) == 0


def test_ftm_entities_use_ftm_schemata_and_properties(store: Store, demo):
    store.write_frames(demo.tables)
    entities = list(iter_ftm(store))
    by_schema = {e["schema"] for e in entities}
    assert {"Person", "Phone", "Directorship", "Ownership", "UnknownLink"} <= by_schema | {"Directorship"}
    person = next(e for e in entities if e["schema"] == "Person")
    assert person["properties"]["name"] and person["crystal_palace"]["country"]
    phone_link = next(e for e in entities if e["schema"] == "UnknownLink")
    assert phone_link["properties"]["role"] == [phone_link["crystal_palace"]["type"]]
    assert set(phone_link["properties"]) >= {"subject", "object"}


def test_foreign_ftm_entities_import_with_mapping_defaults(store: Store, tmp_path):
    lines = [
        {"id": "nl-p-1", "schema": "Person", "properties": {"name": ["Jan de Vries"], "firstName": ["Jan"],
                                                             "phone": ["+31 6 12345678", "0612345679"],
                                                             "notes": ["seen in Venlo"]}},
        {"id": "nl-c-1", "schema": "Company", "properties": {"name": ["Polder Chem B.V."]}},
        {"id": "nl-d-1", "schema": "Directorship", "properties": {"director": ["nl-p-1"],
                                                                   "organization": ["nl-c-1"]}},
        {"id": "nl-x-1", "schema": "Airplane", "properties": {}},
    ]
    path = tmp_path / "partner.ftm.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "nl.yaml"
    mapping.write_text("defaults: {country: NL, agency: Politie, handling_code: H1}\nrecords: {actors: {}}\n",
                       encoding="utf-8")
    report = import_file(store, path, mapping, mode="per-row")
    assert [(e.row, e.field) for e in report.rejected] == [(4, "schema")]
    assert report.write.inserted == {"actors": 2, "links": 1}
    person = store.read_table("actors", where="ref = ?", params=("nl-p-1",)).iloc[0]
    assert person["phone"] == "+31 6 12345678" and person["country"] == "NL"
    assert json.loads(person["properties"]) == {"notes": ["seen in Venlo"], "phone": ["0612345679"]}
    link = store.read_table("links").iloc[0]
    assert link["type"] == "director_of" and link["from_id"] == person["id"]


def test_csv_exports_import_back_unchanged(store: Store, demo, tmp_path):
    store.write_frames(demo.tables)
    written = export_csv(store, tmp_path / "csv")
    assert written["seizures"] == 120
    for table in ("operations", "seizures", "profiles", "production_sites", "actors"):  # every column type
        report = import_file(store, tmp_path / "csv" / f"{table}.csv", record_type=table)
        assert report.write.total_inserted == 0 and sum(report.write.updated.values()) == 0, table
        assert report.write.unchanged.get(table, 0) == len(demo.tables[table]), table

"""The one Store interface on both backends: idempotent writes, reads, cascading deletes, audit."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from crystal_palace.demo import generate
from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.backend import Store, open_store, parse_url


@pytest.fixture(scope="module")
def demo():
    return generate(seizures=150, seed=11)


def test_urls_select_the_backend(tmp_path):
    assert parse_url("postgresql://u@h/db") == ("postgresql", "postgresql://u@h/db")
    assert parse_url("duckdb:///tmp/x.duckdb") == ("duckdb", "/tmp/x.duckdb")
    assert parse_url(tmp_path / "x.duckdb") == ("duckdb", str(tmp_path / "x.duckdb"))
    assert parse_url("duckdb:///:memory:") == ("duckdb", ":memory:")
    with pytest.raises(InvalidInput, match="unknown store URL scheme"):
        parse_url("mysql://h/db")


def test_writing_the_same_records_twice_adds_nothing(store: Store, demo):
    first = store.write_frames({**demo.tables, **demo.truth})
    assert first.inserted["seizures"] == 150
    assert first.total_inserted == demo.records + sum(len(f) for f in demo.truth.values())
    again = store.write_frames({**demo.tables, **demo.truth})
    assert again.total_inserted == 0
    assert sum(again.updated.values()) == 0
    assert again.unchanged["links"] == len(demo.tables["links"])
    assert store.counts() == {name: len(frame) for name, frame in demo.tables.items()}


def test_tables_read_back_exactly_as_written(store: Store, demo):
    store.write_frames(demo.tables)
    for name, frame in demo.tables.items():
        expected = frame.sort_values("id").reset_index(drop=True)
        pd.testing.assert_frame_equal(store.read_table(name), expected, check_dtype=True)


def test_a_changed_record_is_updated_and_keeps_its_creation_time(store: Store, demo):
    store.write_frames({"seizures": demo.tables["seizures"]})
    changed = demo.tables["seizures"].head(1).copy()
    changed["place"] = "Rotterdam haven"
    changed["updated_at"] = pd.Timestamp("2030-01-01")
    changed["created_at"] = pd.Timestamp("2030-01-01")
    changed["content_hash"] = "changed"
    report = store.write_frames({"seizures": changed})
    assert (report.inserted["seizures"], report.updated["seizures"]) == (0, 1)
    table, record = store.get_record(changed["id"].iloc[0])
    assert table == "seizures" and record["place"] == "Rotterdam haven"
    assert record["created_at"] == demo.tables["seizures"]["created_at"].iloc[0].to_pydatetime()
    assert record["updated_at"] == dt.datetime(2030, 1, 1)


def test_profiles_come_back_as_one_matrix(store: Store, demo):
    store.write_frames(demo.tables)
    ids, areas = store.profiles_matrix()
    assert areas.shape == (len(demo.tables["profiles"]), 30)
    expected = demo.tables["profiles"].set_index("id").loc[ids["id"], "areas"].tolist()
    assert areas.tolist() == expected


def test_delete_records_removes_children_links_and_truth(store: Store, demo):
    store.write_frames({**demo.tables, **demo.truth})
    links = demo.tables["links"]
    seizure = links.loc[links["type"] == "suspect_in", "to_id"].iloc[0]
    samples = demo.tables["samples"].loc[demo.tables["samples"]["seizure_id"] == seizure, "id"].tolist()
    person = links.loc[links["to_id"] == seizure, "from_id"].iloc[0]
    removed = store.delete_records([seizure, person], actor="liaison", reason="retraction by PL")
    assert removed["seizures"] == 1 and removed["actors"] == 1
    for name, column in (("seizure_substances", "seizure_id"), ("samples", "seizure_id"),
                         ("links", "from_id"), ("links", "to_id"), ("tablets", "seizure_id")):
        assert store.query(f"SELECT count(*) AS n FROM {name} WHERE {column} IN (?, ?)",
                           (seizure, person))[0]["n"] == 0
    for sample in samples:
        assert store.query("SELECT count(*) AS n FROM profiles WHERE sample_id = ?", (sample,))[0]["n"] == 0
        assert store.query("SELECT count(*) AS n FROM truth_samples WHERE sample_id = ?", (sample,))[0]["n"] == 0
    assert store.get_record(seizure) is None and store.get_record(person) is None
    event = store.query("SELECT actor, details FROM audit WHERE action = 'delete'")
    assert event[0]["actor"] == "liaison" and json.loads(event[0]["details"])["reason"] == "retraction by PL"
    untouched = demo.tables["seizures"].loc[demo.tables["seizures"]["id"] != seizure, "id"].iloc[0]
    assert store.get_record(untouched) is not None


def test_delete_reaches_links_derived_from_links_and_registered_tables(store: Store, demo):
    store.write_frames(demo.tables)
    seizures = demo.tables["seizures"]["id"].tolist()
    derived = demo.tables["links"].head(1).copy()  # a link whose evidence is another link
    base = pd.concat([derived] * 2, ignore_index=True)
    base.loc[0, ["id", "type", "from_id", "to_id"]] = ["ln-base", "same_batch", seizures[0], seizures[1]]
    base.loc[1, ["id", "type", "from_id", "to_id"]] = ["ln-derived", "same_site", "ln-base", seizures[2]]
    store.write_frames({"links": base})
    store.execute("CREATE TABLE alerts (alert_id TEXT, record_id TEXT)")
    store.execute("INSERT INTO alerts VALUES ('a1', ?), ('a2', ?)", (seizures[0], seizures[3]))
    store.register_reference("alerts", "record_id")
    store.register_reference("alerts", "record_id")  # twice is fine
    removed = store.delete_records([seizures[0]])
    assert removed["alerts"] == 1
    assert store.get_record("ln-base") is None and store.get_record("ln-derived") is None
    assert [r["alert_id"] for r in store.query("SELECT alert_id FROM alerts")] == ["a2"]


def test_a_failed_write_leaves_nothing(store: Store, demo):
    broken = demo.tables["links"].copy()
    broken["type"] = None  # NOT NULL column
    with pytest.raises(Exception, match=r"(?i)null"):  # noqa: B017 (each database words it its own way)
        store.write_frames({"seizures": demo.tables["seizures"], "links": broken})
    assert store.counts()["seizures"] == 0


def test_unknown_tables_are_refused(store: Store):
    with pytest.raises(InvalidInput, match="no table 'nonsense'"):
        store.write_frames({"nonsense": pd.DataFrame({"id": ["x"]})})
    with pytest.raises(InvalidInput):
        store.read_table("nonsense")


def test_in_memory_duckdb_store():
    with open_store(":memory:") as store:
        assert store.schema_version() > 0 and store.counts()["seizures"] == 0


def test_deleting_an_operation_clears_optional_references_and_keeps_the_seizures(store: Store, demo):
    store.write_frames(demo.tables)
    seizures = demo.tables["seizures"]
    operation = seizures["operation_id"].dropna().iloc[0]
    members = seizures.loc[seizures["operation_id"] == operation, "id"].tolist()
    removed = store.delete_records([operation])
    assert removed["operations"] == 1 and removed["operation_outcomes"] >= 2
    assert removed["seizures.operation_id cleared"] == len(members) and "seizures" not in removed
    kept = store.read_table("seizures", where="id = ?", params=(members[0],)).iloc[0]
    assert pd.isna(kept["operation_id"])
    assert store.query("SELECT count(*) AS n FROM seizures WHERE operation_id = ?", (operation,))[0]["n"] == 0


def test_postgres_schema_parameter_is_checked():
    from crystal_palace.store.postgres_store import split_schema

    assert split_schema("postgresql://u@h/db?schema=pl_cbsp&sslmode=disable") == (
        "postgresql://u@h/db?sslmode=disable", "pl_cbsp")
    assert split_schema("postgresql://u@h/db") == ("postgresql://u@h/db", None)
    with pytest.raises(InvalidInput, match="not a plain SQL identifier"):
        split_schema("postgresql://u@h/db?schema=x;drop")

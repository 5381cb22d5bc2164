"""The model: provenance columns everywhere, valid DDL in both dialects, stable ids and content hashes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.store.ids import content_hashes, record_id, record_ids
from crystal_palace.store.model import (
    COMMON_COLUMNS,
    TABLES,
    create_table_sql,
    parent_references,
)


def test_every_record_table_carries_provenance():
    common = [c.name for c in COMMON_COLUMNS]
    for table in TABLES.values():
        assert list(table.column_names[: len(common)]) == common
        assert len(set(table.column_names)) == len(table.column_names), table.name
    assert len({t.prefix for t in TABLES.values()}) == len(TABLES)


def test_references_point_to_record_tables_listed_before_them():
    order = list(TABLES)
    for child, _column, parent in parent_references():
        assert parent == "*" or order.index(parent) < order.index(child)


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_ddl_names_every_column(dialect):
    sql = create_table_sql(dialect, "profiles")
    assert "areas DOUBLE" in sql and "PRIMARY KEY (id)" in sql
    assert all(name in sql for name in TABLES["profiles"].column_names)


def test_ids_are_stable_and_scoped_by_country_and_agency():
    assert record_id("sz", "PL", "CBSP", "17") == record_id("sz", "PL", "CBSP", "17")
    assert record_id("sz", "PL", "CBSP", "17") != record_id("sz", "IT", "CBSP", "17")
    assert record_id("sz", "PL", "CBSP", "17") != record_id("sz", "PL", "KGP", "17")
    assert record_ids("sz", ["PL"], ["CBSP"], ["17"]) == [record_id("sz", "PL", "CBSP", "17")]
    assert record_id("sz", "PL", "CBSP", "17").startswith("sz-") and len(record_id("sz", "PL", "CBSP", "17")) == 19


def test_content_hash_sees_every_value_including_lists():
    frame = pd.DataFrame({"a": pd.array(["x", None], dtype="str"), "b": [1.0, np.nan],
                          "c": pd.Series([[1.0, 2.0], None], dtype=object)})
    first = content_hashes(frame, ["a", "b", "c"])
    changed = frame.copy()
    changed.at[0, "c"] = [1.0, 2.5]
    assert first[0] != content_hashes(changed, ["a", "b", "c"])[0]
    assert list(first) == list(content_hashes(frame.copy(), ["a", "b", "c"]))


def test_every_table_and_column_is_documented():
    from pathlib import Path

    from crystal_palace.store.model import AUX_TABLES

    docs = (Path(__file__).parents[2] / "docs" / "store.md").read_text(encoding="utf-8")
    for table in [*TABLES.values(), *AUX_TABLES.values()]:
        assert f"### `{table.name}`" in docs, table.name
        for column in table.columns:
            assert f"`{column.name}`" in docs, (table.name, column.name)

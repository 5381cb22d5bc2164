"""DataFrames in and out of the store: one dtype convention, one typed Arrow table per store table.

Record frames (:func:`record_frame`) follow one dtype convention, shared by the importers, the demo
generator and :func:`from_store`, so that a generated record, the same record read back from either
backend and the same record re-imported from a CSV export compare (and hash) alike: text and JSON ->
pandas ``str`` (NaN when missing), double -> float64 (NaN), integer -> nullable Int64, date and
timestamp -> datetime64[ns], lists -> object (Python lists).

Bulk paths are what make a million records load in seconds: DuckDB scans a registered Arrow table in
``INSERT ... SELECT``, and PostgreSQL receives rows through ``COPY``. Both need one exact column type
per column, which this module takes from the model (never from pandas' guess on the first rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.ids import content_hashes
from crystal_palace.store.model import AUX_TABLES, TABLES, Column, ColumnType, content_columns

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "text": pa.string(), "json": pa.string(), "double": pa.float64(), "integer": pa.int64(),
    "date": pa.date32(), "timestamp": pa.timestamp("us"), "text[]": pa.list_(pa.string()),
    "double[]": pa.list_(pa.float64()),
}


def table_columns(name: str) -> tuple[Column, ...]:
    """The columns of record or auxiliary table ``name``."""
    if name in TABLES:
        return TABLES[name].columns
    if name in AUX_TABLES:
        return AUX_TABLES[name].columns
    raise InvalidInput(f"no table {name!r} in the store", field="table")


def _column_array(column: Column, values: pd.Series) -> pa.Array:
    kind = column.type
    target = ARROW_TYPES[kind]
    if kind in ("date", "timestamp"):
        stamps = pd.to_datetime(values)
        array = pa.array(stamps.to_numpy(dtype="datetime64[us]"), type=pa.timestamp("us"),
                         mask=stamps.isna().to_numpy())
        return array.cast(target)
    if kind in ("text[]", "double[]"):
        items = [None if v is None or (isinstance(v, float) and np.isnan(v)) else list(v) for v in values.tolist()]
        return pa.array(items, type=target)
    if kind == "integer":
        return pa.array(pd.array(values, dtype="Int64"), type=target)
    if kind == "double":
        return pa.array(pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan), type=target,
                        from_pandas=True)
    return pa.array(values.astype("str"), type=target, from_pandas=True)


def to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with exactly the columns and types of store table ``name``."""
    columns = table_columns(name)
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise InvalidInput(f"{name}: missing columns {missing}", field=missing[0], record=name)
    arrays = [_column_array(c, frame[c.name]) for c in columns]
    return pa.Table.from_arrays(arrays, names=[c.name for c in columns])


def python_rows(table: pa.Table) -> list[tuple[Any, ...]]:
    """Rows of Python values (None for nulls), for PostgreSQL's COPY."""
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return list(zip(*columns, strict=True))


def from_store(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows read from either backend in the one dtype convention of :mod:`crystal_palace.demo.frames`.

    DuckDB hands lists back as numpy arrays and PostgreSQL as lists, missing text as NaN or None;
    callers should not have to care which backend they read.
    """
    out = pd.DataFrame(index=frame.index)
    types = {c.name: c.type for c in table_columns(name)}
    for column in frame.columns:
        kind = types.get(column)
        values = frame[column]
        if kind in ("text", "json"):
            out[column] = values.astype("str") if values.dtype != "str" else values
            out[column] = out[column].where(values.notna(), np.nan)
        elif kind == "double":
            out[column] = pd.to_numeric(values).astype(np.float64)
        elif kind == "integer":
            out[column] = pd.array(values, dtype="Int64")
        elif kind in ("date", "timestamp"):
            out[column] = pd.to_datetime(values).astype("datetime64[ns]")
        elif kind in ("text[]", "double[]"):
            out[column] = pd.Series([None if v is None or (isinstance(v, float) and np.isnan(v)) else list(v)
                                     for v in values.tolist()], index=frame.index, dtype=object)
        else:
            out[column] = values
    return out


def empty_column(column: Column, n: int) -> Any:
    """A column of ``n`` missing values in the dtype convention of ``column``'s type."""
    if column.type == "double":
        return np.full(n, np.nan)
    if column.type == "integer":
        return pd.array([None] * n, dtype="Int64")
    if column.type in ("date", "timestamp"):
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if column.type in ("text[]", "double[]"):
        return np.full(n, None, dtype=object)
    return pd.array([None] * n, dtype="str")


def coerce(column: Column, values: Any) -> Any:
    """``values`` in the dtype convention of ``column``'s type."""
    if column.type == "double":
        return np.asarray(values, dtype=np.float64)
    if column.type == "integer":
        return pd.array(values, dtype="Int64")
    if column.type in ("date", "timestamp"):
        return np.asarray(values).astype("datetime64[ns]")
    if column.type in ("text[]", "double[]"):
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            out[i] = v
        return out
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def record_frame(table_name: str, data: Mapping[str, Any]) -> pd.DataFrame:
    """A DataFrame with every column of record table ``table_name``; missing columns are empty.

    ``content_hash`` is computed here, over :func:`~crystal_palace.store.model.content_columns`.
    """
    table = TABLES[table_name]
    n = len(data["id"])
    columns: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "content_hash":
            continue
        value = data.get(column.name)
        if value is None:
            columns[column.name] = empty_column(column, n)
        elif isinstance(value, str):  # one value for every row
            columns[column.name] = coerce(column, np.full(n, value, dtype=object))
        else:
            columns[column.name] = coerce(column, value)
    frame = pd.DataFrame(columns)
    frame["content_hash"] = content_hashes(frame, content_columns(table))
    return frame[list(table.column_names)]


def aux_frame(table_name: str, data: Mapping[str, Any]) -> pd.DataFrame:
    """A DataFrame with every column of auxiliary table ``table_name``."""
    table = AUX_TABLES[table_name]
    n = len(next(iter(data.values())))
    return pd.DataFrame({c.name: empty_column(c, n) if data.get(c.name) is None else coerce(c, data[c.name])
                         for c in table.columns})

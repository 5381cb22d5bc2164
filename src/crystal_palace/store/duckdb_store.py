"""The embedded backend: one DuckDB file (the default store) or an in-memory database.

Bulk loads go through Arrow: a staged table is an Arrow table registered with DuckDB and copied into a
temporary table by one ``CREATE TEMP TABLE ... AS SELECT``, which is orders of magnitude faster than
``executemany``. DuckDB writes a transaction to its log only when it commits, so a process killed in the
middle of an import leaves the file as it was before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from crystal_palace.store.backend import Store

_DML = ("INSERT", "UPDATE", "DELETE")


class DuckDBStore(Store):
    """A store in a DuckDB file (``:memory:`` for a throw-away one)."""

    dialect = "duckdb"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.path = path
        self.url = f"duckdb:///{path}" if not path.startswith("/") else f"duckdb://{path}"
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(path, read_only=read_only)
        self._depth = 0
        self._names = itertools.count()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the affected rows of INSERT, UPDATE and DELETE."""
        result = self.connection.execute(sql, list(params))
        if sql.lstrip().upper().startswith(_DML):
            row = result.fetchone()
            return int(row[0]) if row else 0
        return 0

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts."""
        cursor = self.connection.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The result through Arrow (lists stay lists)."""
        relation = self.connection.sql(sql, params=list(params) if params else None)
        return relation.to_arrow_table().to_pandas() if relation is not None else pd.DataFrame()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN/COMMIT around the outermost block; inner blocks join it."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.connection.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.connection.execute("ROLLBACK")
            raise
        self._depth = 0
        self.connection.execute("COMMIT")

    def stage(self, name: str, table: pa.Table) -> str:
        """A temporary table holding ``table``."""
        staged = f"_stage_{name.strip('_')}_{next(self._names)}"
        view = f"{staged}_arrow"
        self.connection.register(view, table)
        try:
            self.connection.execute(f"CREATE TEMP TABLE {staged} AS SELECT * FROM {view}")
        finally:
            self.connection.unregister(view)
        return staged

    def drop_stage(self, staged: str) -> None:
        """Drop a staging table."""
        self.connection.execute(f"DROP TABLE IF EXISTS {staged}")

    def close(self) -> None:
        """Close the file."""
        self.connection.close()

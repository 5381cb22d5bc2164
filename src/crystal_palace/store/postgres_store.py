"""The shared-server backend: PostgreSQL through psycopg 3.

``postgresql://user@host:port/db?schema=name`` works in schema ``name`` (created when missing; tests
use one schema per session). Bulk loads use ``COPY`` into a temporary staging table, and every write
runs in one server-side transaction, so a client killed in the middle leaves nothing behind: the server
rolls the transaction back when the connection drops.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import sql as pgsql
from psycopg.rows import dict_row

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.backend import Store
from crystal_palace.store.frames import python_rows

_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_ARROW_SQL = {pa.string(): "TEXT", pa.float64(): "DOUBLE PRECISION", pa.int64(): "BIGINT", pa.date32(): "DATE",
              pa.timestamp("us"): "TIMESTAMP", pa.list_(pa.string()): "TEXT[]",
              pa.list_(pa.float64()): "DOUBLE PRECISION[]"}


def split_schema(url: str) -> tuple[str, str | None]:
    """The URL without its ``schema`` query parameter (libpq does not know it), and that schema."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    if schema is not None and not _SCHEMA.match(schema):
        raise InvalidInput(f"schema {schema!r} is not a plain SQL identifier", field="db")
    return urlunsplit(parts._replace(query=rest)), schema


class PostgresStore(Store):
    """A store in a PostgreSQL database (optionally in one schema of it)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        dsn, self.schema = split_schema(url)
        self.connection = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)
        if self.schema:
            self.connection.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(self.schema)))
            self.connection.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.schema)))
        self._transaction: Any = None
        self._names = 0

    @staticmethod
    def _sql(sql: str, params: Sequence[Any]) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if params else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return its row count."""
        with self.connection.cursor() as cursor:
            cursor.execute(self._sql(sql, params), tuple(params) or None)
            return max(cursor.rowcount, 0)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts."""
        with self.connection.cursor() as cursor:
            cursor.execute(self._sql(sql, params), tuple(params) or None)
            return list(cursor.fetchall())

    def query_frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The result as a DataFrame."""
        with self.connection.cursor() as cursor:
            cursor.execute(self._sql(sql, params), tuple(params) or None)
            names = [d.name for d in cursor.description or ()]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One server transaction for the outermost block (inner blocks are savepoints)."""
        with self.connection.transaction():
            yield

    def lock(self, name: str) -> None:
        """A transaction-scoped advisory lock on ``name`` (in this schema)."""
        key = zlib.crc32(f"{self.schema or 'public'}.{name}".encode())
        self.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def stage(self, name: str, table: pa.Table) -> str:
        """A temporary table filled by COPY."""
        self._names += 1
        staged = f"_stage_{name.strip('_')}_{self._names}"
        columns = ", ".join(f"{f.name} {_ARROW_SQL[f.type]}" for f in table.schema)
        self.execute(f"CREATE TEMP TABLE {staged} ({columns}) ON COMMIT DROP")
        names = ", ".join(table.schema.names)
        with self.connection.cursor() as cursor, cursor.copy(f"COPY {staged} ({names}) FROM STDIN") as copy:
            for row in python_rows(table):
                copy.write_row(row)
        return staged

    def drop_stage(self, staged: str) -> None:
        """Drop a staging table (COMMIT would drop it too)."""
        self.execute(f"DROP TABLE IF EXISTS {staged}")

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

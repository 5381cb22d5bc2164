"""The accounts database: SQLite for one machine, PostgreSQL for a shared server, one SQL text for both.

Accounts, sessions, tokens, sharing agreements and the audit trail are small tables written by every
worker process. The embedded store (DuckDB) admits one writing process at a time, so an embedded
installation keeps its accounts in SQLite (write-ahead log, several processes may write); a shared
server keeps them in its PostgreSQL database. Statements are written with ``?`` placeholders and
translated for PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import CrystalPalaceError

Row = tuple[Any, ...]


class AccountsDatabaseError(CrystalPalaceError):
    """The accounts database URL cannot be used (unknown scheme, unreachable server)."""


class Database:
    """A thread-safe connection holder: one connection per thread, autocommit, ``?`` placeholders."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self.path: Path | None = Path(url.removeprefix("sqlite:///"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            self.path = None
        else:
            raise AccountsDatabaseError(
                f"accounts database {url!r}: give sqlite:///path or postgresql://... ")
        self._local = threading.local()

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise AccountsDatabaseError(f"PostgreSQL needs psycopg: {exc}") from exc
        try:
            return psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise AccountsDatabaseError(f"cannot connect to the accounts database: {exc}") from exc

    @property
    def connection(self) -> Any:
        """The connection of the calling thread (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        cur = self.connection.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount or 0)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        return [tuple(r) for r in self.connection.execute(self._sql(sql), tuple(params)).fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        row = self.connection.execute(self._sql(sql), tuple(params)).fetchone()
        return None if row is None else tuple(row)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the statements of the block all-or-nothing."""
        conn = self.connection
        if self.dialect == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            with conn.transaction():
                yield

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

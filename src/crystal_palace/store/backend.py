"""One store interface, two backends: an embedded DuckDB file and a PostgreSQL server.

:func:`open_store` picks the backend from the URL: ``duckdb:///path/to/file.duckdb``, a plain path, or
``:memory:`` for DuckDB; ``postgresql://user@host/db`` (``?schema=name`` selects, and creates, a schema)
for PostgreSQL. Everything above the few primitive methods (:meth:`Store.execute`, :meth:`Store.query`,
:meth:`Store.transaction`, the bulk loaders) is written once here, so both backends behave alike, and one
test suite runs on both.

Writes are idempotent: a record whose id is already stored with the same content is left alone, one
whose content changed is updated (``created_at`` kept, ``updated_at`` moved), and a new one is
inserted. :meth:`Store.write_frames` does all of it in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.frames import from_store, to_arrow
from crystal_palace.store.model import AUX_TABLES, TABLES, parent_references

PREFIXES = {t.prefix: t.name for t in TABLES.values()}
"""Record table by id prefix (``sz`` -> ``seizures``)."""


@dataclass
class WriteReport:
    """What a write did, per table: records inserted, updated (content changed) and unchanged."""

    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def total_inserted(self) -> int:
        """Records added in all tables."""
        return sum(self.inserted.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


class Store(ABC):
    """A seizure-intelligence store: the schema of :mod:`crystal_palace.store.model` in one database."""

    dialect: str
    url: str

    # --- primitives each backend provides ---------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (``?`` placeholders); return the affected row count when known."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""

    @abstractmethod
    def query_frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query's result as a DataFrame (bulk: Arrow for DuckDB, COPY-free cursor for PostgreSQL)."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction: committed when the block ends, rolled back on an exception (nestable)."""

    @abstractmethod
    def stage(self, name: str, table: pa.Table) -> str:
        """Load ``table`` into a temporary staging table (inside the open transaction); return its name."""

    @abstractmethod
    def drop_stage(self, staged: str) -> None:
        """Remove a staging table made by :meth:`stage`."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def lock(self, name: str) -> None:  # noqa: B027 (a no-op unless the backend has concurrent writers)
        """Serialise writers on ``name`` until the transaction ends (PostgreSQL; DuckDB has one writer)."""

    # --- shared behaviour -----------------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def now() -> dt.datetime:
        """The current UTC time without a zone (how timestamps are stored)."""
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    def init(self) -> list[int]:
        """Create or upgrade the schema; return the migration versions applied (empty when up to date)."""
        from crystal_palace.store.migrations import migrate

        return migrate(self)

    def schema_version(self) -> int:
        """The highest migration applied."""
        from crystal_palace.store.migrations import current_version

        try:
            return current_version(self)
        except Exception:  # no schema_version table yet
            return 0

    def counts(self) -> dict[str, int]:
        """Rows per record table."""
        return {name: int(self.query(f"SELECT count(*) AS n FROM {name}")[0]["n"]) for name in TABLES}

    def write_frames(self, frames: Mapping[str, pd.DataFrame], *, actor: str = "crystal-palace",
                     action: str = "write", target: str | None = None,
                     progress: Callable[[str, int], None] | None = None) -> WriteReport:
        """Insert new records, update changed ones, skip repeats: all tables in one transaction.

        ``frames`` maps table names (record tables or ``truth_*``) to DataFrames with the table's
        columns; tables are written parents first. An audit row records the counts. ``progress`` is
        called as ``progress(table, rows)`` after each table, inside the transaction.
        """
        report = WriteReport()
        order = [n for n in (*TABLES, *AUX_TABLES) if n in frames]
        unknown = set(frames) - set(order)
        if unknown:
            raise InvalidInput(f"no table {sorted(unknown)[0]!r} in the store", field="table")
        with self.transaction():
            for name in order:
                frame = frames[name]
                if frame.empty:
                    continue
                if name in TABLES:
                    frame = frame.drop_duplicates("id", keep="last")
                    self._upsert(name, frame, report)
                else:
                    self._insert_aux(name, frame, report)
                if progress is not None:
                    progress(name, len(frame))
            self.audit(actor, action, target, report.to_dict())
        return report

    def _upsert(self, name: str, frame: pd.DataFrame, report: WriteReport) -> None:
        table = TABLES[name]
        staged = self.stage(name, to_arrow(name, frame))
        same = self.query(f"SELECT count(*) AS n FROM {staged} s JOIN {name} t ON t.id = s.id "
                          "WHERE t.content_hash = s.content_hash")[0]["n"]
        changed_columns = [c for c in table.column_names if c not in ("id", "created_at")]
        assignments = ", ".join(f"{c} = s.{c}" for c in changed_columns)
        changed = self.execute(f"UPDATE {name} SET {assignments} FROM {staged} s "
                               f"WHERE {name}.id = s.id AND {name}.content_hash <> s.content_hash")
        columns = ", ".join(table.column_names)
        inserted = self.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged} s "
                                f"WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE t.id = s.id)")
        self.drop_stage(staged)
        report.inserted[name] = report.inserted.get(name, 0) + int(inserted)
        report.updated[name] = report.updated.get(name, 0) + int(changed)
        report.unchanged[name] = report.unchanged.get(name, 0) + int(same)

    def _insert_aux(self, name: str, frame: pd.DataFrame, report: WriteReport) -> None:
        aux = AUX_TABLES[name]
        if aux.primary_key:
            frame = frame.drop_duplicates(list(aux.primary_key), keep="last")
        staged = self.stage(name, to_arrow(name, frame))
        columns = ", ".join(aux.column_names)
        match = " AND ".join(f"t.{k} = s.{k}" for k in aux.primary_key) or "FALSE"
        inserted = self.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged} s "
                                f"WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE {match})")
        self.drop_stage(staged)
        report.inserted[name] = report.inserted.get(name, 0) + int(inserted)

    def read_table(self, name: str, *, where: str = "", params: Sequence[Any] = (), limit: int | None = None,
                   offset: int = 0, order_by: str = "id") -> pd.DataFrame:
        """Rows of one table (optionally filtered by an SQL ``where`` with ``?`` parameters)."""
        if name not in TABLES and name not in AUX_TABLES:
            raise InvalidInput(f"no table {name!r} in the store", field="table")
        sql = f"SELECT * FROM {name}"
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return from_store(name, self.query_frame(sql, params))

    def get_record(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """``(table, record)`` for an id, or None when no table holds it."""
        table = PREFIXES.get(record_id.split("-", 1)[0])
        candidates = [table] if table else list(TABLES)
        for name in candidates:
            rows = self.query(f"SELECT * FROM {name} WHERE id = ?", (record_id,))
            if rows:
                return name, rows[0]
        return None

    def profiles_matrix(self, target_set_id: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """Profile ids (with sample and target set) and their areas as one ``(n, peaks)`` float array."""
        sql = "SELECT id, sample_id, target_set_id, areas FROM profiles"
        params: tuple[Any, ...] = ()
        if target_set_id is not None:
            sql += " WHERE target_set_id = ?"
            params = (target_set_id,)
        frame = self.query_frame(sql + " ORDER BY id", params)
        areas = frame.pop("areas")
        if frame.empty:
            return frame, np.zeros((0, 0))
        return frame, np.array(areas.tolist(), dtype=np.float64)

    def audit(self, actor: str, action: str, target: str | None = None,
              details: Mapping[str, Any] | None = None) -> str:
        """Append one audit event (who, what, when, on what); return its id."""
        event = uuid.uuid4().hex
        self.execute("INSERT INTO audit (id, occurred_at, actor, action, target, details) VALUES (?, ?, ?, ?, ?, ?)",
                     (event, self.now(), actor, action, target,
                      json.dumps(dict(details or {}), ensure_ascii=False, default=str)))
        return event

    def register_reference(self, table: str, column: str) -> None:
        """Declare that ``table.column`` (another job's table) holds record ids: deletions reach it."""
        self.execute("INSERT INTO record_references (table_name, column_name) SELECT ?, ? WHERE NOT EXISTS "
                     "(SELECT 1 FROM record_references WHERE table_name = ? AND column_name = ?)",
                     (table, column, table, column))

    def delete_records(self, ids: Iterable[str], *, actor: str = "crystal-palace",
                       reason: str = "") -> dict[str, int]:
        """Remove records and everything that refers to them, in one transaction; return rows per table.

        Children go with their parents (a seizure's substances, samples, their profiles and tablets: every
        required reference), as do links with either end among the removed records, links derived from
        removed links, demo ground truth, and rows of tables registered with :meth:`register_reference`.
        An optional reference (a seizure's operation, a tablet's sample) is cleared instead, the record
        kept (counted as ``"<table>.<column> cleared"``). Afterwards no table holds a removed record or a
        link derived from it (what a retraction needs).
        """
        wanted = sorted({str(i) for i in ids})
        removed: dict[str, int] = {}
        if not wanted:
            return removed
        owned = [(c, col, p) for c, col, p in parent_references()
                 if p != "*" and TABLES[c].column(col).required]
        optional = [(c, col) for c, col, p in parent_references() if p != "*" and not TABLES[c].column(col).required]
        with self.transaction():
            extra = [(r["table_name"], r["column_name"]) for r in self.query(
                "SELECT table_name, column_name FROM record_references ORDER BY table_name, column_name")]
            doomed = self.stage("_doomed", pa.table({"id": pa.array(wanted, pa.string())}))
            frontier = len(wanted)
            while frontier:
                found = 0
                for child, column, _parent in owned:
                    found += self._mark(doomed, child, column)
                found += self._mark(doomed, "links", "from_id") + self._mark(doomed, "links", "to_id")
                frontier = found
            for name in TABLES:
                n = self.execute(f"DELETE FROM {name} WHERE id IN (SELECT id FROM {doomed})")
                if n:
                    removed[name] = n
            for name, column in (("truth_samples", "sample_id"), ("truth_actors", "actor_id"), *extra):
                n = self.execute(f"DELETE FROM {name} WHERE {column} IN (SELECT id FROM {doomed})")
                if n:
                    removed[name] = removed.get(name, 0) + n
            for name, column in optional:  # an optional reference is cleared, its record kept
                n = self.execute(f"UPDATE {name} SET {column} = NULL, content_hash = '', updated_at = ? "
                                 f"WHERE {column} IN (SELECT id FROM {doomed})", (self.now(),))
                if n:
                    removed[f"{name}.{column} cleared"] = n
            self.drop_stage(doomed)
            self.audit(actor, "delete", ",".join(wanted[:20]) + (" ..." if len(wanted) > 20 else ""),
                       {"ids": len(wanted), "removed": removed, "reason": reason})
        return removed

    def _mark(self, doomed: str, table: str, column: str) -> int:
        """Add to the doomed set the rows of ``table`` whose ``column`` is doomed; return how many were new."""
        return self.execute(f"INSERT INTO {doomed} (id) SELECT DISTINCT c.id FROM {table} c "
                            f"WHERE c.{column} IN (SELECT id FROM {doomed}) "
                            f"AND c.id NOT IN (SELECT id FROM {doomed})")


def parse_url(url: str | Path | None) -> tuple[str, str]:
    """``(dialect, location)`` for a store URL or path (None: the default DuckDB file)."""
    if url is None:
        from crystal_palace.paths import default_store_path

        return "duckdb", str(default_store_path())
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql", text
    if text.startswith("duckdb://"):
        rest = text[len("duckdb://"):]
        return "duckdb", rest[1:] if rest.startswith("/:memory:") else rest
    if "://" in text:
        raise InvalidInput(f"unknown store URL scheme in {text!r}: use duckdb:///path, a path or postgresql://...",
                           field="db")
    return "duckdb", text


def open_store(url: str | Path | None = None, *, init: bool = True, read_only: bool = False) -> Store:
    """Open (and by default create or upgrade) the store at ``url``; see the module docs for URLs."""
    dialect, location = parse_url(url)
    store: Store
    if dialect == "postgresql":
        from crystal_palace.store.postgres_store import PostgresStore

        store = PostgresStore(location)
    else:
        from crystal_palace.store.duckdb_store import DuckDBStore

        store = DuckDBStore(location, read_only=read_only)
    if init and not read_only:
        try:
            store.init()
        except BaseException:
            store.close()
            raise
    return store

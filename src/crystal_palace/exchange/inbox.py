"""Where received records, the links derived from them, and the exchange's audit trail are kept.

Three tables, created on first use in whatever database holds them (a DuckDB file of its own, or the
seizure-intelligence store, DuckDB or PostgreSQL, through its ``execute``/``query``/``transaction``):

``exchange_received``
    one row per received record: id, the package it came in (its provenance), sender, record type,
    handling code, received and expiry times, and the record itself as JSON.
``exchange_links``
    links derived from received records (a local record matched to a received one, by score and basis),
    and links derived from those (``derived_from``).
``exchange_audit``
    what was received, linked and retracted (the file log of :mod:`.audit` covers what was sent).

Applying a retraction deletes the records, every link with a retracted record at either end, and every
link derived from a deleted link, transitively, in one transaction.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.retract import Retraction
from crystal_palace.store.duckdb_store import DuckDBStore

TABLES = ("exchange_received", "exchange_links", "exchange_audit")
_DDL = (
    "CREATE TABLE IF NOT EXISTS exchange_received (record_id TEXT NOT NULL, package_id TEXT NOT NULL, "
    "local_id TEXT NOT NULL, sender TEXT NOT NULL, record_type TEXT, handling TEXT NOT NULL, "
    "received_at TIMESTAMP NOT NULL, "
    "expires TIMESTAMP, content TEXT NOT NULL, PRIMARY KEY (record_id, package_id))",
    "CREATE TABLE IF NOT EXISTS exchange_links (id TEXT PRIMARY KEY, from_id TEXT NOT NULL, to_id TEXT NOT NULL, "
    "score DOUBLE PRECISION, basis TEXT, derived_from TEXT, created_at TIMESTAMP NOT NULL)",
    "CREATE TABLE IF NOT EXISTS exchange_audit (id TEXT PRIMARY KEY, occurred_at TIMESTAMP NOT NULL, "
    "event TEXT NOT NULL, package_id TEXT, details TEXT)",
)


class Database(Protocol):
    """What the inbox needs of a database (the store's backends provide it; ``?`` placeholders)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts."""

    def transaction(self) -> Any:
        """A context manager: commit at the end, roll back on an exception."""


class DuckDBFile(DuckDBStore):
    """A DuckDB file of the exchange's own (used when no store is given).

    It is the store's DuckDB backend (one transaction discipline, one way to read rows) holding only the
    exchange's tables: the store schema is not created in it.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(str(path))


@dataclass
class ImportReport:
    """What an import did: records stored, repeats skipped (the same package twice adds nothing)."""

    package_id: str
    stored: int = 0
    repeated: int = 0
    record_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"package_id": self.package_id, "stored": self.stored, "repeated": self.repeated,
                "record_ids": self.record_ids}


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


def _naive(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text)
    return value.astimezone(datetime.UTC).replace(tzinfo=None) if value.tzinfo else value


class Inbox:
    """Received records and derived links in ``db``; see the module docstring."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.transaction():
            for statement in _DDL:
                db.execute(statement)

    def log(self, event: str, package_id: str | None, details: Mapping[str, Any]) -> None:
        """Add one row to ``exchange_audit``."""
        self.db.execute("INSERT INTO exchange_audit (id, occurred_at, event, package_id, details) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (uuid.uuid4().hex, _now(), event, package_id, json.dumps(dict(details), default=str)))

    def import_records(self, header: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> ImportReport:
        """Store the records of a ``records`` package with its provenance, all or nothing."""
        package_id = str(header["package_id"])
        report = ImportReport(package_id)
        problems = [n for n, r in enumerate(records, start=1) if not isinstance(r, Mapping) or not r.get("id")]
        if problems:
            raise InvalidInput(f"records {problems[:10]} have no 'id'", field="records", record=package_id)
        with self.db.transaction():
            for record in records:
                rid = str(record["id"])
                if self.db.query("SELECT 1 AS x FROM exchange_received WHERE record_id = ? AND package_id = ?",
                                 (rid, package_id)):
                    report.repeated += 1
                    continue
                self.db.execute(
                    "INSERT INTO exchange_received (record_id, package_id, local_id, sender, record_type, handling, "
                    "received_at, expires, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rid, package_id, rid, str(header["sender"]), record.get("type") or record.get("schema"),
                     str(record.get("handling") or header["handling"]), _now(), _naive(header.get("expires")),
                     json.dumps(dict(record), ensure_ascii=False, default=str)))
                report.stored += 1
                report.record_ids.append(rid)
            self.log("received", package_id, {"sender": header["sender"], "stored": report.stored,
                                              "repeated": report.repeated, "handling": header.get("handling")})
        return report

    def received(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Received records (all, or the copies of one id), with their provenance."""
        if record_id is None:
            return self.db.query("SELECT * FROM exchange_received ORDER BY received_at, record_id")
        return self.db.query("SELECT * FROM exchange_received WHERE record_id = ? ORDER BY received_at",
                             (record_id,))

    def add_link(self, from_id: str, to_id: str, *, score: float | None = None, basis: str = "",
                 derived_from: str | None = None) -> str:
        """Record a link (e.g. local record ``from_id`` is received record ``to_id``); return its id."""
        link = uuid.uuid4().hex
        self.db.execute("INSERT INTO exchange_links (id, from_id, to_id, score, basis, derived_from, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", (link, from_id, to_id, score, basis, derived_from, _now()))
        return link

    def retract(self, sender: str, retraction: Retraction, *, package_id: str | None = None) -> dict[str, int]:
        """Apply a retraction from ``sender``: remove the records and all links derived from them."""
        ids = list(retraction.record_ids)
        marks = ", ".join("?" for _ in ids)
        self._held(sender, retraction, package_id)
        removed: dict[str, int] = {}
        with self.db.transaction():
            doomed = self._derived_links(ids)
            if doomed:
                link_marks = ", ".join("?" for _ in doomed)
                self.db.execute(f"DELETE FROM exchange_links WHERE id IN ({link_marks})", doomed)
                removed["exchange_links"] = len(doomed)
            where, params = f"record_id IN ({marks})", list(ids)
            if retraction.packages:
                where += f" AND package_id IN ({', '.join('?' for _ in retraction.packages)})"
                params += list(retraction.packages)
            before = len(self.db.query(f"SELECT record_id FROM exchange_received WHERE {where}", params))
            self.db.execute(f"DELETE FROM exchange_received WHERE {where}", params)
            removed["exchange_received"] = before
            self.log("retracted", package_id, {"sender": sender, "records": len(ids), "removed": removed,
                                               "reason": retraction.reason})
        return removed

    def _held(self, sender: str, retraction: Retraction, package_id: str | None,
              columns: str = "record_id, package_id, sender") -> list[dict[str, Any]]:
        """The received rows a retraction names; only their sender may retract them (else InvalidInput)."""
        ids = list(retraction.record_ids)
        marks = ", ".join("?" for _ in ids)
        held = self.db.query(f"SELECT DISTINCT {columns} FROM exchange_received WHERE record_id IN ({marks})", ids)
        if retraction.packages:
            held = [h for h in held if h["package_id"] in retraction.packages]
        foreign = sorted({h["sender"] for h in held if h["sender"] != sender})
        if foreign:
            raise InvalidInput(f"{sender} cannot retract records that came from {', '.join(foreign)}",
                               field="sender", record=package_id)
        return held

    def _derived_links(self, ids: Sequence[str]) -> list[str]:
        """Links touching ``ids``, and links derived from those, transitively."""
        marks = ", ".join("?" for _ in ids)
        frontier = [r["id"] for r in self.db.query(
            f"SELECT id FROM exchange_links WHERE from_id IN ({marks}) OR to_id IN ({marks})", [*ids, *ids])]
        doomed = set(frontier)
        while frontier:
            link_marks = ", ".join("?" for _ in frontier)
            frontier = [r["id"] for r in self.db.query(
                f"SELECT id FROM exchange_links WHERE derived_from IN ({link_marks})", frontier)
                if r["id"] not in doomed]
            doomed.update(frontier)
        return sorted(doomed)

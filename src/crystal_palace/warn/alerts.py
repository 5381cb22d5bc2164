"""Alerts: what fired, with its figures and why, a stable key, and acknowledgement.

An alert's key is a hash of what the alert is *about* (its kind, substance, country and, for a rise,
the period), never of its figures or of when the engine ran. Running the engine again over the same
or more data therefore finds the same keys, and :class:`AlertTable` stores each key once: a focal point
is not told twice, and an acknowledgement sticks.

Alerts are kept in a table ``warn_alerts``: in the store (DuckDB or PostgreSQL) or in a DuckDB file of
their own.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb

from crystal_palace.exceptions import InvalidInput

AlertKind = Literal["new_substance", "spread", "rise", "analogue"]
ALERT_KINDS: tuple[str, ...] = ("new_substance", "spread", "rise", "analogue")
TABLE = "warn_alerts"


def alert_key(kind: str, *parts: str) -> str:
    """The stable key of an alert: a short hash of its kind and what it is about.

    >>> alert_key("spread", "ZMJIUWPWADQNLC-UHFFFAOYSA-N", "PL")
    'spread-05a3e67c97514bf4'
    """
    text = "\x1f".join((kind, *parts))
    return f"{kind}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


@dataclass
class Alert:
    """One alert: about what, where, when, the figures behind it, why it fired and the records behind it."""

    key: str
    kind: str
    subject: str
    """The InChIKey, or ``family:<name>`` for a rise of a whole family."""
    substance: str
    family: str
    country: str
    """A two-letter country code, or ``EU`` for an EU-wide alert."""
    period: str
    """The period it is about: ``2025-W14`` (ISO week) or ``2025-03`` (month)."""
    period_start: datetime.date
    event_date: datetime.date
    title: str
    why: str
    figures: dict[str, Any] = field(default_factory=dict)
    record_ids: list[str] = field(default_factory=list)
    fired_at: datetime.datetime | None = None
    acknowledged: bool = False
    acknowledged_at: datetime.datetime | None = None
    acknowledged_by: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready alert (dates as ISO text)."""
        out = asdict(self)
        for name in ("period_start", "event_date", "fired_at", "acknowledged_at"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        return out


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    substance VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    event_date DATE NOT NULL,
    title VARCHAR NOT NULL,
    why VARCHAR NOT NULL,
    figures VARCHAR NOT NULL,
    record_ids VARCHAR NOT NULL,
    fired_at TIMESTAMP NOT NULL,
    acknowledged BOOLEAN NOT NULL DEFAULT FALSE,
    acknowledged_at TIMESTAMP,
    acknowledged_by VARCHAR,
    note VARCHAR
)
"""
_FIELDS = ("key", "kind", "subject", "substance", "family", "country", "period", "period_start", "event_date",
           "title", "why", "figures", "record_ids", "fired_at", "acknowledged", "acknowledged_at",
           "acknowledged_by", "note")


class SqlStore(Protocol):
    """What :class:`AlertTable` needs of a store (:class:`crystal_palace.store.backend.Store` has it)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...  # noqa: D102

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...  # noqa: D102


class AlertTable:
    """The stored alerts: in a DuckDB file (a path), on an open DuckDB connection, or in a store.

    The SQL is plain (``?`` placeholders, no DuckDB-only functions), so that the same table lives in a
    PostgreSQL store too. A connection or store given by the caller stays open on :meth:`close`.

    >>> table = AlertTable(":memory:")
    >>> table.count()
    0
    """

    def __init__(self, database: str | Path | duckdb.DuckDBPyConnection | SqlStore, *,
                 on_close: Callable[[], None] | None = None) -> None:
        self._own = isinstance(database, str | Path)
        self._on_close = on_close
        self._store: SqlStore | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        if isinstance(database, duckdb.DuckDBPyConnection):
            self.con = database
        elif isinstance(database, str | Path):
            if str(database) != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(database))
        else:
            self._store = database
        self._run(_SCHEMA)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        if self._store is not None:
            self._store.execute(sql, params)
        else:
            assert self.con is not None
            self.con.execute(sql, list(params))

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._store is not None:
            return [tuple(row.values()) for row in self._store.query(sql, params)]
        assert self.con is not None
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        """Close the connection if this table opened it (and run ``on_close``: a store opened for it)."""
        if self._own and self.con is not None:
            self.con.close()
        if self._on_close is not None:
            self._on_close()

    def add(self, alerts: Sequence[Alert], *, now: datetime.datetime | None = None) -> list[Alert]:
        """Store alerts whose key is not stored yet; return those (the new ones), ``fired_at`` set."""
        if not alerts:
            return []
        stamp = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
        known = {alert.key for alert in self.list(keys=[a.key for a in alerts])}
        new: list[Alert] = []
        seen: set[str] = set()
        for alert in alerts:
            if alert.key in known or alert.key in seen:
                continue
            seen.add(alert.key)
            alert.fired_at = stamp
            new.append(alert)
        insert = f"INSERT INTO {TABLE} ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})"
        if self._store is not None and hasattr(self._store, "transaction"):
            with self._store.transaction():
                for alert in new:
                    self._run(insert, _row(alert))
        elif new:
            assert self.con is not None
            self.con.executemany(insert, [_row(a) for a in new])
        if new:
            self._audit("crystal-palace", "warn-alerts", ",".join(a.key for a in new[:20]),
                        {"alerts": len(new), "kinds": sorted({a.kind for a in new})})
        return new

    def list(self, *, kind: str | None = None, country: str | None = None, acknowledged: bool | None = None,
             since: datetime.date | None = None, until: datetime.date | None = None,
             key: str | None = None, keys: Sequence[str] | None = None) -> list[Alert]:
        """Stored alerts, newest period first, filtered by kind, country, acknowledgement, period and key."""
        if kind is not None and kind not in ALERT_KINDS:
            raise InvalidInput(f"unknown alert kind {kind!r}; use one of {', '.join(ALERT_KINDS)}", field="kind")
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("kind", kind), ("country", country.upper() if country else None),
                              ("acknowledged", acknowledged), ("key", key)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if keys is not None:
            if not keys:
                return []
            if len(keys) > 1000:  # placeholders per statement are limited: ask in slices
                return [a for i in range(0, len(keys), 1000) for a in self.list(
                    kind=kind, country=country, acknowledged=acknowledged, since=since, until=until, key=key,
                    keys=keys[i:i + 1000])]
            where.append(f"key IN ({', '.join('?' * len(keys))})")
            params.extend(keys)
        if since is not None:
            where.append("period_start >= ?")
            params.append(since)
        if until is not None:
            where.append("period_start <= ?")
            params.append(until)
        sql = f"SELECT {', '.join(_FIELDS)} FROM {TABLE}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY period_start DESC, kind, subject, country, key"
        return [_alert(row) for row in self._rows(sql, params)]

    def acknowledge(self, key: str, *, by: str | None = None, note: str | None = None,
                    now: datetime.datetime | None = None) -> Alert:
        """Mark an alert as acknowledged (again: the latest acknowledgement wins); raise if the key is unknown."""
        if not self.list(key=key):
            raise InvalidInput(f"no stored alert has the key {key!r}", field="key", record=key)
        stamp = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
        self._run(f"UPDATE {TABLE} SET acknowledged = TRUE, acknowledged_at = ?, acknowledged_by = ?, "
                  "note = ? WHERE key = ?", [stamp, by, note, key])
        self._audit(by or "crystal-palace", "warn-acknowledge", key, {"note": note})
        return self.list(key=key)[0]

    def _audit(self, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        """Record the change in the store's audit trail (a store has one; a DuckDB file of alerts does not)."""
        audit = getattr(self._store, "audit", None)
        if callable(audit):
            audit(actor, action, target, details)

    def count(self) -> int:
        """How many alerts are stored."""
        rows = self._rows(f"SELECT count(*) FROM {TABLE}")
        return int(rows[0][0]) if rows else 0


@contextmanager
def open_alert_table(database: str | Path | duckdb.DuckDBPyConnection) -> Iterator[AlertTable]:
    """An :class:`AlertTable` closed on exit (when it opened the database)."""
    table = AlertTable(database)
    try:
        yield table
    finally:
        table.close()


def _row(alert: Alert) -> list[Any]:
    return [alert.key, alert.kind, alert.subject, alert.substance, alert.family, alert.country, alert.period,
            alert.period_start, alert.event_date, alert.title, alert.why,
            json.dumps(alert.figures, sort_keys=True, default=str), json.dumps(alert.record_ids),
            alert.fired_at, alert.acknowledged, alert.acknowledged_at, alert.acknowledged_by, alert.note]


def _alert(row: tuple[Any, ...]) -> Alert:
    values = dict(zip(_FIELDS, row, strict=True))
    values["figures"] = json.loads(values["figures"])
    values["record_ids"] = json.loads(values["record_ids"])
    return Alert(**values)

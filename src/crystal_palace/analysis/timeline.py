"""The timeline: every dated event among the records, in time order.

Events are seizures (``seized_on``), samples taken (``taken_on``), production sites dismantled
(``dismantled_on``) and operations starting and ending. Events on one day are ordered by kind and id so
that the same records always give the same timeline. Records whose date is unknown are not placed on
the timeline but listed apart (``undated``), so nothing disappears from the analyst's view.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crystal_palace.exceptions import InvalidInput

Records = Mapping[str, Sequence[Mapping[str, Any]]]

EVENT_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("seizures", "seized_on", "seizure"),
    ("samples", "taken_on", "sample taken"),
    ("production_sites", "dismantled_on", "site dismantled"),
    ("operations", "started_on", "operation started"),
    ("operations", "ended_on", "operation ended"),
)
"""``(table, date column, event kind)`` for every kind of event."""

KIND_ORDER = {kind: n for n, (_, _, kind) in enumerate(EVENT_SOURCES)}


def as_date(value: Any, *, field: str, record: str) -> datetime.date | None:
    """A date from a date, a datetime or ISO text (None when empty); anything else is an error."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field, record=record) from None


def _substances(records: Records) -> dict[str, list[dict[str, Any]]]:
    by_seizure: dict[str, list[dict[str, Any]]] = {}
    for row in records.get("seizure_substances", ()):
        by_seizure.setdefault(str(row.get("seizure_id")), []).append(
            {"substance": row.get("substance") or row.get("inchikey"), "quantity": row.get("quantity"),
             "unit": row.get("unit")})
    return by_seizure


def _describe(kind: str, record: Mapping[str, Any], substances: list[dict[str, Any]]) -> str:
    if kind == "seizure":
        what = ", ".join(f"{s['quantity']:g} {s['unit']} {s['substance']}" if isinstance(s["quantity"], int | float)
                         else str(s["substance"]) for s in substances)
        return f"{record.get('place') or 'seizure'}{': ' + what if what else ''}"
    if kind == "site dismantled":
        return f"{record.get('site_type') or 'production'} site, {record.get('place') or 'place unknown'}"
    if kind.startswith("operation"):
        return str(record.get("name") or record.get("id"))
    return str(record.get("ref") or record.get("id"))


def timeline(records: Records, *, ids: Collection[str] | None = None, start: datetime.date | str | None = None,
             end: datetime.date | str | None = None) -> dict[str, Any]:
    """The events in time order, optionally only for some record ids and between two dates (inclusive).

    Returns ``{"events": [...], "undated": [...]}``; each event has ``date``, ``kind``, ``id``, ``country``
    and a one-line ``description``.
    """
    first = as_date(start, field="start", record="timeline") if start is not None else None
    last = as_date(end, field="end", record="timeline") if end is not None else None
    wanted = set(ids) if ids is not None else None
    substances = _substances(records)
    events: list[dict[str, Any]] = []
    undated: list[dict[str, Any]] = []
    for table, column, kind in EVENT_SOURCES:
        for record in records.get(table, ()):
            record_id = str(record.get("id"))
            if wanted is not None and record_id not in wanted:
                continue
            day = as_date(record.get(column), field=column, record=record_id)
            if day is None:
                if kind in ("seizure", "site dismantled", "sample taken"):
                    undated.append({"kind": kind, "id": record_id, "country": record.get("country")})
                continue
            if (first and day < first) or (last and day > last):
                continue
            events.append({"date": day.isoformat(), "kind": kind, "id": record_id, "country": record.get("country"),
                           "description": _describe(kind, record, substances.get(record_id, []))})
    events.sort(key=lambda e: (e["date"], KIND_ORDER[e["kind"]], e["id"]))
    return {"events": events, "undated": undated}

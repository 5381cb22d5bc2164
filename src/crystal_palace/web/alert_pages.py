"""The alerts page: the early-warning job's alerts (new substances, spread, rises, analogues), newest first.

It reads what :func:`crystal_palace.workflows.warn.list_alerts` returns for the server's store, the
same alerts ``/v1/warn/alerts`` gives: ``CRYSTAL_PALACE_WARN_DB`` or the server's ``--db`` store, or
``CRYSTAL_PALACE_WARN_ALERTS_DB``. Analysts and admins acknowledge an alert in place (an htmx post
that carries the CSRF token and replaces the row); the acknowledgement names the user.

Scoping: an alert is a signal about a substance in a country (its figures count every detection), so
every reader sees it; the records behind it (``record_ids``) are cut to those the user may see
(:func:`scoped_alerts`), and the page links only those.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from crystal_palace.store.model import TABLES
from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.pages import page_roles, render
from crystal_palace.web.security import web_context

KINDS = ("new_substance", "spread", "rise", "analogue")
router = APIRouter(include_in_schema=False)
AlertReader = page_roles("admin", "analyst", "viewer")
AlertWriter = page_roles("admin", "analyst")


def alert_sources(db: str | None) -> dict[str, Any] | None:
    """Where the alerts are (``db``/``alerts_db`` for the warn workflow), or None when there is no store yet."""
    alerts_db = os.environ.get("CRYSTAL_PALACE_WARN_ALERTS_DB") or None
    store = os.environ.get("CRYSTAL_PALACE_WARN_DB") or db
    if alerts_db is None and store is not None and not store.startswith(("postgresql://", "postgres://")):
        if not Path(store.removeprefix("duckdb://")).is_file():
            return None
    return {"db": store, "alerts_db": alerts_db}


STORE_ID = re.compile(r"\b(?:" + "|".join(t.prefix for t in TABLES.values()) + r")-[0-9a-f]{16}\b")
"""A store id (``ss-cd7450d60d999608``) as an alert's text may quote it."""
WITHHELD = "withheld"


def _named(alert: dict[str, Any]) -> list[str]:
    text = f"{alert.get('title') or ''} {alert.get('why') or ''}"
    return [*(str(r) for r in alert.get("record_ids") or ()), *STORE_ID.findall(text)]


def _redact(text: str | None, hidden: set[str]) -> str | None:
    if not text or not hidden:
        return text
    for rid in sorted(hidden, key=len, reverse=True):
        text = text.replace(rid, WITHHELD)
    return re.sub(rf"{WITHHELD}(?:, {WITHHELD})+", WITHHELD, text)


def scoped_alerts(alerts: list[dict[str, Any]], user: User, db: str | None) -> list[dict[str, Any]]:
    """The alerts with the records behind them cut to those of the store ``db`` that ``user`` may see.

    ``record_ids`` keeps the visible ones; an id he may not see is also replaced by "withheld" where
    the alert's ``title`` or ``why`` quotes it. With no store (``db`` None: the alerts came from a
    detections file) a user who is not an admin sees no record id: a detections file carries no
    handling codes to judge them by.
    """
    from crystal_palace.web.records import visible_record_ids

    if user.role == "admin":
        return alerts
    named = [rid for a in alerts for rid in _named(a)]
    shown = visible_record_ids(db, user, named) if db is not None and named else set()
    scoped = []
    for alert in alerts:
        hidden = {r for r in _named(alert) if r not in shown}
        scoped.append({**alert, "record_ids": [r for r in alert.get("record_ids") or () if r in shown],
                       "title": _redact(alert.get("title"), hidden), "why": _redact(alert.get("why"), hidden)})
    return scoped


def _with_links(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tables = {t.prefix: t.name for t in TABLES.values()}
    return [{**a, "records": [(tables.get(r.split("-", 1)[0], "seizure_substances"), r)
                              for r in a.get("record_ids") or ()]} for a in alerts]


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, kind: str | None = Query(None, pattern="^(" + "|".join(KINDS) + ")$"),
                      user: User = AlertReader) -> HTMLResponse:
    """The alerts, newest first, optionally of one kind."""
    from crystal_palace.exceptions import CrystalPalaceError
    from crystal_palace.workflows.warn import list_alerts

    sources = alert_sources(web_context(request).settings.db)
    alerts: list[dict[str, Any]] = []
    problem = ""
    if sources is None:
        problem = "This server has no store yet, so no alerts."
    else:
        try:
            found = await run_in_threadpool(lambda: list_alerts(kind=kind, **sources))
            alerts = _with_links(await run_in_threadpool(scoped_alerts, found, user, sources["db"]))
        except CrystalPalaceError as exc:
            problem = str(getattr(exc, "reason", exc))
    audit_records(request, [str(a["key"]) for a in alerts] + [r for a in alerts for r in a["record_ids"]])
    return render(request, "alerts.html", alerts=alerts, kinds=KINDS, kind=kind or "", problem=problem,
                  can_ack=user.role in ("admin", "analyst"))


@router.post("/alerts/{key}/ack", response_class=HTMLResponse)
async def acknowledge(request: Request, key: str, user: User = AlertWriter) -> HTMLResponse:
    """Acknowledge one alert as the logged-in user; answers the alert's updated row."""
    from crystal_palace.exceptions import CrystalPalaceError
    from crystal_palace.workflows.warn import acknowledge_alert

    audit_records(request, [key])
    sources = alert_sources(web_context(request).settings.db) or {"db": None, "alerts_db": None}
    form = await request.form()
    note = str(form.get("note") or "")[:2000] or None
    try:
        alert = await run_in_threadpool(lambda: acknowledge_alert(key, by=user.username, note=note, **sources))
        alert = _with_links(await run_in_threadpool(scoped_alerts, [alert], user, sources["db"]))[0]
    except CrystalPalaceError as exc:
        return render(request, "message.html", status=404, heading="No such alert",
                      message=str(getattr(exc, "reason", exc)))
    return render(request, "_alert_row.html", a=alert, can_ack=True)

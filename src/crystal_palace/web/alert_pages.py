"""The alerts page: the early-warning job's alerts (new substances, spread, rises, analogues), newest first.

It reads what :func:`crystal_palace.workflows.warn.list_alerts` returns for the server's store, the
same alerts ``/v1/warn/alerts`` gives: ``CRYSTAL_PALACE_WARN_DB`` or the server's ``--db`` store, or
``CRYSTAL_PALACE_WARN_ALERTS_DB``. Analysts and admins acknowledge an alert in place (an htmx post
that carries the CSRF token and replaces the row); the acknowledgement names the user.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

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
            alerts = await run_in_threadpool(lambda: list_alerts(kind=kind, **sources))
        except CrystalPalaceError as exc:
            problem = str(getattr(exc, "reason", exc))
    audit_records(request, [str(a["key"]) for a in alerts])
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
    except CrystalPalaceError as exc:
        return render(request, "message.html", status=404, heading="No such alert",
                      message=str(getattr(exc, "reason", exc)))
    return render(request, "_alert_row.html", a=alert, can_ack=True)

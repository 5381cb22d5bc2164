"""``/v1/warn``: run the early-warning engine, list and acknowledge alerts, get the report and the JSON feed.

The server decides where the data is, never the client: detections come from the store named by
``CRYSTAL_PALACE_WARN_DB`` or, without one, from the detections file named by
``CRYSTAL_PALACE_WARN_DETECTIONS``; alerts are kept in the store, or in ``CRYSTAL_PALACE_WARN_ALERTS_DB``
(default: ``warn.duckdb`` in the data folder). Errors have the API's one shape.

Scoping (:mod:`crystal_palace.web.scoping`): an alert is a signal about a substance in a country, figures
counted over every detection, and every reader of alerts sees it; but its ``record_ids`` (the records
behind it) are cut to the records of the store the caller may see (none from a detections file, which
carries no handling codes). The report (HTML, PDF, JSON Feed) of a user who is not an admin is computed
over the detections he may see, so its per-record notifications name only his records.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.web.accounts import User
from crystal_palace.web.alert_pages import scoped_alerts
from crystal_palace.web.audit import audit_records
from crystal_palace.web.security import CurrentUser

router = APIRouter(prefix="/v1/warn", tags=["warn"])
DB_VARIABLE = "CRYSTAL_PALACE_WARN_DB"
DETECTIONS_VARIABLE = "CRYSTAL_PALACE_WARN_DETECTIONS"
ALERTS_VARIABLE = "CRYSTAL_PALACE_WARN_ALERTS_DB"

Period = Literal["week", "month"]
Kind = Literal["new_substance", "spread", "rise", "analogue"]


def _sources() -> dict[str, Any]:
    db = os.environ.get(DB_VARIABLE) or None
    detections = os.environ.get(DETECTIONS_VARIABLE) or None
    alerts_db = os.environ.get(ALERTS_VARIABLE) or None
    return {"db": db, "detections": None if db else detections, "alerts_db": alerts_db}


def _require_data(sources: dict[str, Any]) -> None:
    if sources["db"] is None and sources["detections"] is None:
        raise HTTPException(503, f"the server has no detections: set {DB_VARIABLE} (a store) or "
                                 f"{DETECTIONS_VARIABLE} (a detections file)")


def _audited(request: Request, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    audit_records(request, [str(a["key"]) for a in alerts] + [r for a in alerts for r in a.get("record_ids") or ()])
    return alerts


class RunRequest(BaseModel):
    """Which periods to look at and how."""

    period: Period = "week"
    since: datetime.date | None = Field(None, description="First day (default: the latest period in the data).")
    until: datetime.date | None = None
    alpha: float = Field(0.01, gt=0, le=0.2, description="False-alarm rate of a rise test.")
    analogues: bool = True


class AckRequest(BaseModel):
    """Who acknowledges, and a note."""

    by: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=2000)


@router.post("/run", responses=ERROR_RESPONSES, summary="Run the engine; store and return the new alerts")
def run(http: Request, user: CurrentUser, request: RunRequest) -> dict[str, Any]:
    """Look for new substances, spread, rises and analogues; alerts seen before are not returned again."""
    from crystal_palace import warn_run

    sources = _sources()
    _require_data(sources)
    result = warn_run(sources["detections"], db=sources["db"], alerts_db=sources["alerts_db"], period=request.period,
                      since=request.since, until=request.until, alpha=request.alpha,
                      analogues=request.analogues).to_dict()
    result["alerts"] = _audited(http, scoped_alerts(result["alerts"], user, sources["db"]))
    return result


@router.get("/alerts", responses=ERROR_RESPONSES, summary="Stored alerts, newest first")
def alerts(request: Request, user: CurrentUser, kind: Kind | None = None,
           country: str | None = Query(None, min_length=2, max_length=2), acknowledged: bool | None = None,
           since: datetime.date | None = None, until: datetime.date | None = None) -> list[dict[str, Any]]:
    """Each alert with its figures, why it fired and the records behind it that the user may see (``record_ids``)."""
    from crystal_palace import list_alerts

    sources = _sources()
    found = list_alerts(db=sources["db"], alerts_db=sources["alerts_db"], kind=kind, country=country,
                        acknowledged=acknowledged, since=since, until=until)
    return _audited(request, scoped_alerts(found, user, sources["db"]))


@router.post("/alerts/{key}/ack", responses=ERROR_RESPONSES, summary="Acknowledge an alert")
def ack(http: Request, user: CurrentUser, key: str, request: AckRequest | None = None) -> dict[str, Any]:
    """Mark the alert as acknowledged; 404 when no alert has that key."""
    from crystal_palace import acknowledge_alert
    from crystal_palace.exceptions import InvalidInput

    sources = _sources()
    body = request or AckRequest(by=None, note=None)
    try:
        alert = acknowledge_alert(key, by=body.by, note=body.note, db=sources["db"], alerts_db=sources["alerts_db"])
    except InvalidInput as exc:
        raise HTTPException(404, str(exc.reason)) from None
    return _audited(http, scoped_alerts([alert], user, sources["db"]))[0]


@router.get("/report", responses={**ERROR_RESPONSES, 200: {"content": {"text/html": {}, "application/pdf": {},
                                                                       "application/feed+json": {}}}},
            summary="The weekly or monthly report (HTML, PDF or JSON Feed)")
def report(user: CurrentUser, period: Period = "week", at: datetime.date | None = None,
           format: Literal["html", "pdf", "json"] = "html") -> Response:
    """The report of the period holding ``at`` (default: the latest), with charts and formal notifications.

    For a user who is not an admin it is computed over the detections he may see (404 when there is none).
    """
    from crystal_palace import warn_report

    sources = _sources()
    _require_data(sources)
    if user.role == "admin":
        result = warn_report(sources["detections"], db=sources["db"], alerts_db=sources["alerts_db"], period=period,
                             at=at, format=format)
    else:
        result = scoped_report(user, sources, period=period, at=at, format=format)
    if isinstance(result.content, dict):
        return JSONResponse(result.content, media_type=result.media_type)
    headers = {"Content-Disposition": f'inline; filename="warn-{result.label}.pdf"'} if format == "pdf" else None
    return Response(result.content, media_type=result.media_type, headers=headers)


@router.get("/feed.json", responses=ERROR_RESPONSES, summary="The period's alerts as a JSON Feed")
def feed(user: CurrentUser, period: Period = "week", at: datetime.date | None = None) -> Response:
    """JSON Feed 1.1 of the alerts of the period holding ``at`` (default: the latest)."""
    return report(user, period=period, at=at, format="json")


def visible_detections(user: User, sources: dict[str, Any]) -> Any:
    """The detections table cut to the records ``user`` may see (none from a detections file)."""
    from crystal_palace.web.records import visible_record_ids
    from crystal_palace.workflows.warn import load_detections

    table = load_detections(sources["detections"], db=sources["db"])
    shown = visible_record_ids(sources["db"], user, table["record_id"]) if sources["db"] is not None else set()
    return table[table["record_id"].isin(shown)].reset_index(drop=True)


def scoped_report(user: User, sources: dict[str, Any], **options: Any) -> Any:
    """:func:`crystal_palace.warn_report` over the detections ``user`` may see.

    Its alerts are found afresh over those detections. The alerts table it consults is a throw-away one
    (the report must not write to the server's), so it shows no acknowledgement.
    """
    import tempfile
    from pathlib import Path

    from crystal_palace import warn_report

    table = visible_detections(user, sources)
    if table.empty:
        raise HTTPException(404, "no detection that you may see, so no report")
    with tempfile.TemporaryDirectory(prefix="cp-warn-report-") as folder:
        return warn_report(table, alerts_db=Path(folder) / "alerts.duckdb", **options)

"""``/v1/warn``: run the early-warning engine, list and acknowledge alerts, get the report and the JSON feed.

The server decides where the data is, never the client: detections come from the store named by
``CRYSTAL_PALACE_WARN_DB`` or, without one, from the detections file named by
``CRYSTAL_PALACE_WARN_DETECTIONS``; alerts are kept in the store, or in ``CRYSTAL_PALACE_WARN_ALERTS_DB``
(default: ``warn.duckdb`` in the data folder). Errors have the API's one shape.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES

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
def run(request: RunRequest) -> dict[str, Any]:
    """Look for new substances, spread, rises and analogues; alerts seen before are not returned again."""
    from crystal_palace import warn_run

    sources = _sources()
    _require_data(sources)
    return warn_run(sources["detections"], db=sources["db"], alerts_db=sources["alerts_db"], period=request.period,
                    since=request.since, until=request.until, alpha=request.alpha,
                    analogues=request.analogues).to_dict()


@router.get("/alerts", responses=ERROR_RESPONSES, summary="Stored alerts, newest first")
def alerts(kind: Kind | None = None, country: str | None = Query(None, min_length=2, max_length=2),
           acknowledged: bool | None = None, since: datetime.date | None = None,
           until: datetime.date | None = None) -> list[dict[str, Any]]:
    """Each alert with its figures, why it fired and the records behind it (``record_ids``)."""
    from crystal_palace import list_alerts

    sources = _sources()
    return list_alerts(db=sources["db"], alerts_db=sources["alerts_db"], kind=kind, country=country,
                       acknowledged=acknowledged, since=since, until=until)


@router.post("/alerts/{key}/ack", responses=ERROR_RESPONSES, summary="Acknowledge an alert")
def ack(key: str, request: AckRequest | None = None) -> dict[str, Any]:
    """Mark the alert as acknowledged; 404 when no alert has that key."""
    from crystal_palace import acknowledge_alert
    from crystal_palace.exceptions import InvalidInput

    sources = _sources()
    body = request or AckRequest(by=None, note=None)
    try:
        return acknowledge_alert(key, by=body.by, note=body.note, db=sources["db"], alerts_db=sources["alerts_db"])
    except InvalidInput as exc:
        raise HTTPException(404, str(exc.reason)) from None


@router.get("/report", responses={**ERROR_RESPONSES, 200: {"content": {"text/html": {}, "application/pdf": {},
                                                                       "application/feed+json": {}}}},
            summary="The weekly or monthly report (HTML, PDF or JSON Feed)")
def report(period: Period = "week", at: datetime.date | None = None,
           format: Literal["html", "pdf", "json"] = "html") -> Response:
    """The report of the period holding ``at`` (default: the latest), with charts and formal notifications."""
    from crystal_palace import warn_report

    sources = _sources()
    _require_data(sources)
    result = warn_report(sources["detections"], db=sources["db"], alerts_db=sources["alerts_db"], period=period,
                         at=at, format=format)
    if isinstance(result.content, dict):
        return JSONResponse(result.content, media_type=result.media_type)
    headers = {"Content-Disposition": f'inline; filename="warn-{result.label}.pdf"'} if format == "pdf" else None
    return Response(result.content, media_type=result.media_type, headers=headers)


@router.get("/feed.json", responses=ERROR_RESPONSES, summary="The period's alerts as a JSON Feed")
def feed(period: Period = "week", at: datetime.date | None = None) -> Response:
    """JSON Feed 1.1 of the alerts of the period holding ``at`` (default: the latest)."""
    return report(period=period, at=at, format="json")

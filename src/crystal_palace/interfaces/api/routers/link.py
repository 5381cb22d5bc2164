"""``/v1/link``: profile and tablet linkage, and the analyses of a network of records.

``POST /v1/link/profiles``, ``POST /v1/link/profiles/compare``, ``POST /v1/link/tablets`` take the rows
in the body (like the CLI's CSV files) and call :func:`crystal_palace.link_profiles`,
:func:`crystal_palace.compare_profile_methods` and :func:`crystal_palace.link_tablets`.
``POST /v1/link/network``, ``/path``, ``/timeline``, ``/geojson`` and ``/operation-report`` take records
per store table in the body and call the analysis workflows; the same analyses of the server's own store
(named by ``CRYSTAL_PALACE_DB``; 503 without one) are ``GET /v1/link/store/network``, ``.../path``,
``.../timeline``, ``.../geojson`` and ``.../operation-report/{operation}``: they are computed only over
the records the caller may see (:func:`crystal_palace.web.scoping.scope_records`), so a node, an event,
a map feature or a report figure never comes from a record he may not see. The ``POST`` analyses work on
the records in the body, never on the store. A bad row is a 422 in the API's one error
shape, naming the record and field. The actor resolution job adds its endpoints through a module
``routers/link_actors.py`` defining ``router``, included here when present.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.security import CurrentUser

router = APIRouter(prefix="/v1/link", tags=["link"])

MAX_ROWS = 20_000
"""Most rows a request may link (all pairs are compared: 20,000 rows are 200 million pairs)."""

Row = dict[str, Any]


class Calibrating(BaseModel):
    """Known groups to calibrate on, or a saved calibration, and how to choose the threshold."""

    reference: list[Row] | None = Field(None, description="Rows with a sample id and the `group` column.")
    rule: Literal["group", "sized", "attributes", "strict"] = "group"
    group: str = "group"
    same: list[str] = Field(default_factory=list, description="Columns linked pairs share (attributes, strict).")
    calibration: dict[str, Any] | None = Field(None, description="A calibration saved earlier (its JSON).")
    threshold: float | None = None
    max_fpr: float | None = Field(None, ge=0, le=1)
    criterion: Literal["youden", "f1"] = "youden"
    limit: int = Field(10_000, ge=1, le=1_000_000)


class ProfilesRequest(Calibrating):
    """Profiles as rows: a sample id column and one column per target peak."""

    profiles: list[Row] = Field(..., min_length=2, max_length=MAX_ROWS)
    id_column: str | None = None
    peaks: list[str] | None = None
    missing: Literal["error", "zero"] = "error"
    normalisation: Literal["sum", "max", "none"] = "sum"
    pretreatment: str = "fourth_root"
    metric: str = "pearson"


class CompareRequest(BaseModel):
    """Profiles and the reference that scores every method combination."""

    profiles: list[Row] = Field(..., min_length=2, max_length=MAX_ROWS)
    reference: list[Row] = Field(..., min_length=2)
    id_column: str | None = None
    peaks: list[str] | None = None
    missing: Literal["error", "zero"] = "error"
    rule: Literal["group", "sized", "attributes", "strict"] = "group"
    group: str = "group"
    same: list[str] = Field(default_factory=list)


class TabletsRequest(Calibrating):
    """Tablets as rows: an id and any of logo, colour, shape, score_line, diameter_mm, thickness_mm, weight_mg."""

    tablets: list[Row] = Field(..., min_length=2, max_length=MAX_ROWS)
    id_column: str | None = None


class RecordsRequest(BaseModel):
    """Records per store table (``seizures``, ``samples``, ``links``...) and links to add."""

    records: dict[str, list[Row]]
    links: list[Row] = Field(default_factory=list)
    strict: bool = True


class NetworkRequest(RecordsRequest):
    """What to compute on the network."""

    top: int = Field(20, ge=1, le=10_000)
    seed: int = 0
    resolution: float = Field(1.0, gt=0)
    include_graph: bool = Field(False, description="Add the whole network as node-link JSON.")


class PathRequest(RecordsRequest):
    """The two records to connect."""

    source: str
    target: str


class TimelineRequest(BaseModel):
    """Records per table, and which of them to place on the timeline."""

    records: dict[str, list[Row]]
    ids: list[str] | None = None
    start: str | None = None
    end: str | None = None


class OperationRequest(BaseModel):
    """Records per table and the operation (id or name) to report."""

    records: dict[str, list[Row]]
    operation: str


def _calibration_options(request: Calibrating) -> dict[str, Any]:
    return {"reference": pd.DataFrame(request.reference) if request.reference is not None else None,
            "rule": request.rule, "group": request.group, "same": request.same, "calibration": request.calibration,
            "threshold": request.threshold, "max_fpr": request.max_fpr, "criterion": request.criterion,
            "limit": request.limit}


@router.post("/profiles", responses=ERROR_RESPONSES, summary="Link samples by chemical profile")
def profiles(request: ProfilesRequest) -> dict[str, Any]:
    """Pairs of samples whose profiles are close, with distance, likelihood ratio and verbal support."""
    from crystal_palace import link_profiles

    result = link_profiles(pd.DataFrame(request.profiles), id_column=request.id_column, peaks=request.peaks,
                           missing=request.missing, normalisation=request.normalisation,
                           pretreatment=request.pretreatment, metric=request.metric, **_calibration_options(request))
    return {**result.to_dict(), "links": result.to_links()}


@router.post("/profiles/compare", responses=ERROR_RESPONSES, summary="Score every profile method by ROC AUC")
def compare(request: CompareRequest) -> dict[str, Any]:
    """ROC AUC of every normalisation, pretreatment and metric on the reference's pairs, best first."""
    from crystal_palace import compare_profile_methods

    return compare_profile_methods(pd.DataFrame(request.profiles), pd.DataFrame(request.reference),
                                   id_column=request.id_column, peaks=request.peaks, missing=request.missing,
                                   rule=request.rule, group=request.group, same=request.same).to_dict()


@router.post("/tablets", responses=ERROR_RESPONSES, summary="Link tablets by logo and physical features")
def tablets(request: TabletsRequest) -> dict[str, Any]:
    """Pairs of tablets that may come from one press, with each feature's evidence."""
    from crystal_palace import link_tablets

    result = link_tablets(pd.DataFrame(request.tablets), id_column=request.id_column, **_calibration_options(request))
    return {**result.to_dict(), "links": result.to_links()}


@router.post("/network", responses=ERROR_RESPONSES, summary="Summary, centrality and communities of a network")
def network(request: NetworkRequest) -> dict[str, Any]:
    """The network of the records: counts, the most central records, Louvain communities."""
    from crystal_palace import build_network

    built = build_network(request.records, links=request.links, strict=request.strict)
    answer = {"summary": built.summary(), "centrality": built.centrality(top=request.top),
              "communities": built.communities(seed=request.seed, resolution=request.resolution)}
    if request.include_graph:
        answer["graph"] = built.to_dict()
    return answer


@router.post("/path", responses=ERROR_RESPONSES, summary="Shortest path between two records, with evidence")
def path(request: PathRequest) -> dict[str, Any]:
    """Each step of the shortest path with the links (type, method, score, explanation) behind it."""
    from crystal_palace import build_network

    return build_network(request.records, links=request.links, strict=request.strict).path(request.source,
                                                                                            request.target)


@router.post("/timeline", responses=ERROR_RESPONSES, summary="Dated events in time order")
def timeline(request: TimelineRequest) -> dict[str, Any]:
    """Seizures, samples, sites dismantled and operations in time order; undated records apart."""
    from crystal_palace import seizure_timeline

    return seizure_timeline(request.records, ids=request.ids, start=request.start, end=request.end)


@router.post("/geojson", responses=ERROR_RESPONSES, summary="Seizures and sites as GeoJSON")
def geojson(request: TimelineRequest) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; records without coordinates are listed in ``without_coordinates``."""
    from crystal_palace import seizure_map

    return seizure_map(request.records, ids=request.ids)


@router.post("/operation-report", responses=ERROR_RESPONSES, summary="A joint operation's results by country")
def operation_report(request: OperationRequest, format: Literal["json", "html"] = "json") -> Any:
    """Seizures, quantities per substance, arrests and sites dismantled, by country (JSON or an HTML page)."""
    from crystal_palace import operation_report as report

    result = report(request.records, request.operation)
    return HTMLResponse(result.to_html()) if format == "html" else result.to_dict()


DB_VARIABLE = "CRYSTAL_PALACE_DB"


def _server_records(user: User) -> Any:
    """The records of the server's store that ``user`` may see (the server decides where its data is).

    Every analysis of the store is computed over these only (:func:`crystal_palace.web.scoping.scope_records`):
    a record the user may not see is not a node, an event, a feature or a figure, and a link to it is dropped.
    """
    from crystal_palace.web.scoping import scope_records
    from crystal_palace.workflows.analysis import load_records

    url = os.environ.get(DB_VARIABLE)
    if not url:
        raise HTTPException(503, f"the server has no store: set {DB_VARIABLE}")
    return scope_records(user, load_records(url))


@router.get("/store/network", responses=ERROR_RESPONSES, summary="The server store's network")
def store_network(request: Request, user: CurrentUser, top: int = 20, seed: int = 0,
                  resolution: float = 1.0) -> dict[str, Any]:
    """Summary, the most central records and the Louvain communities of the records the user may see."""
    from crystal_palace import build_network

    built = build_network(_server_records(user), strict=False)
    central = built.centrality(top=top)
    audit_records(request, [str(c.get("id")) for c in central])
    return {"summary": built.summary(), "centrality": central,
            "communities": built.communities(seed=seed, resolution=resolution)}


@router.get("/store/path", responses=ERROR_RESPONSES, summary="Shortest path in the server store's network")
def store_path(request: Request, user: CurrentUser, source: str, target: str) -> dict[str, Any]:
    """Each step of the shortest path between two stored records the user may see, with its evidence.

    A record he may not see is unknown (422), like one that does not exist; the path goes only through
    records he may see.
    """
    from crystal_palace import build_network

    audit_records(request, [source, target])
    return build_network(_server_records(user), strict=False).path(source, target)


@router.get("/store/timeline", responses=ERROR_RESPONSES, summary="The server store's timeline")
def store_timeline(request: Request, user: CurrentUser, start: str | None = None,
                   end: str | None = None) -> dict[str, Any]:
    """Dated events of the records the user may see, in time order."""
    from crystal_palace import seizure_timeline

    result = seizure_timeline(_server_records(user), start=start, end=end)
    audit_records(request, [str(e.get("id")) for e in result.get("events", [])])
    return result


@router.get("/store/geojson", responses=ERROR_RESPONSES, summary="The server store's seizures and sites as GeoJSON")
def store_geojson(request: Request, user: CurrentUser) -> dict[str, Any]:
    """The seizures and production sites the user may see, as a FeatureCollection."""
    from crystal_palace import seizure_map

    result = seizure_map(_server_records(user))
    audit_records(request, [str(f["id"]) for f in result["features"]])
    return result


@router.get("/store/operation-report/{operation}", responses=ERROR_RESPONSES,
            summary="A stored joint operation's results by country")
def store_operation_report(request: Request, user: CurrentUser, operation: str,
                           format: Literal["json", "html"] = "json") -> Any:
    """The report of an operation the user may see, counted over the records he may see (JSON or HTML).

    An operation he may not see is unknown (422), like one that does not exist.
    """
    from crystal_palace import operation_report as report

    audit_records(request, [operation])
    result = report(_server_records(user), operation)
    return HTMLResponse(result.to_html()) if format == "html" else result.to_dict()


def _include_actor_routes() -> None:
    """Let the actor resolution job add its endpoints (its module may not be installed)."""
    module_name = "crystal_palace.interfaces.api.routers.link_actors"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return
        raise
    router.include_router(module.router)


_include_actor_routes()

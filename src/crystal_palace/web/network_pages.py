"""The analysis pages: the network (drawn with Cytoscape.js) and the joint operations' reports.

Only records the user may see are loaded (:func:`crystal_palace.web.scoping.visible` on every record,
links included), then :func:`crystal_palace.build_network` joins them; a link to a record the user
may not see is dropped, never shown as a dangling edge. The page lists the records that tie the
network together (betweenness) server-side, and ``/network.json`` feeds the drawing, which
``static/network.js`` (a file, not inline script) builds with the vendored Cytoscape.js.

``/timeline`` lists the dated events of the records the user may see (seizures, samples, sites
dismantled, operations), month by month, with a bar per month (a ``<progress>`` element: no
script, no inline style). ``/reports`` lists the joint operations the user may see and
``/reports/<id>`` gives one operation's results by country (:func:`crystal_palace.operation_report`),
counted over the records he may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.pages import PageRecordReader, render
from crystal_palace.web.scoping import scope_records
from crystal_palace.web.security import web_context

MAX_NODES = 1500
"""Drawn at most (the largest connected parts first); the summary always counts the whole network."""
router = APIRouter(include_in_schema=False)


def visible_records(db: str | None, user: User) -> dict[str, list[Mapping[str, Any]]]:
    """The store's analysis tables, each filtered to what ``user`` may see (:func:`scope_records`)."""
    from crystal_palace.workflows.analysis import load_records

    records: Mapping[str, Sequence[Mapping[str, Any]]] = load_records(db)
    return scope_records(user, records)


def network_view(db: str | None, user: User) -> dict[str, Any]:
    """Summary, central records and Cytoscape elements of the user's visible network."""
    import networkx as nx

    from crystal_palace import build_network

    net = build_network(visible_records(db, user), strict=False)
    graph = net.graph
    keep: set[str] = set()
    for component in sorted(nx.connected_components(graph), key=len, reverse=True):
        if len(keep) + len(component) > MAX_NODES:
            break
        keep |= component
    nodes = [{"data": {"id": n, "label": str(a.get("label", n)), "kind": str(a.get("kind", "")),
                       "country": str(a.get("country") or "")}} for n, a in graph.nodes(data=True) if n in keep]
    edges = [{"data": {"id": f"{u}|{v}", "source": u, "target": v, "types": ", ".join(a.get("types", []))}}
             for u, v, a in graph.edges(data=True) if u in keep and v in keep]
    summary = net.summary()
    return {"summary": summary, "central": net.centrality(top=10), "elements": nodes + edges,
            "drawn": len(nodes), "ids": [n["data"]["id"] for n in nodes]}


async def _view(request: Request, user: User) -> tuple[dict[str, Any] | None, str]:
    from crystal_palace.exceptions import CrystalPalaceError

    try:
        view = await run_in_threadpool(network_view, web_context(request).settings.db, user)
    except CrystalPalaceError as exc:
        return None, str(getattr(exc, "reason", exc))
    audit_records(request, view["ids"])
    return view, ""


@router.get("/network", response_class=HTMLResponse)
async def network_page(request: Request, user: PageRecordReader) -> HTMLResponse:
    """The network: counts, the central records, and the drawing."""
    view, problem = await _view(request, user)
    return render(request, "network.html", view=view, problem=problem, max_nodes=MAX_NODES)


@router.get("/network.json")
async def network_json(request: Request, user: PageRecordReader) -> JSONResponse:
    """The drawing's elements (Cytoscape's JSON), for ``static/network.js``."""
    view, problem = await _view(request, user)
    if view is None:
        return JSONResponse({"ok": False, "error": problem, "elements": []}, status_code=404)
    return JSONResponse({"ok": True, "elements": view["elements"], "drawn": view["drawn"]})


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(request: Request, user: PageRecordReader) -> HTMLResponse:
    """The joint operations the user may see, each with a link to its report."""
    from crystal_palace.exceptions import CrystalPalaceError

    try:
        records = await run_in_threadpool(visible_records, web_context(request).settings.db, user)
    except CrystalPalaceError as exc:
        return render(request, "reports.html", operations=[], problem=str(getattr(exc, "reason", exc)))
    operations = sorted(records.get("operations", []), key=lambda o: str(o.get("started_on") or ""), reverse=True)
    audit_records(request, [str(o["id"]) for o in operations])
    return render(request, "reports.html", operations=operations, problem="")


@router.get("/reports/{operation_id}", response_class=HTMLResponse)
async def report_page(request: Request, operation_id: str, user: PageRecordReader) -> HTMLResponse:
    """One operation's report: seizures, quantities, arrests and sites by country (visible records only)."""
    from crystal_palace import operation_report
    from crystal_palace.exceptions import CrystalPalaceError

    audit_records(request, [operation_id])
    try:
        records = await run_in_threadpool(visible_records, web_context(request).settings.db, user)
        if not any(str(o.get("id")) == operation_id for o in records.get("operations", [])):
            raise LookupError(operation_id)
        report = await run_in_threadpool(lambda: operation_report(records, operation_id).to_dict())
    except (CrystalPalaceError, LookupError):
        return render(request, "message.html", status=404, heading="No such report",
                      message=f"There is no operation {operation_id} that you may see.")
    return render(request, "report.html", report=report)


@router.get("/timeline", response_class=HTMLResponse)
async def timeline_page(request: Request, user: PageRecordReader) -> HTMLResponse:
    """Dated events of the visible records, newest month first, with a bar of events per month."""
    from crystal_palace import seizure_timeline
    from crystal_palace.exceptions import CrystalPalaceError

    try:
        records = await run_in_threadpool(visible_records, web_context(request).settings.db, user)
        events = (await run_in_threadpool(seizure_timeline, records))["events"]
    except CrystalPalaceError as exc:
        return render(request, "timeline.html", months=[], busiest=0, problem=str(getattr(exc, "reason", exc)))
    months: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        months.setdefault(str(event["date"])[:7], []).append(event)
    ordered = sorted(months.items(), reverse=True)
    audit_records(request, [str(e["id"]) for e in events])
    return render(request, "timeline.html", months=ordered, busiest=max((len(v) for v in months.values()), default=0),
                  problem="")

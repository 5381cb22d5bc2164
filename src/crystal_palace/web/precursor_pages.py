"""The "Screen a manifest" page: a shipping manifest or chemical order, each row classed as a precursor risk.

It calls :func:`crystal_palace.screen_manifest` (the precursors job's workflow) and shows every row with
its risk, reason, the drugs it leads to and the drug estimate, then the totals per consignee and per
drug; a row that cannot be read keeps its place with its reason. The page follows the pattern of
:mod:`crystal_palace.web.pages` (a hook, ``PageUser``, a template, htmx for the result).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crystal_palace.web.audit import audit_detail
from crystal_palace.web.pages import PageUser, render
from crystal_palace.web.security import web_context

MANIFEST_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
router = APIRouter(include_in_schema=False)


@router.get("/precursors", response_class=HTMLResponse)
def manifest_page(request: Request, user: PageUser) -> HTMLResponse:
    """The upload form."""
    return render(request, "precursors.html", result=None, problem="", as_of="")


@router.post("/precursors", response_class=HTMLResponse)
async def manifest_submit(request: Request, user: PageUser) -> HTMLResponse:
    """Screen the uploaded manifest; a fragment for htmx, the whole page otherwise."""
    from crystal_palace import screen_manifest
    from crystal_palace.exceptions import InvalidInput

    form = await request.form()
    upload = form.get("file")
    as_of = str(form.get("as_of") or "").strip()
    limit = web_context(request).settings.max_upload_bytes
    result: dict[str, Any] | None = None
    problem, status = "", 200
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem, status = "Choose a manifest: a .csv, .tsv or .xlsx file.", 422
    elif not upload.filename.lower().endswith(MANIFEST_SUFFIXES):
        problem, status = f"{upload.filename}: expected a .csv, .tsv or .xlsx file", 422
    else:
        data = await upload.read(limit + 1)
        audit_detail(request, f"manifest {upload.filename} ({len(data):,} bytes)")
        if len(data) > limit:
            problem, status = f"{upload.filename} is larger than the limit of {limit:,} bytes", 413
        elif not data:
            problem, status = f"{upload.filename} is empty", 422
        else:
            try:
                result = await run_in_threadpool(lambda: screen_manifest(data, name=upload.filename,
                                                                         as_of=as_of or None))
            except InvalidInput as exc:
                problem, status = f"{upload.filename}: {exc.reason}", 422
    context = {"result": result, "problem": problem, "as_of": as_of}
    if request.headers.get("hx-request"):
        return render(request, "_manifest.html", status=status, **context)
    return render(request, "precursors.html", status=status, **context)

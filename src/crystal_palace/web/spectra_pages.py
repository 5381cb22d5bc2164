"""The "Search a spectrum" page: a GC-MS or MS/MS spectrum file searched against an imported library.

It calls :func:`crystal_palace.workflows.spectra.search_spectra` (the spectra job's workflow) and shows,
per query spectrum, the best hits with their scores, identity, family and legal status, and the
head-to-tail plot of the query against its best hit. Libraries are imported with
``crystal-palace spectra import`` (or ``POST /v1/spectra/libraries``); the page lists them.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crystal_palace.web.audit import audit_detail
from crystal_palace.web.pages import PageUser, render
from crystal_palace.web.security import web_context

SPECTRUM_SUFFIXES = (".msp", ".mgf", ".jdx", ".dx", ".jcamp", ".mzml", ".txt", ".csv")
router = APIRouter(include_in_schema=False)


def _libraries() -> list[dict[str, Any]]:
    from crystal_palace.workflows.spectra import list_spectral_libraries

    return list_spectral_libraries()


def search_upload(name: str, data: bytes, library: str, top: int) -> list[dict[str, Any]]:
    """Search the uploaded spectra; each result gets ``plot`` (its head-to-tail SVG as base64) when there is one."""
    from crystal_palace.workflows.spectra import search_spectra

    with tempfile.TemporaryDirectory(prefix="cp-spectrum-") as folder:
        query = Path(folder) / Path(name).name
        query.write_bytes(data)
        plots = Path(folder) / "plots"
        results = search_spectra(query, library, top=top, plot_dir=plots)
        for result in results:
            plot = result.get("plot")
            if plot and Path(plot).is_file():
                result["plot"] = base64.b64encode(Path(plot).read_bytes()).decode("ascii")
            else:
                result["plot"] = None
    return results


@router.get("/spectra", response_class=HTMLResponse)
async def spectra_page(request: Request, user: PageUser) -> HTMLResponse:
    """The search form, with the imported libraries."""
    libraries = await run_in_threadpool(_libraries)
    return render(request, "spectra.html", libraries=libraries, results=None, problem="", chosen="")


@router.post("/spectra", response_class=HTMLResponse)
async def spectra_submit(request: Request, user: PageUser) -> HTMLResponse:
    """Search the uploaded spectrum file; a fragment for htmx, the whole page otherwise."""
    from crystal_palace.exceptions import CrystalPalaceError

    form = await request.form()
    upload = form.get("file")
    library = str(form.get("library") or "")
    limit = web_context(request).settings.max_upload_bytes
    libraries = await run_in_threadpool(_libraries)
    results: list[dict[str, Any]] | None = None
    problem, status = "", 200
    if library not in {lib["name"] for lib in libraries}:
        problem, status = "Choose one of the imported libraries.", 422
    elif not isinstance(upload, UploadFile) or not upload.filename:
        problem, status = "Choose a spectrum file.", 422
    elif not upload.filename.lower().endswith(SPECTRUM_SUFFIXES):
        problem, status = f"{upload.filename}: expected one of {', '.join(SPECTRUM_SUFFIXES)}", 422
    else:
        data = await upload.read(limit + 1)
        audit_detail(request, f"spectrum {upload.filename} ({len(data):,} bytes) against {library}")
        if len(data) > limit:
            problem, status = f"{upload.filename} is larger than the limit of {limit:,} bytes", 413
        else:
            name = upload.filename
            try:
                results = await run_in_threadpool(search_upload, name, data, library, 5)
            except CrystalPalaceError as exc:
                problem, status = f"{name}: {getattr(exc, 'reason', exc)}", 422
    context = {"results": results, "problem": problem, "libraries": libraries, "chosen": library}
    if request.headers.get("hx-request"):
        return render(request, "_spectra.html", status=status, **context)
    return render(request, "spectra.html", status=status, **context)

"""The routes of API version 1: identify, legal status, health and depiction.

``POST /v1/identify``, ``POST /v1/legal``, ``GET /v1/legal/jurisdictions``, ``GET /v1/legal/listings``,
``GET /v1/health`` and ``GET /v1/depict``.

Routes call only the top-level workflow functions, like the CLI. A query that cannot be read is not a
malformed request: it comes back with status 200 and its reason in that verdict's ``errors``, exactly
as the CLI's JSON prints it; 422 is kept for bodies that do not follow the schema (including a date
that is not ``YYYY-MM-DD`` and an unknown jurisdiction). User rule files (the CLI's ``--rules``) are not
offered here: a server does not read paths that a client names.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib.util
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import Response

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.interfaces.api.models import (
    Health,
    IdentifyRequest,
    JurisdictionInfo,
    LegalRequest,
    LegalResult,
    ListingRow,
    Verdict,
)

router = APIRouter(prefix="/v1")
_Arg = TypeVar("_Arg")
_Result = TypeVar("_Result")


@router.get("/health", response_model=Health, summary="Liveness and version")
def health() -> Health:
    """Answer whether the API is up, and which version it runs."""
    from crystal_palace import __version__

    return Health(version=__version__)


@router.post("/identify", response_model=list[Verdict], responses=ERROR_RESPONSES,
             summary="Identify one or more substances")
async def identify(request: IdentifyRequest) -> list[dict[str, Any]]:
    """Identity, NPS family with its evidence, nearest controlled analogues and legal status, one verdict per query.

    The response is a list in the order of the queries (a list of one for ``query``). ``legal`` holds one
    verdict per jurisdiction (``controlled`` true, false, or null when the encoded rules do not decide),
    as of ``as_of`` (default today), for ``jurisdictions`` (default all); ``"legal": false`` leaves it empty.
    """
    # the busiest route: the verdicts are computed in one worker thread (they take milliseconds, and a name
    # may wait for OPSIN), and the response is checked and encoded on the event loop (tens of microseconds).
    # A plain ``def`` would cost a second thread hop per request, for the response check.
    return await in_worker_thread(_identify, request)


_WORKERS = 40
"""Threads for the verdicts: as many as Starlette's thread pool offers (a name waiting for OPSIN holds one)."""


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The verdicts' threads, made on the first request of the worker process (not at import)."""
    return ThreadPoolExecutor(_WORKERS, thread_name_prefix="identify")


def in_worker_thread(function: Callable[[_Arg], _Result], argument: _Arg) -> Awaitable[_Result]:
    """Run ``function(argument)`` in a worker thread, with the caller's context variables.

    What ``run_in_threadpool`` does, for a third less CPU per call: asyncio's executor hand-off, without
    anyio's capacity limiter and cancellation checkpoints (a running call cannot be cancelled either way).
    """
    context = contextvars.copy_context()
    return asyncio.get_running_loop().run_in_executor(_pool(), context.run, function, argument)


def _identify(request: IdentifyRequest) -> list[dict[str, Any]]:
    from crystal_palace import identify as identify_substance
    from crystal_palace.workflows.legal import require_legal_options

    legal = require_legal_options(as_of=request.as_of, jurisdictions=request.jurisdictions) if request.legal \
        else False
    return [identify_substance(q, input_type=request.input_type, analogues=request.analogues,
                               explain=request.explain, legal=legal, precursor=request.precursor).to_dict()
            for q in request.all_queries()]


@router.post("/legal", response_model=list[LegalResult], responses=ERROR_RESPONSES,
             summary="Legal status of one or more substances, with the reasons")
def legal(request: LegalRequest) -> list[dict[str, Any]]:
    """The legal status per query and jurisdiction, with the basis, instrument, list, date and reasons.

    ``controlled`` is true, false, or null when the encoded rules do not decide; ``basis`` is listed,
    generic, precursor or none; ``explanation`` says why. The response is a list in the order of the
    queries; a query that cannot be read carries its ``errors`` and no verdicts.
    """
    from crystal_palace import explain_legal

    return explain_legal(request.all_queries(), jurisdictions=request.jurisdictions, as_of=request.as_of,
                         input_type=request.input_type)


@router.get("/legal/jurisdictions", response_model=list[JurisdictionInfo], responses=ERROR_RESPONSES,
            summary="The jurisdictions, their instruments and how completely they are encoded")
def legal_jurisdictions() -> list[dict[str, Any]]:
    """Every jurisdiction the legal status is given for, with its instruments (acts) and their lists.

    ``coverage`` says how to read a missing listing: ``complete`` means not controlled, ``partial`` means
    undecided.
    """
    from crystal_palace import legal_jurisdictions as jurisdictions

    return jurisdictions()


@router.get("/legal/listings", response_model=list[ListingRow], responses=ERROR_RESPONSES,
            summary="What is controlled on a date: listings and generic definitions in force")
def legal_listings(
    jurisdiction: Annotated[list[str] | None, Query(description="Jurisdiction code(s); repeat the parameter "
                                                                "or give a comma list. Default: all.")] = None,
    as_of: Annotated[str | None, Query(description="YYYY-MM-DD (default: today).")]
    = None,
) -> list[dict[str, Any]]:
    """Each listing and generic definition in force on ``as_of``, per jurisdiction (what `legal list` prints)."""
    from crystal_palace import list_legal

    return list_legal(jurisdiction, as_of)


def depict_available() -> bool:
    """True when the depiction module is installed (the route is added only then)."""
    return importlib.util.find_spec("crystal_palace.chemistry.depict") is not None


def depict(smiles: Annotated[str, Query(min_length=1, max_length=10_000, description="The SMILES to draw.")],
           highlight: Annotated[list[int] | None, Query(description="Atom indices to highlight.")] = None,
           width: Annotated[int, Query(ge=50, le=2000)] = 360,
           height: Annotated[int, Query(ge=50, le=2000)] = 260) -> Response:
    """Draw a structure as SVG, with atoms highlighted (for example those that decided a family)."""
    from crystal_palace.chemistry.depict import depict_svg
    from crystal_palace.chemistry.structures import parse_structure

    mol = parse_structure(smiles, "smiles", record=None)  # InvalidInput -> 422 in the one error shape
    svg = depict_svg(mol, highlight or (), width=width, height=height)
    return Response(svg, media_type="image/svg+xml")


if depict_available():
    router.add_api_route("/depict", depict, methods=["GET"], response_class=Response, responses={
        200: {"content": {"image/svg+xml": {}}, "description": "An SVG drawing."}, **ERROR_RESPONSES,
    }, summary="Draw a structure as SVG")

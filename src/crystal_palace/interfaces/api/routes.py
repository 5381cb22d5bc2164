"""The routes of API version 1: ``POST /v1/identify``, ``GET /v1/health`` and ``GET /v1/depict``.

Routes call only the top-level workflow functions, like the CLI. A query that cannot be read is not a
malformed request: it comes back with status 200 and its reason in that verdict's ``errors``, exactly
as the CLI's JSON prints it; 422 is kept for bodies that do not follow the schema.
"""

from __future__ import annotations

import importlib.util
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.interfaces.api.models import Health, IdentifyRequest, Verdict

router = APIRouter(prefix="/v1")


@router.get("/health", response_model=Health, summary="Liveness and version")
def health() -> Health:
    """Answer whether the API is up, and which version it runs."""
    from crystal_palace import __version__

    return Health(version=__version__)


@router.post("/identify", response_model=list[Verdict], responses=ERROR_RESPONSES,
             summary="Identify one or more substances")
def identify(request: IdentifyRequest) -> list[dict[str, Any]]:
    """Identity, NPS family with its evidence and the nearest controlled analogues, one verdict per query.

    The response is a list in the order of the queries (a list of one for ``query``).
    """
    from crystal_palace import identify as identify_substance

    return [identify_substance(q, input_type=request.input_type, analogues=request.analogues,
                               explain=request.explain).to_dict() for q in request.all_queries()]


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

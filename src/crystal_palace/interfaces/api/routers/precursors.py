"""Precursor screening endpoints: ``POST /v1/precursors/check``, ``POST /v1/precursors/manifest``, routes.

``check`` takes queries (CAS numbers, names, structures) and returns one verdict each; a query that
cannot be read comes back with status 200 and its reason in ``errors``, as in the CLI's JSON.
``manifest`` takes a CSV or XLSX upload (multipart field ``file``) and returns the rows and totals;
a file that cannot be read at all (no product/CAS column, not a workbook) is a 422 in the one error
shape. Both call only the workflow functions.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/precursors", tags=["precursors"])

MAX_QUERIES = 1000


class CheckRequest(BaseModel):
    """One query or a list of queries, with the search depth and the date of the scheduling."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(None, description="One CAS number, name, SMILES, InChI or InChIKey.")
    queries: list[str] | None = Field(None, max_length=MAX_QUERIES, description="Several queries.")
    max_steps: int = Field(2, ge=0, le=4, description="Transformation steps searched from a structure.")
    as_of: datetime.date | None = Field(None, description="Date of the scheduling (default: today).")

    @model_validator(mode="after")
    def _one_of(self) -> CheckRequest:
        if (self.query is None) == (self.queries is None):
            raise ValueError("give either 'query' or 'queries'")
        return self

    def all_queries(self) -> list[str]:
        """The queries in order."""
        return [self.query] if self.query is not None else list(self.queries or [])


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class PrecursorObject(_Open):
    """The precursor verdict: role, category, drugs it leads to and the paths why."""

    role: str = Field(description="scheduled, designer, pre_precursor or none")
    category: str
    leads_to: list[str] = Field(default_factory=list)
    paths: list[dict[str, Any]] = Field(default_factory=list)
    reason: str = ""


class CheckResult(_Open):
    """The verdict for one query; a query that cannot be read has ``errors`` and no ``precursor``."""

    query: str
    identified_as: str | None = None
    substance_id: str | None = None
    inchikey: str | None = None
    precursor: PrecursorObject | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class ManifestResult(_Open):
    """Rows (each with its risk, reason, estimates and errors) and totals of a screened manifest."""

    source: str
    rows: list[dict[str, Any]]
    totals: dict[str, Any]


@router.post("/check", response_model=list[CheckResult], responses=ERROR_RESPONSES,
             summary="Is this chemical a scheduled, designer or pre-precursor, and of which drug?")
def check(request: CheckRequest) -> list[dict[str, Any]]:
    """One precursor verdict per query, in order: role, category, drugs it leads to, paths and reason."""
    from crystal_palace import screen_precursors

    return screen_precursors(request.all_queries(), max_steps=request.max_steps, as_of=request.as_of)


@router.post("/manifest", response_model=ManifestResult, responses=ERROR_RESPONSES,
             summary="Screen a shipping manifest or chemical order (CSV or XLSX upload)")
async def manifest(
    file: Annotated[UploadFile, File(description="The manifest: .csv, .tsv or .xlsx.")],
    max_steps: Annotated[int, Form(ge=0, le=4)] = 2,
    as_of: Annotated[datetime.date | None, Form()] = None,
    sheet: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Every row with its risk class, reason, target drugs and drug estimate; totals per consignee and drug.

    Rows that cannot be read are returned with their reason in ``errors``; none is dropped.
    """
    from crystal_palace import screen_manifest

    data = await file.read()
    if not data:
        raise HTTPException(422, "the uploaded manifest is empty")
    return screen_manifest(data, name=file.filename or "manifest.csv", sheet=sheet, max_steps=max_steps, as_of=as_of)


@router.get("/routes", responses=ERROR_RESPONSES, summary="The routes from chemicals to drugs of the precursor data")
def routes() -> list[dict[str, Any]]:
    """Each route: from, to, method, kind (synthesis or reagent), assumed yield and source."""
    from crystal_palace import precursor_routes

    return precursor_routes()

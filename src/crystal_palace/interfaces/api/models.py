"""Request and response models of the REST API (what ``/docs`` shows).

Response models describe the verdict's documented keys and allow more (``extra="allow"``), so that a
field the core adds later reaches clients without an API change.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crystal_palace.chemistry.vocabulary import InputType

MAX_QUERIES = 1000
MAX_EXPLAINED_QUERIES = 50
"""Explaining analogues (a maximum common substructure each) costs up to seconds per query."""
MAX_QUERY_CHARS = 1_000_000


class IdentifyRequest(BaseModel):
    """Identify one query (``query``) or several (``queries``); give exactly one of the two."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "CNC(C)Cc1ccc2OCOc2c1"},
        {"queries": ["alpha-PVP", "42542-10-9", "InChI=1S/CH4/h1H4"], "analogues": 3},
    ]})

    query: str | None = Field(None, max_length=MAX_QUERY_CHARS,
                              description="A SMILES, InChI, InChIKey, MOL block, CAS number or name.")
    queries: list[str] | None = Field(None, min_length=1, max_length=MAX_QUERIES,
                                      description=f"Several queries (at most {MAX_QUERIES}).")
    input_type: InputType | None = Field(None, description="Force the query type instead of detecting it.")
    analogues: int = Field(5, ge=0, le=50, description="Nearest controlled analogues to return.")
    explain: bool = Field(True, description="Explain what differs from each analogue (slower).")

    @model_validator(mode="after")
    def _one_of_query_or_queries(self) -> IdentifyRequest:
        if (self.query is None) == (self.queries is None):
            raise ValueError('give either "query" (one string) or "queries" (a list of strings), not both '
                             "and not neither")
        if self.explain and len(self.queries or ()) > MAX_EXPLAINED_QUERIES:
            raise ValueError(f"explain is limited to {MAX_EXPLAINED_QUERIES} queries per request (it computes a "
                             'maximum common substructure per analogue); send "explain": false or fewer queries')
        for i, q in enumerate(self.queries or []):
            if len(q) > MAX_QUERY_CHARS:
                raise ValueError(f"queries[{i}] is longer than {MAX_QUERY_CHARS:,} characters")
        return self

    def all_queries(self) -> list[str]:
        """The queries in order, whichever field held them."""
        return list(self.queries) if self.queries is not None else [self.query or ""]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class QueryError(_Open):
    """Why a query (or part of it) could not be handled."""

    record: str | None = None
    field: str | None = None
    reason: str


class Structure(_Open):
    """The standardised parent structure."""

    smiles: str | None = None
    inchikey: str | None = None
    formula: str | None = None


class Identity(_Open):
    """The reference-library entry and how it matched (``exact``, ``parent`` or ``stereo``)."""

    id: str | None = None
    name: str | None = None
    inchikey: str | None = None
    match_level: str | None = None


class Analogue(_Open):
    """A controlled substance close to the query, with its similarity and the formula difference."""

    id: str | None = None
    name: str | None = None
    family: str | None = None
    similarity: float | None = None


class Verdict(_Open):
    """The verdict for one query; a query that cannot be read has ``errors`` and empty fields."""

    query: str
    input_type: str | None = None
    structure: Structure | None = None
    identity: Identity | None = None
    family: str | None = Field(None, description="One of the NPS families, or 'none'.")
    family_evidence: str | None = None
    analogues: list[Analogue] = Field(default_factory=list)
    legal: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[QueryError] = Field(default_factory=list)


class Health(BaseModel):
    """Liveness and version."""

    ok: bool = True
    version: str

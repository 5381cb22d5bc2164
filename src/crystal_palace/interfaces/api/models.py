"""Request and response models of the REST API (what ``/docs`` shows).

Response models describe the verdict's documented keys and allow more (``extra="allow"``), so that a
field the core adds later reaches clients without an API change.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crystal_palace.chemistry.vocabulary import InputType

MAX_QUERIES = 1000
MAX_EXPLAINED_QUERIES = 50
"""Explaining analogues (a maximum common substructure each) costs up to seconds per query."""
MAX_QUERY_CHARS = 1_000_000
MAX_JURISDICTIONS = 50
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _known_jurisdictions() -> tuple[str, ...]:
    from crystal_palace.legal.listings import load_jurisdictions  # packaged jurisdictions.yaml, cached

    return tuple(load_jurisdictions())


class _LegalFields(BaseModel):
    """The legal options shared by ``/v1/identify`` and ``/v1/legal``."""

    as_of: datetime.date | None = Field(None, description=(
        "The date the legal status is asked for, `YYYY-MM-DD` (default: today). Listings and generic "
        "definitions apply from their `since` up to, not including, their `until`."))
    jurisdictions: list[str] | None = Field(None, min_length=1, max_length=MAX_JURISDICTIONS, description=(
        "Jurisdiction codes to answer for, in this order (default: all; see `GET /v1/legal/jurisdictions`)."))

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if value is None or isinstance(value, datetime.date):
            return value
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError(f"as_of must be a date YYYY-MM-DD (e.g. 2015-09-05), not {value!r}")
        return value  # checked further (month, day) by the date type

    @field_validator("jurisdictions")
    @classmethod
    def _known_codes(cls, codes: list[str] | None) -> list[str] | None:
        if codes is None:
            return None
        known = _known_jurisdictions()
        cleaned = list(dict.fromkeys(c.strip().upper() for c in codes))
        unknown = [c for c in cleaned if c not in known]
        if unknown:
            raise ValueError(f"unknown jurisdiction(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return cleaned


class IdentifyRequest(_LegalFields):
    """Identify one query (``query``) or several (``queries``); give exactly one of the two."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "CNC(C)Cc1ccc2OCOc2c1"},
        {"queries": ["alpha-PVP", "42542-10-9", "InChI=1S/CH4/h1H4"], "analogues": 3},
        {"query": "mephedrone", "jurisdictions": ["UN", "DE"], "as_of": "2014-06-01"},
        {"query": "caffeine", "legal": False},
    ]})

    query: str | None = Field(None, max_length=MAX_QUERY_CHARS,
                              description="A SMILES, InChI, InChIKey, MOL block, CAS number or name.")
    queries: list[str] | None = Field(None, min_length=1, max_length=MAX_QUERIES,
                                      description=f"Several queries (at most {MAX_QUERIES}).")
    input_type: InputType | None = Field(None, description="Force the query type instead of detecting it.")
    analogues: int = Field(5, ge=0, le=50, description="Nearest controlled analogues to return.")
    explain: bool = Field(False, description="Also explain what differs from each analogue: a maximum common "
                                             "substructure per analogue and the atoms outside it (tens of "
                                             "milliseconds per query, more for large molecules). Off, each analogue "
                                             "still carries its similarity and formula difference.")
    precursor: bool = Field(True, description="Fill `precursor`: the precursor role (scheduled, designer, "
                                              "pre_precursor, none), the drugs it leads to and the paths.")
    legal: bool = Field(True, description="Fill `legal`: the status per jurisdiction as of `as_of` (default: on).")

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


class LegalRequest(_LegalFields):
    """The legal status of one query (``query``) or several (``queries``), with the reasons."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "mephedrone", "jurisdictions": ["DE"]},
        {"queries": ["mephedrone", "MDMA", "CCCNC(C)C(=O)c1ccc(Cl)c(F)c1", "caffeine"],
         "jurisdictions": ["UN", "DE", "UK"], "as_of": "2014-06-01"},
    ]})

    query: str | None = Field(None, max_length=MAX_QUERY_CHARS,
                              description="A SMILES, InChI, InChIKey, MOL block, CAS number or name.")
    queries: list[str] | None = Field(None, min_length=1, max_length=MAX_QUERIES,
                                      description=f"Several queries (at most {MAX_QUERIES}).")
    input_type: InputType | None = Field(None, description="Force the query type instead of detecting it.")

    @model_validator(mode="after")
    def _one_of_query_or_queries(self) -> LegalRequest:
        if (self.query is None) == (self.queries is None):
            raise ValueError('give either "query" (one string) or "queries" (a list of strings), not both '
                             "and not neither")
        for i, q in enumerate(self.queries or []):
            if len(q) > MAX_QUERY_CHARS:
                raise ValueError(f"queries[{i}] is longer than {MAX_QUERY_CHARS:,} characters")
        return self

    def all_queries(self) -> list[str]:
        """The queries in order, whichever field held them."""
        return list(self.queries) if self.queries is not None else [self.query or ""]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class LegalVerdict(_Open):
    """The legal status in one jurisdiction on the date asked.

    ``controlled`` is ``true``, ``false`` or ``null``; ``null`` means **the encoded rules do not decide**
    (for example a jurisdiction whose lists are only partly encoded): it must never be read as "not
    controlled". ``explanation`` says why, naming the instrument, the entry or generic definition and
    the dates.
    """

    jurisdiction: str = Field(description="Jurisdiction code, e.g. `DE`.")
    controlled: bool | None = Field(description="true, false, or null when the encoded rules do not decide.")
    category: str | None = Field(None, description="The list or group, e.g. `Anlage I` or `NpSG Anlage 1 Nr. 1`.")
    basis: Literal["listed", "generic", "precursor", "none"] = Field(
        description="listed (named in a list), generic (a group definition covers it), precursor (a precursor "
                    "control, not a drug control), none (nothing applies, or undecided).")
    instrument: str = Field(description="The instrument's id (the instruments checked, when nothing applies).")
    since: str | None = Field(None, description="In force since (YYYY-MM-DD); see the explanation for how exact.")
    since_bound: Literal["exact", "lower", "upper"] | None = Field(
        None, description="How exact `since` is: the day itself (exact), the earliest day it can be (lower), or a "
                          "day by which it was in force at the latest (upper).")
    explanation: str = Field(description="Why: the rule or entry, the atoms that matched, the dates, the doubts.")
    until: str | None = None
    entry: str | None = Field(None, description="The entry as written in the list.")
    rule: str | None = Field(None, description="The generic definition's id.")
    atoms: dict[str, list[int]] | None = Field(None, description="Atoms (0-based) per part of the generic "
                                                                 "definition that matched.")
    source: str | None = None


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
    legal: list[LegalVerdict] = Field(default_factory=list, description="One verdict per jurisdiction.")
    errors: list[QueryError] = Field(default_factory=list)


class LegalIdentity(_Open):
    """The reference-library entry a query matched."""

    id: str | None = None
    name: str | None = None
    match_level: str | None = None
    controlled_under: list[str] = Field(default_factory=list)


class LegalResult(_Open):
    """The legal status of one query; a query that cannot be read has ``errors`` and no verdicts."""

    query: str
    input_type: str | None = None
    identity: LegalIdentity | None = None
    structure: Structure | None = None
    family: str | None = None
    as_of: str = Field(description="The date answered for (YYYY-MM-DD).")
    legal: list[LegalVerdict] = Field(default_factory=list, description="One verdict per jurisdiction.")
    errors: list[QueryError] = Field(default_factory=list)


class Instrument(_Open):
    """A legal act of a jurisdiction."""

    id: str
    short: str
    title: str
    kind: Literal["drug", "precursor"]
    in_force: str
    until: str | None = None
    categories: list[str] = Field(default_factory=list)
    source: str | None = None


class JurisdictionInfo(_Open):
    """A jurisdiction the engine answers for, and how completely its lists are encoded."""

    code: str
    name: str
    coverage: Literal["complete", "partial"] = Field(
        description="complete: a substance in no encoded list is not controlled; partial: it is undecided.")
    coverage_note: str
    checked: str
    instruments: list[Instrument]
    incorporates: list[dict[str, Any]] = Field(default_factory=list,
                                               description="Other jurisdictions' instruments that apply here.")
    generic_rules: list[str] = Field(default_factory=list)
    listings: int = Field(description="Substances with a listing (any date).")


class ListingRow(_Open):
    """A listing or generic definition in force on the date asked."""

    jurisdiction: str
    basis: Literal["listed", "generic", "precursor"]
    substance_id: str | None = None
    substance: str | None = None
    instrument: str
    via: str | None = None
    category: str
    entry: str | None = None
    rule: str | None = None
    since: str
    since_bound: Literal["exact", "lower", "upper"]
    until: str | None = None
    completeness: str | None = None
    source: str | None = None


class Health(BaseModel):
    """Liveness and version."""

    ok: bool = True
    version: str

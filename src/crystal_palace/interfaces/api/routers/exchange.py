"""``/v1/exchange``: encode, match, pack, unpack and retract over HTTP, for an agency's own server.

Keys never travel in requests except the exchange secret for ``encode`` (the server is the agency's
own, behind TLS). The party keys live in a folder named by ``CRYSTAL_PALACE_EXCHANGE_KEYS``: the one
``*.key`` file is ours, every ``*.pub`` is a trusted partner. Received records are stored in the store
named by ``CRYSTAL_PALACE_EXCHANGE_DB`` (else ``CRYSTAL_PALACE_DB``) when one is set. Errors have the
API's one shape; a rejected package is a 422 whose ``error`` says why.

Scoping (:mod:`crystal_palace.web.scoping`): ``encode``, ``match`` and ``pack`` work on what the body holds,
never on the store. ``POST /v1/exchange/outgoing`` packs store actors by id, and ``retract`` withdraws
store records by id: every id must be a record the caller may see (else 422 naming it, as for an id that
does not exist; admins may name any). ``unpack`` stores a partner's records under the sender's country and
party, and shares them with the caller's agency, so that he sees what the partner sent.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.web.audit import audit_records
from crystal_palace.web.security import CurrentUser, web_context

router = APIRouter(prefix="/v1/exchange", tags=["exchange"])
KEYS_VARIABLE = "CRYSTAL_PALACE_EXCHANGE_KEYS"
DB_VARIABLE = "CRYSTAL_PALACE_EXCHANGE_DB"
MAX_RECORDS = 200_000


class EncodeRequest(BaseModel):
    """Records to encode under an exchange secret."""

    records: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_RECORDS)
    secret: str = Field(..., min_length=64, max_length=64, description="The exchange secret, 64 hex characters.")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="Encoding schema (default: persons).")
    columns: dict[str, str] | None = Field(None, description="Schema field -> record key, when they differ.")
    id_field: str = "id"


class MatchRequest(BaseModel):
    """Two encoding sets (as written by encode) and the matching options."""

    a: dict[str, Any]
    b: dict[str, Any]
    threshold: float = Field(0.75, gt=0.0, le=1.0)
    assignment: Literal["greedy", "hungarian", "none"] = "greedy"
    blocking: bool | None = None


class PackRequest(BaseModel):
    """Content to sign and encrypt for a trusted partner."""

    content: dict[str, Any] | list[dict[str, Any]]
    recipient: str = Field(..., description="The partner's name, as in its public key file.")
    content_type: Literal["records", "encodings", "match-report"] | None = None
    handling: Literal["H0", "H1", "H2", "H3"] = "H2"
    valid_days: int = Field(30, ge=1, le=3650)
    provenance: dict[str, Any] | None = None


class UnpackRequest(BaseModel):
    """A package as written by pack."""

    package: dict[str, Any]


class OutgoingRequest(BaseModel):
    """Store actors (by id) to send to a trusted partner."""

    record_ids: list[str] = Field(..., min_length=1, max_length=MAX_RECORDS)
    recipient: str = Field(..., description="The partner's name, as in its public key file.")
    handling: Literal["H0", "H1", "H2", "H3"] = "H2"
    valid_days: int = Field(30, ge=1, le=3650)


class RetractRequest(BaseModel):
    """Records to withdraw from a partner."""

    record_ids: list[str] = Field(..., min_length=1)
    recipient: str
    packages: list[str] = Field(default_factory=list)
    reason: str = ""


def _keys() -> tuple[Any, dict[str, Any]]:
    from crystal_palace.web.exchange_pages import NotConfigured, server_keys

    try:
        return server_keys()
    except NotConfigured as exc:
        raise HTTPException(503, str(exc)) from None


def _store() -> str | None:
    return os.environ.get(DB_VARIABLE) or os.environ.get("CRYSTAL_PALACE_DB") or None


def _partner(trusted: dict[str, Any], name: str) -> Any:
    if name not in trusted:
        raise HTTPException(422, f"unknown partner {name!r}: no public key file for it on this server")
    return trusted[name]


@router.post("/encode", responses=ERROR_RESPONSES, summary="Encode records into CLKs and keyed tokens")
def encode(request: EncodeRequest) -> dict[str, Any]:
    """The encodings to send (pseudonyms, bits, tokens), the pseudonym table to keep, and field errors."""
    from crystal_palace.exchange.keys import ExchangeSecret
    from crystal_palace.workflows.exchange import encode_records

    encoded = encode_records(request.records, ExchangeSecret.from_hex(request.secret), schema=request.schema_,
                             columns=request.columns, id_field=request.id_field, audit=False)
    return {"encodings": encoded.shared(), "mapping": encoded.mapping(),
            "errors": [{"record": e.record, "field": e.field, "reason": e.reason} for e in encoded.errors]}


@router.post("/match", responses=ERROR_RESPONSES, summary="Match two encoding sets")
def match(request: MatchRequest) -> dict[str, Any]:
    """One-to-one hits above the threshold, with Dice scores and shared exact tokens."""
    from crystal_palace.exchange.encoded import EncodedSet
    from crystal_palace.workflows.exchange import match_encodings

    a = EncodedSet.from_shared(request.a, source="a")
    b = EncodedSet.from_shared(request.b, source="b")
    return match_encodings(a, b, threshold=request.threshold, assignment=request.assignment,
                           blocking=request.blocking, audit=False).to_dict()


@router.post("/pack", responses=ERROR_RESPONSES, summary="Sign and encrypt content for a partner")
def pack(request: PackRequest) -> dict[str, Any]:
    """A package (header, ciphertext, signature) for the named trusted partner."""
    from crystal_palace.workflows.exchange import pack as seal

    keys, trusted = _keys()
    return seal(request.content, sender=keys, recipient=_partner(trusted, request.recipient),
                content_type=request.content_type, handling=request.handling, valid_days=request.valid_days,
                provenance=request.provenance)


@router.post("/outgoing", responses=ERROR_RESPONSES, summary="A package of store actors for a partner")
def outgoing(http: Request, user: CurrentUser, request: OutgoingRequest) -> dict[str, Any]:
    """Sign and encrypt the store's actors ``record_ids`` (each one the caller may see) for a trusted partner."""
    from crystal_palace.web.exchange_pages import outgoing_package

    _keys()
    audit_records(http, request.record_ids)
    return outgoing_package(_store(), user, request.record_ids, request.recipient, handling=request.handling,
                            valid_days=request.valid_days)


@router.post("/unpack", responses=ERROR_RESPONSES, summary="Verify, decrypt and apply a package")
def unpack(http: Request, user: CurrentUser, request: UnpackRequest) -> dict[str, Any]:
    """The header and content; records are stored (and retractions applied) when the server has a database.

    Stored records are shared with the caller's agency (``shared_with``, ``local_ids``: their store ids).
    """
    from crystal_palace.web.exchange_pages import import_package
    from crystal_palace.workflows.exchange import unpack as open_it

    store = _store()
    if store is None:
        keys, trusted = _keys()
        result = open_it(request.package, recipient=keys, trusted=list(trusted.values()), store=None)
        return {**result.to_dict(), "content": result.content}
    _keys()
    imported = import_package(store, user, request.package, web_context(http).accounts, with_content=True)
    audit_records(http, imported["local_ids"])
    return imported


@router.post("/retract", responses=ERROR_RESPONSES, summary="A signed retraction for a partner")
def retract(http: Request, user: CurrentUser, request: RetractRequest) -> dict[str, Any]:
    """A retraction package; when the partner unpacks it, the records and their links are removed.

    A caller who is not an admin retracts only store records he may see.
    """
    from crystal_palace.web.exchange_pages import require_visible
    from crystal_palace.workflows.exchange import retract as make

    keys, trusted = _keys()
    audit_records(http, request.record_ids)
    if user.role != "admin":
        store = _store()
        if store is None:
            raise HTTPException(422, "this server has no store: only an admin may retract records by id")
        require_visible(store, user, request.record_ids)
    return make(request.record_ids, sender=keys, recipient=_partner(trusted, request.recipient),
                packages=request.packages, reason=request.reason)

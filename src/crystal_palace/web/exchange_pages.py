"""The exchange page: send records to a partner, match subjects, import a partner's package, retract.

For analysts and admins. Everything goes through the exchange workflow's functions
(:mod:`crystal_palace.workflows.exchange`: ``encode_records``, ``match_encodings``, ``pack``, ``unpack``,
``retract``; ``store_inbox.export_records`` and ``actor_records``); this module only chooses *which*
records, by the scoping rule, and where the keys and the store are:

* the party keys: the folder named by ``CRYSTAL_PALACE_EXCHANGE_KEYS`` (our one ``*.key``, the partners'
  ``*.pub``), as for ``/v1/exchange``;
* the store: ``CRYSTAL_PALACE_EXCHANGE_DB``, else the server's store (``--db``).

Only the actors the user may see (:func:`crystal_palace.web.scoping.sql_filter`) are listed, packed,
encoded for matching or retracted; an id he may not see is refused as unknown. A partner's package
that he imports is stored by ``unpack`` (with the sender's country and party as owner) and its records
are shared with his agency (:meth:`~crystal_palace.web.accounts.Accounts.share_records`), so that he and
his colleagues see what the partner sent them. The exchange secret is typed in for each match and never
kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crystal_palace.exceptions import CrystalPalaceError, InvalidInput
from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.pages import page_roles, render
from crystal_palace.web.records import query_store, visible_record_ids
from crystal_palace.web.scoping import sql_filter
from crystal_palace.web.security import web_context

KEYS_VARIABLE = "CRYSTAL_PALACE_EXCHANGE_KEYS"
DB_VARIABLE = "CRYSTAL_PALACE_EXCHANGE_DB"
MAX_LISTED = 500
"""Actors listed on the page at most (the newest first); the API takes any ids."""
HANDLING = ("H0", "H1", "H2", "H3")
router = APIRouter(include_in_schema=False)
ExchangeUser = page_roles("admin", "analyst")


class NotConfigured(CrystalPalaceError):
    """The server has no exchange keys (or not exactly one own key)."""


def server_keys() -> tuple[Any, dict[str, Any]]:
    """Our party keys and the trusted partners' public keys, from the folder ``CRYSTAL_PALACE_EXCHANGE_KEYS``."""
    from crystal_palace.exchange.package import PartyKeys, PartyPublic, load_json

    folder = os.environ.get(KEYS_VARIABLE)
    if not folder or not Path(folder).is_dir():
        raise NotConfigured(f"the server has no exchange keys: set {KEYS_VARIABLE} to a folder with our *.key and "
                            "the partners' *.pub files")
    own = sorted(Path(folder).glob("*.key"))
    if len(own) != 1:
        raise NotConfigured(f"{KEYS_VARIABLE} must hold exactly one *.key file, found {len(own)}")
    keys = PartyKeys.from_dict(load_json(own[0], "private key file"))
    trusted = {p.name: p for p in (PartyPublic.from_dict(load_json(f, "public key file"))
                                   for f in sorted(Path(folder).glob("*.pub")))}
    return keys, trusted


def partner(trusted: dict[str, Any], name: str) -> Any:
    """The trusted partner called ``name`` (a public key file on this server), else InvalidInput."""
    if name not in trusted:
        raise InvalidInput(f"unknown partner {name!r}: no public key file for it on this server", field="recipient")
    return trusted[name]


def exchange_store(default: str | None) -> str | None:
    """The store the exchange reads and writes: ``CRYSTAL_PALACE_EXCHANGE_DB``, else ``default``."""
    return os.environ.get(DB_VARIABLE) or default


def _open(db: str | None, *, read_only: bool) -> Any:
    from crystal_palace.store.backend import open_store, parse_url
    from crystal_palace.web.records import store_url

    url = store_url(db)
    dialect, location = parse_url(url)
    if dialect == "duckdb" and location != ":memory:" and not Path(location).is_file():
        raise InvalidInput("no such store (create one with `crystal-palace db init` or `demo generate`)",
                           field="db", record=location)
    return open_store(url, init=False, read_only=read_only and dialect == "duckdb")


def visible_actors(db: str | None, user: User, *, received: bool = False, limit: int = MAX_LISTED
                   ) -> list[dict[str, Any]]:
    """The actors ``user`` may see (only those received from partners with ``received``), newest first."""
    condition, params = sql_filter(user, alias="a")
    extra = " AND a.source LIKE 'exchange:%'" if received else ""
    rows = query_store(db, "SELECT a.id, a.schema, a.name, a.first_name, a.last_name, a.birth_date, a.country,"
                           " a.agency, a.handling_code, a.source FROM actors a"
                           f" WHERE {condition}{extra} ORDER BY a.updated_at DESC, a.id LIMIT {int(limit)}", params)
    return rows or []


def require_visible(db: str | None, user: User, ids: list[str]) -> list[str]:
    """``ids`` without repeats, when ``user`` may see every one of them in the store; else InvalidInput."""
    wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not wanted:
        raise InvalidInput("choose at least one record", field="ids")
    shown = visible_record_ids(db, user, wanted) if user.role != "admin" else set(wanted)
    hidden = [i for i in wanted if i not in shown]
    if hidden:
        raise InvalidInput(f"no record {hidden[0]!r} that you may see", field="ids", record=hidden[0])
    return wanted


def outgoing_package(db: str | None, user: User, ids: list[str], recipient: str, *, handling: str = "H2",
                     valid_days: int = 30) -> dict[str, Any]:
    """A signed, encrypted package of the store's actors ``ids`` (each one the user may see) for ``recipient``."""
    from crystal_palace.exchange.store_inbox import export_records
    from crystal_palace.workflows.exchange import pack

    wanted = require_visible(db, user, ids)
    keys, trusted = server_keys()
    store = _open(db, read_only=True)
    try:
        records = export_records(store, wanted)
    finally:
        store.close()
    return pack(records, sender=keys, recipient=partner(trusted, recipient), content_type="records",
                handling=handling, valid_days=valid_days,
                provenance={"country": user.country, "agency": user.agency, "by": user.username})


def retraction_package(db: str | None, user: User, ids: list[str], recipient: str, reason: str = "") -> dict[str, Any]:
    """A signed retraction of ``ids`` (records the user may see) for ``recipient``."""
    from crystal_palace.workflows.exchange import retract

    wanted = require_visible(db, user, ids)
    keys, trusted = server_keys()
    return retract(wanted, sender=keys, recipient=partner(trusted, recipient), reason=reason)


def encode_visible(db: str | None, user: User, secret: str) -> Any:
    """The actors ``user`` may see, encoded under the exchange ``secret`` (hex): an ``EncodedSet``."""
    from crystal_palace.exchange.keys import ExchangeSecret
    from crystal_palace.exchange.store_inbox import actor_records
    from crystal_palace.workflows.exchange import encode_records

    chosen = ExchangeSecret.from_hex(secret.strip())
    condition, params = sql_filter(user)
    store = _open(db, read_only=True)
    try:
        rows = actor_records(store, where=condition, params=params)
    finally:
        store.close()
    if not rows:
        raise InvalidInput("you may see no person, phone, vehicle or bank account to encode", field="records")
    return encode_records(rows, chosen, audit=False)


def match_partner(db: str | None, user: User, secret: str, theirs: dict[str, Any], *,
                  threshold: float = 0.75) -> dict[str, Any]:
    """Our visible actors, encoded now under ``secret``, matched with a partner's shared encodings.

    Each hit names our record (the pseudonym mapped back to its id), the partner's pseudonym and the score.
    """
    from crystal_palace.exchange.encoded import EncodedSet
    from crystal_palace.workflows.exchange import match_encodings

    ours = encode_visible(db, user, secret)
    report = match_encodings(ours, EncodedSet.from_shared(theirs, source="partner encodings"), threshold=threshold,
                             audit=False).to_dict()
    mapping = ours.mapping()
    for pair in report["pairs"]:
        pair["record_id"] = mapping.get(pair["a"], pair["a"])
    report["ours"] = len(ours)
    return report


def import_package(db: str | None, user: User, package: dict[str, Any], accounts: Any, *,
                   with_content: bool = False) -> dict[str, Any]:
    """Verify, decrypt and apply a partner's package (``unpack`` into the store); share what came with his agency.

    The answer is ``Unpacked.to_dict()`` with ``local_ids`` (the store ids of what was stored),
    ``shared_with`` and, ``with_content``, the package's content.
    """
    from crystal_palace.web.records import store_url
    from crystal_palace.workflows.exchange import unpack

    keys, trusted = server_keys()
    opened = unpack(package, recipient=keys, trusted=list(trusted.values()), store=store_url(db))
    result = opened.to_dict()
    local: list[str] = []
    if opened.imported is not None:
        rows = query_store(db, "SELECT local_id FROM exchange_received WHERE package_id = ?",
                           [str(opened.header["package_id"])]) or []
        local = sorted({str(r["local_id"]) for r in rows})
        if local:
            accounts.share_records(local, (user.country, user.agency), by=user.username)
    result["shared_with"] = f"{user.country} · {user.agency}" if local else None
    result["local_ids"] = local
    if with_content:
        result["content"] = opened.content
    return result


def _status() -> dict[str, Any]:
    try:
        keys, trusted = server_keys()
    except CrystalPalaceError as exc:
        return {"keys_problem": str(exc), "party": None, "partners": []}
    return {"keys_problem": "", "party": keys.name, "partners": sorted(n for n in trusted if n != keys.name)}


def _problem(exc: CrystalPalaceError) -> str:
    return str(getattr(exc, "reason", None) or exc)


async def _json_upload(form: Any, name: str, limit: int) -> dict[str, Any]:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose a file", field=name)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{upload.filename} is larger than {limit:,} bytes", field=name)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{upload.filename} is not a JSON file: {exc}", field=name) from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{upload.filename} does not hold a JSON object", field=name)
    return value


def _download(name: str, content: dict[str, Any]) -> Response:
    return Response(json.dumps(content, indent=1), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _page(request: Request, user: User, *, status: int = 200, message: str = "", problem: str = "") -> HTMLResponse:
    db = exchange_store(web_context(request).settings.db)
    state = _status()
    try:
        actors = visible_actors(db, user)
        received = visible_actors(db, user, received=True)
    except CrystalPalaceError as exc:
        actors, received, problem = [], [], problem or _problem(exc)
    audit_records(request, [str(a["id"]) for a in actors] + [str(a["id"]) for a in received])
    return render(request, "exchange.html", status=status, actors=actors, received=received, handling=HANDLING,
                  max_listed=MAX_LISTED, message=message, problem=problem, **state)


@router.get("/exchange", response_class=HTMLResponse)
async def exchange_page(request: Request, user: User = ExchangeUser) -> HTMLResponse:
    """The exchange page: the records you may send, matching, importing and retracting."""
    return await run_in_threadpool(_page, request, user)


@router.post("/exchange/package")
async def build_package(request: Request, user: User = ExchangeUser) -> Response:
    """A package of the chosen records for a partner, as a file to send (the form posts without htmx)."""
    return await _send(request, user, "package", lambda db, ids, form: outgoing_package(
        db, user, ids, str(form.get("recipient") or ""), handling=str(form.get("handling") or "H2")))


@router.post("/exchange/retract")
async def build_retraction(request: Request, user: User = ExchangeUser) -> Response:
    """A retraction of the chosen records for a partner, as a file to send."""
    return await _send(request, user, "retraction", lambda db, ids, form: retraction_package(
        db, user, ids, str(form.get("recipient") or ""), str(form.get("reason") or "")[:2000]))


async def _send(request: Request, user: User, kind: str,
                make: Callable[[Any, list[str], Any], dict[str, Any]]) -> Response:
    """The file a form's chosen records make (a package or a retraction); the page again with the problem."""
    form = await request.form()
    ids = [str(v) for v in form.getlist("ids")]
    db = exchange_store(web_context(request).settings.db)
    audit_records(request, ids)
    try:
        package = await run_in_threadpool(make, db, ids, form)
    except CrystalPalaceError as exc:
        return await run_in_threadpool(_page, request, user, status=422, problem=_problem(exc))
    return _download(f"{kind}-{package['header']['package_id']}.json", package)


@router.post("/exchange/encodings")
async def download_encodings(request: Request, user: User = ExchangeUser) -> Response:
    """Our visible actors encoded under the typed secret: the file to send to the partner for matching."""
    form = await request.form()
    db = exchange_store(web_context(request).settings.db)
    try:
        encoded = await run_in_threadpool(encode_visible, db, user, str(form.get("secret") or ""))
    except CrystalPalaceError as exc:
        return await run_in_threadpool(_page, request, user, status=422, problem=_problem(exc))
    audit_records(request, list(encoded.local_ids or ()))
    return _download("encodings.json", encoded.shared())


@router.post("/exchange/match", response_class=HTMLResponse)
async def match_page(request: Request, user: User = ExchangeUser) -> HTMLResponse:
    """Match the partner's uploaded encodings with ours (an htmx fragment: the hits)."""
    form = await request.form()
    db = exchange_store(web_context(request).settings.db)
    limit = web_context(request).settings.max_upload_bytes
    try:
        theirs = await _json_upload(form, "encodings", limit)
        threshold = float(str(form.get("threshold") or "0.75"))
        report = await run_in_threadpool(lambda: match_partner(db, user, str(form.get("secret") or ""), theirs,
                                                               threshold=threshold))
    except ValueError:
        return render(request, "_exchange_matches.html", status=422, report=None,
                      problem="The threshold is a number between 0 and 1.")
    except CrystalPalaceError as exc:
        return render(request, "_exchange_matches.html", status=422, report=None, problem=_problem(exc))
    audit_records(request, [str(p["record_id"]) for p in report["pairs"]])
    return render(request, "_exchange_matches.html", report=report, problem="")


@router.post("/exchange/import", response_class=HTMLResponse)
async def import_page(request: Request, user: User = ExchangeUser) -> HTMLResponse:
    """Import a partner's package (an htmx fragment: what was stored, removed and shared)."""
    form = await request.form()
    context = web_context(request)
    db = exchange_store(context.settings.db)
    try:
        package = await _json_upload(form, "package", context.settings.max_upload_bytes)
        result = await run_in_threadpool(import_package, db, user, package, context.accounts)
    except CrystalPalaceError as exc:
        return render(request, "_exchange_import.html", status=422, result=None, problem=_problem(exc))
    audit_records(request, result["local_ids"])
    return render(request, "_exchange_import.html", result=result, problem="")

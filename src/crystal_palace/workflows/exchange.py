"""Exchange with partner agencies: encode, match, pack, unpack, retract (one function each).

The usual round, as in FIU.net's Ma3tch: both partners agree a secret for the exchange
(:class:`~crystal_palace.exchange.keys.ExchangeSecret`), each runs :func:`encode_records` on its own
subjects and sends only the encodings; :func:`match_encodings` finds the hits, with scores; for the hits,
records are sent in a signed and encrypted package (:func:`pack`), opened and stored with their
provenance and handling code by :func:`unpack`; :func:`retract` withdraws records a partner holds, and
unpacking the retraction removes them and every link derived from them. Every step is appended to the
audit log (:mod:`crystal_palace.exchange.audit`). See docs/exchange.md.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.audit import AuditLog
from crystal_palace.exchange.clk import PERSON_SCHEMA, ClkEncoder, EncodingSchema
from crystal_palace.exchange.encoded import EncodedSet
from crystal_palace.exchange.inbox import ImportReport, Inbox
from crystal_palace.exchange.keys import ExchangeSecret
from crystal_palace.exchange.match import Assignment, LshBlocking, MatchReport, match
from crystal_palace.exchange.package import (
    PackageRejected,
    PartyKeys,
    PartyPublic,
    load_json,
    open_package,
    seal_package,
)
from crystal_palace.exchange.retract import Retraction, make_retraction, require_retraction

AUTO_BLOCKING_PAIRS = 200_000_000
"""Above this many pairs, :func:`match_encodings` blocks with LSH unless told otherwise."""

SecretLike = ExchangeSecret | str | Path
KeysLike = PartyKeys | str | Path
PublicLike = PartyPublic | str | Path


def default_audit_path() -> Path:
    """The exchange audit log in the user's Crystal Palace folder."""
    from crystal_palace.paths import data_home

    return data_home() / "exchange-audit.jsonl"


def _audit(audit: AuditLog | str | Path | bool | None) -> AuditLog | None:
    if audit is False:
        return None
    if audit is None or audit is True:
        return AuditLog(default_audit_path())
    return audit if isinstance(audit, AuditLog) else AuditLog(audit)


def _secret(secret: SecretLike) -> ExchangeSecret:
    return secret if isinstance(secret, ExchangeSecret) else ExchangeSecret.load(secret)


def load_party_keys(keys: KeysLike) -> PartyKeys:
    """Own keys from a ``.key`` file (or as given)."""
    return keys if isinstance(keys, PartyKeys) else PartyKeys.from_dict(load_json(keys, "private key file"))


def load_party_public(public: PublicLike) -> PartyPublic:
    """A partner's public keys from a ``.pub`` file (or as given)."""
    return public if isinstance(public, PartyPublic) else PartyPublic.from_dict(load_json(public, "public key file"))


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records from a CSV (header row), JSON (an array) or JSON-lines file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ",", skipinitialspace=True)
            return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    if suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            return data
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            return list(data["records"])
    raise InvalidInput("records are read from .csv, .tsv, .json (an array) or .jsonl files", field="input",
                       record=str(path))


def encode_records(records: Iterable[Mapping[str, Any]] | str | Path | Any, secret: SecretLike, *,
                   schema: EncodingSchema | Mapping[str, Any] | str | Path | None = None,
                   columns: Mapping[str, str] | None = None, id_field: str = "id",
                   out: str | Path | None = None, mapping_out: str | Path | None = None,
                   audit: AuditLog | str | Path | bool | None = None) -> EncodedSet:
    """Encode records into CLKs and keyed tokens under the exchange secret.

    ``records``: dicts, a .csv/.tsv/.json/.jsonl file, or the seizure-intelligence store (an open store or
    a ``duckdb://``/``postgresql://`` URL), whose actors are encoded (``store_inbox.actor_records``).
    ``columns`` maps schema fields to the input's column names (``{"id_number": "soc_sec_id"}``).
    ``out`` receives what may be sent (pseudonyms, bits, tokens); ``mapping_out`` the pseudonym-to-id
    table that stays home. Bad fields are in ``errors`` of the result, encoded as missing.
    """
    if isinstance(records, str | Path) and str(records).startswith(("postgresql://", "postgres://", "duckdb://")):
        records = _store_records(records)
    elif hasattr(records, "delete_records") and hasattr(records, "query"):  # an open store
        from crystal_palace.exchange.store_inbox import actor_records

        records = actor_records(records)
    rows = read_records(records) if isinstance(records, str | Path) else list(records)
    if columns:
        rows = [{**r, **{name: r.get(column) for name, column in columns.items()}} for r in rows]
    if schema is None:
        chosen = PERSON_SCHEMA
    elif isinstance(schema, EncodingSchema):
        chosen = schema
    elif isinstance(schema, Mapping):
        chosen = EncodingSchema.from_dict(schema)
    else:
        chosen = EncodingSchema.from_dict(load_json(schema, "schema file"))
    encoded = ClkEncoder(_secret(secret), chosen).encode(rows, id_field=id_field)
    if out is not None:
        encoded.write(out)
    if mapping_out is not None:
        encoded.write_mapping(mapping_out)
    log = _audit(audit)
    if log is not None:
        log.append("encoded", records=len(encoded), schema=chosen.fingerprint,
                   secret=encoded.secret_fingerprint, errors=len(encoded.errors),
                   out=str(out) if out is not None else None)
    return encoded


def _store_records(url: str | Path) -> list[dict[str, Any]]:
    """The actors of the store at ``url`` as records to encode."""
    from crystal_palace.exchange.store_inbox import actor_records
    from crystal_palace.store.backend import open_store

    store = open_store(url, init=False, read_only=str(url).startswith("duckdb://"))
    try:
        return actor_records(store)
    finally:
        store.close()


def _encoded(value: EncodedSet | str | Path) -> EncodedSet:
    return value if isinstance(value, EncodedSet) else EncodedSet.read(value)


def match_encodings(a: EncodedSet | str | Path, b: EncodedSet | str | Path, *, threshold: float = 0.75,
                    assignment: Assignment = "greedy", blocking: bool | LshBlocking | None = None,
                    workers: int = 1, out: str | Path | None = None,
                    audit: AuditLog | str | Path | bool | None = None) -> MatchReport:
    """Match two encoded sets; returns the report of one-to-one hits above ``threshold`` with scores.

    ``blocking``: None chooses LSH for more than :data:`AUTO_BLOCKING_PAIRS` pairs, True always, False
    never (every pair compared), or an :class:`~crystal_palace.exchange.match.LshBlocking` to tune it.
    """
    left, right = _encoded(a), _encoded(b)
    if blocking is None:
        blocking = len(left) * len(right) > AUTO_BLOCKING_PAIRS
    lsh = blocking if isinstance(blocking, LshBlocking) else (LshBlocking() if blocking else None)
    report = match(left, right, threshold=threshold, assignment=assignment, blocking=lsh, workers=workers)
    if out is not None:
        Path(out).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    log = _audit(audit)
    if log is not None:
        log.append("matched", a=len(left), b=len(right), matched=len(report.pairs), threshold=threshold,
                   compared=report.compared, schema=report.schema_fingerprint,
                   out=str(out) if out is not None else None)
    return report


def _content(content: Any, content_type: str | None) -> tuple[Any, str]:
    """The JSON content and its type for what :func:`pack` was given."""
    if isinstance(content, EncodedSet):
        return content.shared(), "encodings"
    if isinstance(content, MatchReport):
        return content.to_dict(), "match-report"
    if isinstance(content, Retraction):
        return content.to_content(), "retraction"
    if isinstance(content, str | Path):
        path = Path(content)
        if path.suffix.lower() in (".csv", ".tsv", ".jsonl"):
            return {"records": read_records(path)}, content_type or "records"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"not a JSON content file: {exc}", field="file", record=str(path)) from None
        if isinstance(raw, list):
            return {"records": raw}, content_type or "records"
        data = load_json(path, "content file")
        if content_type is None:
            content_type = ("encodings" if data.get("format") == "crystal-palace/clk-v1" else
                            "match-report" if "pairs" in data else "records")
        return data, content_type
    if isinstance(content, list):
        return {"records": content}, content_type or "records"
    if isinstance(content, Mapping):
        return dict(content), content_type or "records"
    raise InvalidInput(f"cannot pack a {type(content).__name__}", field="content")


def require_onward_allowed(records: Sequence[Mapping[str, Any]], recipient: str) -> None:
    """Refuse to pass on records received under H2/H3 to anyone but their owner (the handling code rule)."""
    for record in records:
        origin = record.get("received_from")
        if origin and origin != recipient and record.get("handling") in ("H2", "H3"):
            raise InvalidInput(f"received from {origin} under {record.get('handling')}: not to be passed on "
                               f"without {origin}'s permission", field="handling", record=str(record.get("id")))


def pack(content: Any, *, sender: KeysLike, recipient: PublicLike, content_type: str | None = None,
         handling: str = "H2", valid_days: int = 30, expires: datetime.datetime | None = None,
         provenance: Mapping[str, Any] | None = None, out: str | Path | None = None,
         audit: AuditLog | str | Path | bool | None = None) -> dict[str, Any]:
    """Sign and encrypt ``content`` (records, encodings, a match report or a file of them) for ``recipient``."""
    keys, partner = load_party_keys(sender), load_party_public(recipient)
    data, kind = _content(content, content_type)
    if kind == "records":
        require_onward_allowed(data.get("records", []), partner.name)
    package = seal_package(data, sender=keys, recipient=partner, content_type=kind, handling=handling,
                           valid_days=valid_days, expires=expires, provenance=provenance)
    if out is not None:
        Path(out).write_text(json.dumps(package), encoding="utf-8")
    log = _audit(audit)
    if log is not None:
        header = package["header"]
        ids = [str(r.get("id")) for r in data.get("records", [])] if kind == "records" else []
        log.append("retraction-sent" if kind == "retraction" else "sent", package_id=header["package_id"],
                   recipient=partner.name, content_type=kind, handling=handling, expires=header["expires"],
                   record_ids=ids or data.get("retract", []), count=len(ids) or data.get("count"))
    return package


@dataclass
class Unpacked:
    """An opened package: its header, its content, and what was stored or removed."""

    header: dict[str, Any]
    content: Any
    imported: ImportReport | None = None
    removed: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the content is left out: it can be large; write it with ``unpack --out``)."""
        return {"header": self.header, "imported": self.imported.to_dict() if self.imported else None,
                "removed": self.removed}


def open_inbox(store: Any, *, party: str = "local") -> tuple[Inbox, Any]:
    """The inbox for ``store`` and what to close afterwards (None when the caller owns the database).

    ``store`` is the seizure-intelligence store (a :class:`~crystal_palace.store.backend.Store`, a URL such
    as ``postgresql://...`` or ``duckdb:///path``, or a path), or a :class:`DuckDBFile` of the exchange's
    own tables (``exchange_received``, ``exchange_links``, ``exchange_audit``) where no store is wanted.
    """
    from crystal_palace.exchange.store_inbox import StoreInbox

    country = party.split("-", 1)[0].upper() if len(party.split("-", 1)[0]) == 2 else "XX"
    if isinstance(store, str | Path):
        from crystal_palace.store.backend import open_store

        opened = open_store(store)
        return StoreInbox(opened, party=party, country=country), opened
    if hasattr(store, "delete_records") and hasattr(store, "write_frames"):
        return StoreInbox(store, party=party, country=country), None
    return Inbox(store), None


def unpack(package: Mapping[str, Any] | str | Path, *, recipient: KeysLike, trusted: Sequence[PublicLike],
           store: Any = None, now: datetime.datetime | None = None,
           audit: AuditLog | str | Path | bool | None = None) -> Unpacked:
    """Verify, decrypt and apply a package: records are stored with provenance, retractions applied.

    Raises :class:`~crystal_palace.exchange.package.PackageRejected` (tampered, forged, expired, not for
    us, unknown sender); the rejection is written to the audit log too.
    """
    source = str(package) if isinstance(package, str | Path) else "package"
    data = load_json(package, "package") if isinstance(package, str | Path) else package
    keys = load_party_keys(recipient)
    partners = {p.name: p for p in (load_party_public(t) for t in trusted)}
    log = _audit(audit)
    try:
        header, content = open_package(data, recipient=keys, trusted=partners, now=now, source=source)
    except PackageRejected as exc:
        if log is not None:
            log.append("rejected", source=source, reason=exc.reason)
        raise
    result = Unpacked(header, content)
    if store is not None and header["content_type"] in ("records", "retraction"):
        inbox, opened = open_inbox(store, party=keys.name)
        try:
            if header["content_type"] == "records":
                records = content.get("records") if isinstance(content, Mapping) else None
                if not isinstance(records, list):
                    raise InvalidInput("a records package holds {'records': [...]}", field="records",
                                       record=header["package_id"])
                result.imported = inbox.import_records(header, records)
            else:
                require_retraction(header)
                retraction = Retraction.from_content(content, source=header["package_id"])
                result.removed = inbox.retract(header["sender"], retraction, package_id=header["package_id"])
        finally:
            if opened is not None:
                opened.close()
    if log is not None:
        log.append("retracted" if header["content_type"] == "retraction" else "received",
                   package_id=header["package_id"], sender=header["sender"], content_type=header["content_type"],
                   handling=header["handling"],
                   stored=result.imported.stored if result.imported else None, removed=result.removed)
    return result


def retract(record_ids: Sequence[str], *, sender: KeysLike, recipient: PublicLike, packages: Sequence[str] = (),
            reason: str = "", out: str | Path | None = None,
            audit: AuditLog | str | Path | bool | None = None) -> dict[str, Any]:
    """A signed retraction package withdrawing ``record_ids`` sent to ``recipient``; unpacking applies it."""
    retraction = make_retraction(record_ids, packages=packages, reason=reason)
    return pack(retraction, sender=sender, recipient=recipient, handling="H0", out=out, audit=audit)

"""Legal status on its own: explain the verdicts for queries, list what is controlled, list jurisdictions.

These are the entry points that ``crystal-palace legal ...``, ``POST /v1/legal`` and
``GET /v1/legal/...`` call. The verdicts themselves come from :func:`crystal_palace.identify` (so a query
is read, standardised and matched to the library exactly as everywhere else) and, behind it, from
:func:`crystal_palace.legal.engine.legal_status`. ``controlled`` is ``True``, ``False`` or ``None``; None
means *the encoded rules do not decide*, and every interface must say so instead of showing it as
"not controlled".

Options are checked before any query is looked at (:func:`require_legal_options`): a date that is not
``YYYY-MM-DD``, an unknown jurisdiction code or a malformed rule file is the caller's error and raises,
whereas a query that cannot be read lands in that query's ``errors``, as with ``identify``.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.workflows.identify import LegalOptions, identify_many

if TYPE_CHECKING:
    from crystal_palace.legal.engine import LegalIndex

__all__ = ["explain_legal", "list_legal", "legal_jurisdictions", "require_legal_options"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BASIS_ORDER = {"listed": 0, "generic": 1, "precursor": 2}

DateLike = datetime.date | str | None
Codes = str | Iterable[str] | None
RulePaths = Sequence[str | os.PathLike[str]]


def require_as_of(as_of: DateLike) -> datetime.date | None:
    """The date asked about, from a ``date`` or an ISO ``YYYY-MM-DD`` text; None stays None (today).

    >>> require_as_of("2015-09-05")
    datetime.date(2015, 9, 5)
    >>> require_as_of("5.9.2015")
    Traceback (most recent call last):
    ...
    crystal_palace.exceptions.InvalidInput: field 'as_of': '5.9.2015' is not a date YYYY-MM-DD
    """
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    if isinstance(as_of, datetime.datetime):
        return as_of.date()
    if isinstance(as_of, datetime.date):
        return as_of
    if not isinstance(as_of, str):
        raise InvalidInput(f"expected a date YYYY-MM-DD, got {type(as_of).__name__}", field="as_of")
    text = as_of.strip()
    if not _ISO_DATE.match(text):
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", field="as_of")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a valid date ({exc})", field="as_of") from None


def split_codes(codes: Codes) -> tuple[str, ...] | None:
    """Jurisdiction codes from ``"DE,UK"``, ``["DE", "uk"]`` or ``["DE,UK", "NL"]``: upper case, no repeats.

    >>> split_codes(["de, uk", "DE", "nl"])
    ('DE', 'UK', 'NL')
    >>> split_codes(None) is None
    True
    """
    if codes is None:
        return None
    items = [codes] if isinstance(codes, str) else list(codes)
    parts = [p.strip().upper() for item in items for p in str(item).split(",")]
    return tuple(dict.fromkeys(p for p in parts if p))


def _index(rules: RulePaths) -> LegalIndex:
    from crystal_palace.legal.engine import legal_index  # the index is built once per set of rule files

    return legal_index([Path(p) for p in rules])


def require_legal_options(*, as_of: DateLike = None, jurisdictions: Codes = None,
                          rules: RulePaths = ()) -> LegalOptions:
    """Check the legal options and return them as :class:`~crystal_palace.workflows.identify.LegalOptions`.

    Parameters
    ----------
    as_of
        The date asked about (a ``date`` or ``YYYY-MM-DD``); None means today.
    jurisdictions
        Codes such as ``"DE"``, ``"DE,UK"`` or ``["DE", "UK"]`` (case does not matter); None means all.
    rules
        User rule files (listing ``.csv``, generic-definition ``.yaml``) loaded on top of the packaged ones.

    Raises
    ------
    InvalidInput
        For a date that is not ``YYYY-MM-DD`` (field ``as_of``) and for an unknown or empty list of
        jurisdictions (field ``jurisdictions``).
    InvalidReferenceData
        For a rule file that cannot be read or breaks its schema, with every bad line and its reason.
    """
    day = require_as_of(as_of)
    codes = split_codes(jurisdictions)
    # absolute: the engine caches its index per path and modification time, and "rules.csv" in another
    # working directory is another file
    paths = tuple(Path(p).expanduser().absolute() for p in rules)
    index = _index(paths)  # reads and checks the rule files now, before any query
    if codes is not None:
        if not codes:
            raise InvalidInput(f"no jurisdiction given; known: {', '.join(index.order)}", field="jurisdictions")
        unknown = [c for c in codes if c not in index.jurisdictions]
        if unknown:
            raise InvalidInput(f"unknown jurisdiction(s) {', '.join(unknown)}; known: {', '.join(index.order)}",
                               field="jurisdictions")
    return LegalOptions(as_of=day, jurisdictions=codes, rules=paths)


def explain_legal(queries: str | Sequence[str], *, jurisdictions: Codes = None, as_of: DateLike = None,
                  rules: RulePaths = (), input_type: str | None = None) -> list[dict[str, Any]]:
    """The legal verdicts for each query, per jurisdiction, with the reasoning behind each.

    Parameters
    ----------
    queries
        One query or several (SMILES, InChI, InChIKey, MOL block, CAS number or name).
    jurisdictions, as_of, rules
        As for :func:`require_legal_options`.
    input_type
        Force the query type instead of detecting it.

    Returns
    -------
    list[dict]
        One object per query, in order: ``query``, ``input_type``, ``identity`` (library id, name and
        match level, or None), ``structure``, ``family``, ``as_of`` (ISO date), ``legal`` (one verdict per
        jurisdiction: ``jurisdiction``, ``controlled`` True/False/None, ``category``, ``basis``
        listed/generic/precursor/none, ``instrument``, ``since``, ``explanation``, ``until``, ``entry``,
        ``rule``, ``atoms``, ``source``) and ``errors`` (a query that cannot be read has no verdicts).

    Examples
    --------
    >>> (r,) = explain_legal("mephedrone", jurisdictions="UN", as_of="2014-01-01")
    >>> r["identity"]["name"], r["legal"][0]["controlled"]
    ('Mephedrone', False)
    >>> explain_legal("mephedrone", jurisdictions="UN", as_of="2016-01-01")[0]["legal"][0]["category"]
    'Schedule II'
    """
    options = require_legal_options(as_of=as_of, jurisdictions=jurisdictions, rules=rules)
    items = [queries] if isinstance(queries, str) else list(queries)
    day = (options.as_of or datetime.date.today()).isoformat()
    # analogues=0: only the identity matters here; explain=True keeps the tautomer look-up of the identity
    results = identify_many(items, input_types=[input_type] * len(items), analogues=0, explain=True,
                            legal=options)
    out = []
    for r in results:
        identity = r.identity
        out.append({
            "query": r.query, "input_type": r.input_type,
            "identity": {k: identity[k] for k in ("id", "name", "match_level", "controlled_under")}
            if identity is not None else None,
            "structure": r.structure, "family": r.family, "as_of": day, "legal": r.legal, "errors": r.errors,
        })
    return out


def list_legal(jurisdiction: Codes = None, as_of: DateLike = None, *, rules: RulePaths = ()) -> list[dict[str, Any]]:
    """What is controlled on a date: every listing and generic definition in force, per jurisdiction.

    Listings include those that apply through another jurisdiction's instrument (the UN schedules in the
    EU, EU precursor categories in the Member States), dated as the engine dates them.

    Parameters
    ----------
    jurisdiction
        One code, a comma list or a list of codes; None lists every jurisdiction.
    as_of
        The date (``date`` or ``YYYY-MM-DD``); None means today.
    rules
        User rule files, as for :func:`require_legal_options`.

    Returns
    -------
    list[dict]
        One row per listing or generic definition: ``jurisdiction``, ``basis`` (listed, generic or
        precursor), ``substance_id`` and ``substance`` (None for a generic definition), ``instrument``,
        ``via`` (the instrument through which another's list applies, or None), ``category``, ``entry``,
        ``rule``, ``since``, ``since_bound``, ``until``, ``completeness`` and ``source``. Sorted by
        jurisdiction, basis, category and name.

    Examples
    --------
    >>> rows = list_legal("UN", "2016-01-01")
    >>> [r["category"] for r in rows if r["substance_id"] == "mephedrone"]
    ['Schedule II']
    >>> [r for r in list_legal("UN", "2014-01-01") if r["substance_id"] == "mephedrone"]
    []
    """
    from crystal_palace.chemistry.library import default_library

    options = require_legal_options(as_of=as_of, jurisdictions=jurisdiction, rules=rules)
    index = _index(options.rules)
    day = options.as_of or datetime.date.today()
    names = {e.id: e.name for e in default_library().entries}
    rows: list[dict[str, Any]] = []
    for code in options.jurisdictions or index.order:
        jx = index.jurisdictions[code]
        for basis, book in (("listed", jx.drug), ("precursor", jx.precursor)):
            for sid, entries in book.items():
                for e in entries:
                    if not e.applies(day):
                        continue
                    rows.append({
                        "jurisdiction": code, "basis": basis, "substance_id": sid, "substance": names.get(sid, sid),
                        "instrument": e.instrument.id, "via": e.via.id if e.via is not None else None,
                        "category": e.listing.category, "entry": e.listing.entry, "rule": None,
                        "since": e.since.isoformat(), "since_bound": e.since_bound,
                        "until": e.until.isoformat() if e.until else None, "completeness": None,
                        "source": e.listing.source,
                    })
        for rule in jx.rules:
            if rule.since <= day and (rule.until is None or day < rule.until):
                rows.append({
                    "jurisdiction": code, "basis": "generic", "substance_id": None, "substance": None,
                    "instrument": rule.instrument, "via": None, "category": rule.category, "entry": rule.core_text,
                    "rule": rule.id, "since": rule.since.isoformat(), "since_bound": "exact",
                    "until": rule.until.isoformat() if rule.until else None, "completeness": rule.completeness,
                    "source": rule.source,
                })
    order = {c: i for i, c in enumerate(index.order)}
    rows.sort(key=lambda r: (order[r["jurisdiction"]], _BASIS_ORDER[r["basis"]], r["instrument"], r["category"],
                             (r["substance"] or r["rule"] or "").lower()))
    return rows


def legal_jurisdictions(*, rules: RulePaths = ()) -> list[dict[str, Any]]:
    """The jurisdictions the engine answers for: coverage, instruments, and what applies through others.

    Returns
    -------
    list[dict]
        One object per jurisdiction, in the order of ``jurisdictions.yaml``: ``code``, ``name``,
        ``coverage`` (``complete``: a missing listing means not controlled; ``partial``: it means
        undecided), ``coverage_note``, ``checked``, ``instruments`` (``id``, ``short``, ``title``, ``kind``,
        ``in_force``, ``until``, ``categories``, ``source``), ``incorporates`` (``instrument``, ``via``,
        ``text``), ``generic_rules`` (ids) and ``listings`` (how many listed substances, any date).

    Examples
    --------
    >>> [j["code"] for j in legal_jurisdictions()][:3]
    ['UN', 'EU', 'DE']
    """
    index = _index(rules)
    out = []
    for code in index.order:
        jx = index.jurisdictions[code]
        j = jx.jurisdiction
        out.append({
            "code": j.code, "name": j.name, "coverage": j.coverage, "coverage_note": j.coverage_note,
            "checked": j.checked,
            "instruments": [{
                "id": i.id, "short": i.short, "title": i.title, "kind": i.kind, "in_force": i.in_force.isoformat(),
                "until": i.until.isoformat() if i.until else None, "categories": list(i.categories),
                "source": i.source,
            } for i in j.instruments],
            "incorporates": [{"instrument": inc.instrument, "via": inc.via, "text": inc.text}
                             for inc in j.incorporates],
            "generic_rules": [r.id for r in jx.rules],
            "listings": len(set(jx.drug) | set(jx.precursor)),
        })
    return out

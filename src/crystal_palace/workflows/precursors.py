"""Screen precursors: say whether a chemical, or each row of a manifest, is a scheduled, designer or pre-precursor.

Public functions (the CLI, the API and the web pages call only these)::

    screen_precursor("BMK methyl glycidate")["precursor"]["role"]          # 'scheduled'
    screen_precursor("CCCCCOC(=O)C1(C)OC1c1ccccc1")["precursor"]["paths"]  # -> BMK glycidic acid -> ...
    screen_manifest("manifest.xlsx", out="rows.csv", html="report.html")["totals"]
    precursor_routes()                                                    # the routes of the data

Scheduling comes from the legal listings (UN 1988 Tables I-II, EU categories) as of a date; roles,
routes and transformations from ``data/precursors`` (see :mod:`crystal_palace.precursors`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import InvalidInput

__all__ = ["screen_precursor", "screen_precursors", "screen_manifest", "precursor_routes", "precursor_summary"]


@dataclass(frozen=True)
class _Context:
    knowledge: Any
    assessor: Any
    resolver: Any


def require_date(value: datetime.date | str | None, field: str = "as_of") -> datetime.date | None:
    """A date from a ``datetime.date`` or ``YYYY-MM-DD`` text; raise naming the field when it is not one."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date YYYY-MM-DD", field=field) from None


def _require_steps(max_steps: int) -> int:
    if not isinstance(max_steps, int) or not 0 <= max_steps <= 4:
        raise InvalidInput(f"max_steps must be an integer from 0 to 4, not {max_steps!r}", field="max_steps")
    return max_steps


@lru_cache(maxsize=8)
def _context(as_of: datetime.date | None, max_steps: int) -> _Context:
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.precursors.assess import Assessor
    from crystal_palace.precursors.knowledge import default_knowledge
    from crystal_palace.precursors.resolve import Resolver

    knowledge, library = default_knowledge(), default_library()
    return _Context(knowledge, Assessor(knowledge, library, as_of=as_of, max_steps=max_steps),
                    Resolver(knowledge, library))


def precursor_summary(mol: Any, key: str, substance_id: str | None = None, *,
                      as_of: datetime.date | None = None) -> dict[str, Any]:
    """The ``precursor`` object of an identify verdict for a parent structure (cached per InChIKey).

    ``substance_id`` (identify's library match) is used only when it is exactly this structure; a
    stereoisomer match is left to the precursor rules, which take a stereoisomer for a scheduled
    precursor but not for a drug.
    """
    context = _context(as_of, 2)
    entry = context.assessor.library.by_id.get(substance_id) if substance_id else None
    if entry is not None and entry.inchikey != key:
        entry = None
    verdict: dict[str, Any] = context.assessor.assess(mol, key, entry).to_dict()
    return verdict


def screen_precursor(query: str, *, max_steps: int = 2, as_of: datetime.date | str | None = None,
                     record: str | None = None) -> dict[str, Any]:
    """The precursor verdict for one query (CAS number, name, SMILES, InChI, InChIKey or IUPAC name).

    Returns ``{"query", "identified_as", "substance_id", "inchikey", "smiles", "identified_by",
    "precursor": {"role", "category", "leads_to", "paths", "reason", ...}, "errors"}``. A query that
    cannot be read gets ``precursor: None`` and its reason in ``errors`` (it does not raise); a bad
    ``max_steps`` or ``as_of`` raises :class:`InvalidInput`.
    """
    return screen_precursors([query], max_steps=max_steps, as_of=as_of, records=[record])[0]


def screen_precursors(queries: Sequence[str], *, max_steps: int = 2, as_of: datetime.date | str | None = None,
                      records: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
    """:func:`screen_precursor` for each query, in order.

    Queries the precursor data resolves directly (CAS numbers, names, SMILES, InChI) are judged at
    once; the rest (InChIKeys, IUPAC names, unknown CAS numbers) go through ``identify`` in one batch,
    so that names needing OPSIN start one Java process, not one per query.
    """
    day = require_date(as_of)
    context = _context(day, _require_steps(max_steps))
    recs = list(records) if records is not None else [None] * len(queries)
    outs: list[dict[str, Any]] = []
    resolved: list[Any] = []
    pending: list[int] = []
    for i, (query, record) in enumerate(zip(queries, recs, strict=True)):
        out: dict[str, Any] = {"query": query, "identified_as": None, "substance_id": None, "inchikey": None,
                               "smiles": None, "identified_by": None, "precursor": None, "errors": []}
        outs.append(out)
        resolved.append(None)
        if not isinstance(query, str) or not query.strip():
            out["errors"].append({"record": record, "field": "query", "reason": "empty query"})
            continue
        try:
            resolved[i] = context.resolver.resolve(query, record)
        except InvalidInput as exc:
            out["errors"].append({"record": record, "field": exc.field, "reason": exc.reason})
            continue
        if resolved[i] is None:
            pending.append(i)
    if pending:
        _resolve_with_identify(context, [queries[i] for i in pending], [recs[i] for i in pending],
                               [outs[i] for i in pending], resolved, pending)
    for out, found in zip(outs, resolved, strict=True):
        if found is not None:
            _fill(context, out, found)
    return outs


def _resolve_with_identify(context: _Context, queries: list[str], records: list[str | None],
                           outs: list[dict[str, Any]], resolved: list[Any], positions: list[int]) -> None:
    from crystal_palace.precursors.resolve import Resolved
    from crystal_palace.workflows.identify import identify_many

    verdicts = identify_many(queries, analogues=0, explain=False, legal=False, precursor=False, records=records)
    for verdict, out, position in zip(verdicts, outs, positions, strict=True):
        if verdict.errors or verdict.mol is None or verdict.structure is None:
            out["errors"].extend(verdict.errors or [{"record": out.get("record"), "field": "query",
                                                     "reason": "not understood"}])
            continue
        removed = (verdict.standardization or {}).get("removed_fragments") or []
        if removed and verdict.mol.GetNumAtoms() and not any(a.GetAtomicNum() == 6 for a in verdict.mol.GetAtoms()):
            from rdkit import Chem

            whole = Chem.MolFromSmiles(".".join([Chem.MolToSmiles(verdict.mol), *removed]))
            resolved[position] = context.resolver.inorganic_salt(whole, verdict.input_type or "structure")
            continue
        key = verdict.structure["inchikey"]
        resolved[position] = Resolved(verdict.input_type or "structure", mol=verdict.mol, key=key,
                                      entry=context.assessor.entry_for(key))


def _fill(context: _Context, out: dict[str, Any], found: Any) -> None:
    from rdkit import Chem

    if found.reagent is not None:
        result = context.assessor.assess_reagent(found.reagent)
    elif found.salt is not None:
        result = context.assessor.assess_salt(found.salt)
    else:
        result = context.assessor.assess(found.mol, found.key, found.entry)
    out.update(identified_as=found.label, substance_id=found.entry.id if found.entry else None,
               inchikey=found.key if found.key and not found.key.startswith("salt:") else None,
               identified_by=found.how, precursor=result.to_dict(),
               smiles=Chem.MolToSmiles(found.mol) if found.mol is not None else found.salt)


def screen_manifest(source: str | Path | bytes, *, name: str | None = None, out: str | Path | None = None,
                    format: str | None = None, html: str | Path | None = None, sheet: str | None = None,
                    max_steps: int = 2, as_of: datetime.date | str | None = None,
                    iupac_names: bool = True) -> dict[str, Any]:
    """Screen every row of a manifest or chemical order (CSV, TSV or XLSX).

    Parameters
    ----------
    source
        A path, or the file's bytes (then ``name`` gives its file name, whose suffix decides the type).
    out, format
        Write the rows to ``out`` as ``csv`` or ``json`` (rows and totals); the format defaults from
        the suffix of ``out`` (``.json`` gives JSON, anything else CSV).
    html
        Also write a readable HTML report there.
    sheet
        The worksheet of an XLSX file (default: the first).
    max_steps, as_of
        Transformation steps searched per new structure (0-4), and the date of the scheduling.
    iupac_names
        Send product names unknown to the reference data to OPSIN (one batch; needs Java), so that
        "sodium chloride" or "2-methoxyethanol" are identified rather than ``unknown``.

    Returns
    -------
    dict
        ``{"source", "screened_at", "as_of", "max_steps", "columns", "rows": [...], "totals": {...}}``;
        each row has its ``risk`` (scheduled, designer, pre_precursor, drug, none, unknown), reason,
        target drugs, estimates and ``errors`` (a row that cannot be read keeps its place).

    Raises
    ------
    InvalidInput
        when the file cannot be read at all or has no product, CAS or structure column.
    """
    from crystal_palace import __version__
    from crystal_palace.precursors.manifest import ManifestScreen, RowResult, totals
    from crystal_palace.precursors.manifest_io import read_manifest
    from crystal_palace.precursors.report import render_html, result_json, rows_csv

    day = require_date(as_of)
    context = _context(day, _require_steps(max_steps))
    if format is not None and format not in ("csv", "json"):
        raise InvalidInput(f"format {format!r} must be csv or json", field="format")
    if isinstance(source, bytes):
        data, label = source, name or "manifest.csv"
    else:
        path = Path(source)
        data, label = path.read_bytes(), name or path.name
    table = read_manifest(data, label, sheet=sheet)
    screen = ManifestScreen(context.knowledge, context.assessor, context.resolver)
    unknown_names = [table.value(cells, "product") for _, cells in table.rows
                     if not table.value(cells, "structure")]
    opsin_note = context.resolver.parse_names(unknown_names) if iupac_names else None
    rows: list[RowResult] = []
    for line, cells in table.rows:
        try:
            rows.append(screen.screen_row(table, line, cells))
        except Exception as exc:  # noqa: BLE001 - a bug on one row must not stop the screen or lose the row
            broken = RowResult(row=line, fields={f: table.value(cells, f) for f in ("product", "cas", "cn_code",
                               "quantity", "unit", "consignor", "consignee", "structure")})
            broken.error("row", f"internal error while screening: {type(exc).__name__}: {exc}")
            rows.append(broken)
    result: dict[str, Any] = {
        "source": label, "screened_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "as_of": (day or datetime.date.today()).isoformat(), "max_steps": max_steps, "version": __version__,
        "columns": {f: table.header[i] for f, i in table.columns.items()}, "blank_rows": list(table.blank_rows),
        "rows": [r.to_dict() for r in rows], "totals": totals(rows), "notes": [opsin_note] if opsin_note else [],
    }
    if out is not None:
        chosen = format or ("json" if str(out).lower().endswith(".json") else "csv")
        Path(out).write_text(result_json(result) if chosen == "json" else rows_csv(result["rows"]), encoding="utf-8")
    if html is not None:
        Path(html).write_text(render_html(result), encoding="utf-8")
    return result


def precursor_routes() -> list[dict[str, Any]]:
    """The routes of the precursor data: from which chemical to which, how, with which assumed yield."""
    context = _context(None, 2)
    library = context.assessor.library
    return [{"from": library.by_id[r.source_id].name, "from_id": r.source_id, "to": library.by_id[r.target_id].name,
             "to_id": r.target_id, "method": r.method, "kind": r.kind, "assumed_yield": r.yield_, "source": r.source}
            for r in context.knowledge.routes]

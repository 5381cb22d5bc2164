"""Output rows of a screen: the full verdict as JSON lines, or a flat CSV row per record.

JSON lines keep every detail of a verdict (evidence, analogues, errors) and are what a program should
read. The CSV flattens the fields a chemist scans in a spreadsheet, and carries the input's own columns
through so that a row can be matched back to the lab's sample without joining on anything.

Formatting runs in the worker processes: the parent then only writes text in order, which keeps it
from becoming the bottleneck of a multi-core screen.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

OutputFormat = Literal["jsonl", "csv"]
FORMATS: tuple[OutputFormat, ...] = ("jsonl", "csv")

FLAT_FIELDS: tuple[str, ...] = (
    "row", "record", "query", "input_type", "smiles", "inchikey", "formula", "identity_id", "identity_name",
    "match_level", "controlled_under", "legal", "family", "family_evidence", "top_analogue", "top_analogue_similarity",
    "errors",
)
"""The verdict fields of a CSV row, before the carried-through input columns."""

_MAX_QUERY_CELL = 200


def csv_fieldnames(input_columns: Sequence[str]) -> list[str]:
    """The CSV header: the verdict fields, then the input columns (renamed ``input_*`` on a clash).

    >>> csv_fieldnames(["smiles", "sample"])[-2:]
    ['input_smiles', 'sample']
    """
    return [*FLAT_FIELDS, *(carried_name(c) for c in input_columns)]


def carried_name(column: str) -> str:
    """The output name of an input column: unchanged unless a verdict field has that name (in any case).

    >>> carried_name("SMILES"), carried_name("sample")
    ('input_SMILES', 'sample')
    """
    return f"input_{column}" if column.lower() in FLAT_FIELDS else column


def flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """One screen row (a verdict dict with ``row`` and ``input``) as a flat CSV row."""
    structure = row.get("structure") or {}
    identity = row.get("identity") or {}
    analogues = row.get("analogues") or []
    top = analogues[0] if analogues else {}
    query = row.get("query") or ""
    if row.get("input_type") == "mol" or "\n" in query or len(query) > _MAX_QUERY_CELL:
        query = f"<{row.get('input_type') or 'query'} of {len(query):,} characters: {row.get('record')}>"
    flat: dict[str, Any] = {
        "row": row.get("row"), "record": row.get("record"), "query": query,
        "input_type": row.get("input_type"), "smiles": structure.get("smiles"),
        "inchikey": structure.get("inchikey"), "formula": structure.get("formula"),
        "identity_id": identity.get("id"), "identity_name": identity.get("name"),
        "match_level": identity.get("match_level"),
        "controlled_under": "|".join(identity.get("controlled_under") or []),
        "legal": legal_cell(row.get("legal") or []),
        "family": row.get("family"), "family_evidence": row.get("family_evidence"),
        "top_analogue": top.get("name"), "top_analogue_similarity": top.get("similarity"),
        "errors": join_errors(row.get("errors") or []),
    }
    for column, value in (row.get("input") or {}).items():
        flat[carried_name(column)] = value
    return flat


def legal_cell(verdicts: Iterable[Mapping[str, Any]]) -> str:
    """Legal verdicts as one cell: ``CODE: status (basis, category)`` joined by ``; `` (empty when not asked).

    An undecided verdict says so: a spreadsheet reader must not take a blank for "not controlled".

    >>> legal_cell([{"jurisdiction": "UN", "controlled": True, "basis": "listed", "category": "Schedule II"},
    ...             {"jurisdiction": "PL", "controlled": None, "basis": "none"},
    ...             {"jurisdiction": "NL", "controlled": False, "basis": "none"}])
    'UN: controlled (listed, Schedule II); PL: undecided; NL: not controlled'
    """
    cells = []
    for v in verdicts:
        controlled = v.get("controlled")
        if controlled is None:
            cells.append(f"{v.get('jurisdiction')}: undecided")
        elif controlled:
            detail = ", ".join(str(x) for x in (v.get("basis"), v.get("category")) if x)
            cells.append(f"{v.get('jurisdiction')}: controlled ({detail})")
        else:
            cells.append(f"{v.get('jurisdiction')}: not controlled")
    return "; ".join(cells)


def join_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """Errors as one cell: ``field: reason`` joined by ``; ``.

    >>> join_errors([{"field": "smiles", "reason": "does not parse"}])
    'smiles: does not parse'
    """
    return "; ".join(f"{e.get('field') or 'query'}: {e.get('reason')}" for e in errors)


_JSON_LINE = json.JSONEncoder(ensure_ascii=False, default=str).encode
"""``json.dumps(row, ensure_ascii=False, default=str)`` without building an encoder for every row."""

try:  # orjson encodes a verdict about ten times faster (about 8 % of a screen's time with json)
    import orjson

    _ORJSON_OPTIONS: int | None = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
except ImportError:  # pragma: no cover - a core dependency; kept working without it
    _ORJSON_OPTIONS = None


def json_lines(rows: Iterable[Mapping[str, Any]]) -> str:
    r"""Rows as JSON lines (UTF-8 text, non-ASCII kept; anything JSON has no type for written as text).

    >>> json_lines([{"name": "α-PVP", "n": 1}, {"when": __import__("datetime").date(2024, 1, 2)}])
    '{"name":"α-PVP","n":1}\n{"when":"2024-01-02"}\n'
    """
    if _ORJSON_OPTIONS is not None:
        dumps, options = orjson.dumps, _ORJSON_OPTIONS
        return b"".join([dumps(r, default=str, option=options) for r in rows]).decode("utf-8")
    encode = _JSON_LINE
    return "".join([encode(r) + "\n" for r in rows])


def format_rows(rows: Iterable[Mapping[str, Any]], output: OutputFormat, fieldnames: Sequence[str]) -> str:
    """The text of several rows in ``output`` format (each row ends with a newline)."""
    if output == "jsonl":
        return json_lines(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fieldnames), extrasaction="ignore", lineterminator="\n")
    writer.writerows(flatten(r) for r in rows)
    return buffer.getvalue()


def format_header(output: OutputFormat, fieldnames: Sequence[str]) -> str:
    """The text that starts an output file (the CSV header; nothing for JSON lines)."""
    if output == "jsonl":
        return ""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fieldnames)
    return buffer.getvalue()

"""Mapping files: which source column fills which field of which record type.

A mapping is YAML (or a dict)::

    defaults:                    # fields every record gets unless a column fills them
      country: PL
      agency: CBSP
      handling_code: H2
    date_format: "%d.%m.%Y"      # optional; ISO 8601 otherwise (Excel dates are understood either way)
    list_separator: "|"          # for list fields (a JSON list is understood too)
    sheet: Seizures              # XLSX: the sheet to read (default: the first)
    records:
      seizures:
        columns:                 # source column -> field
          Nr sprawy: ref
          Data zatrzymania: seized_on
          Miejsce: place
      seizure_substances:
        columns:
          InChIKey: [inchikey, ref]  # one column may fill several fields
          Ilosc [g]: quantity
          Postac: form
        values:                      # translate the source's words into the model's
          form: {proszek: powder, tabletki: tablet}
        defaults: {unit: g}
        parents: {seizure_id: seizures}   # the id of the seizures record made from the same row

One row can so give several records (a seizure and its substance). Several columns mapped to ``ref``
are joined with ``/`` (a composite key), in the mapping's order. Without a ``ref`` (or ``id``) a
record's id comes from its content. Loading checks everything at once and raises
:class:`InvalidReferenceData` listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.store.model import TABLES


@dataclass(frozen=True)
class RecordMapping:
    """How one record type is filled from a row."""

    table: str
    columns: dict[str, tuple[str, ...]]
    """source column -> the fields it fills"""
    defaults: dict[str, Any] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    """field -> record type whose record from the same row it points to"""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """field -> {source value (case-insensitive): model value}"""

    def fields(self) -> set[str]:
        """Fields this mapping fills (from columns, defaults or parents)."""
        return {f for fs in self.columns.values() for f in fs} | set(self.defaults) | set(self.parents)


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file."""

    records: dict[str, RecordMapping]
    date_format: str | None = None
    list_separator: str = "|"
    sheet: str | int = 0
    origin: str = "mapping"

    @property
    def source_columns(self) -> set[str]:
        """Every source column some record type reads."""
        return {c for r in self.records.values() for c in r.columns}


def load_mapping(source: str | Path | MappingABC[str, Any]) -> Mapping:
    """A :class:`Mapping` from a YAML file or a dict; raises with every problem found."""
    origin = "mapping"
    if isinstance(source, (str, Path)):
        origin = str(source)
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InvalidReferenceData(origin, [(None, f"not valid YAML: {exc}")]) from None
    else:
        data = dict(source)
    problems: list[tuple[int | None, str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("records"), dict) or not data["records"]:
        raise InvalidReferenceData(origin, [(None, "a mapping needs a 'records' section naming record types")])
    unknown_keys = set(data) - {"defaults", "date_format", "list_separator", "sheet", "records"}
    if unknown_keys:
        problems.append((None, f"unknown keys {sorted(unknown_keys)}"))
    shared = dict(data.get("defaults") or {})
    records: dict[str, RecordMapping] = {}
    for table, spec in data["records"].items():
        if table not in TABLES:
            problems.append((None, f"unknown record type {table!r} (one of {', '.join(TABLES)})"))
            continue
        spec = spec or {}
        columns = {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
                   for k, v in (spec.get("columns") or {}).items()}
        values = {str(k): {str(a).strip().lower(): str(b) for a, b in (v or {}).items()}
                  for k, v in (spec.get("values") or {}).items()}
        defaults = {**shared, **(spec.get("defaults") or {})}
        parents = {str(k): str(v) for k, v in (spec.get("parents") or {}).items()}
        names = set(TABLES[table].column_names)
        for column, targets in columns.items():
            for target in targets:
                if target not in names:
                    problems.append((None, f"{table}: column {column!r} maps to unknown field {target!r}"))
        for name in values:
            if name not in names:
                problems.append((None, f"{table}: values given for unknown field {name!r}"))
        for name in set(defaults) - names:
            if name not in spec.get("defaults", {}):  # shared defaults may name fields other types lack
                continue
            problems.append((None, f"{table}: default for unknown field {name!r}"))
        for name, parent in parents.items():
            target_column = TABLES[table].column(name) if name in names else None
            if target_column is None or not target_column.references:
                problems.append((None, f"{table}: parent field {name!r} is not a reference"))
            elif parent not in data["records"]:
                problems.append((None, f"{table}: parent {parent!r} of {name!r} is not mapped in this file"))
        defaults = {k: v for k, v in defaults.items() if k in names}
        records[table] = RecordMapping(table, columns, defaults, parents, values)
    if problems:
        raise InvalidReferenceData(origin, problems)
    return Mapping(records=records, date_format=data.get("date_format"),
                   list_separator=str(data.get("list_separator", "|")), sheet=data.get("sheet", 0), origin=origin)


def identity_mapping(table: str, columns: list[str], defaults: MappingABC[str, Any] | None = None) -> Mapping:
    """A mapping for a file whose column names are the fields of ``table`` (e.g. a CSV export)."""
    names = set(TABLES[table].column_names)
    mapped: dict[str, tuple[str, ...]] = {c: (c,) for c in columns if c in names and c != "content_hash"}
    own = {k: v for k, v in (defaults or {}).items() if k in names and k not in mapped}
    return Mapping(records={table: RecordMapping(table, mapped, own)}, origin=f"columns of {table}")

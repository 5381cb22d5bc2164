"""Idempotent imports from CSV, XLSX, JSON and FollowTheMoney entity lines, with a mapping file.

An import reads the file, maps and converts every field (:mod:`crystal_palace.store.convert`), gives
each record its stable id (:mod:`crystal_palace.store.ids`) and writes everything in ONE transaction:

- ``mode="all-or-nothing"``: one bad value and nothing is stored; :class:`ImportRejected` carries the
  report of every problem (row, field, reason).
- ``mode="per-row"``: the good rows are stored and each bad row is reported (a row's records stand or
  fall together: a seizure is not stored without its substance).

Importing the same file twice adds nothing (same ids, same content: "unchanged"); a changed record is
updated. A process killed in the middle leaves no partial data, because nothing is committed before the
last table is written. Row numbers are what a user sees: the line of a CSV (header = 1), the row of a
sheet, the position of a JSON record (from 1), the line of a JSON-lines file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.backend import PREFIXES, Store, WriteReport
from crystal_palace.store.convert import converter
from crystal_palace.store.frames import record_frame
from crystal_palace.store.ftm import ACTOR_PROPERTIES, RELATIONSHIPS, entity_to_actor, entity_to_link
from crystal_palace.store.ids import record_ids
from crystal_palace.store.mapping import Mapping, identity_mapping, load_mapping
from crystal_palace.store.model import TABLES

ImportMode = Literal["all-or-nothing", "per-row"]
MODES: tuple[str, ...] = ("all-or-nothing", "per-row")
FORMATS = ("csv", "xlsx", "json", "jsonl", "ftm")
GENERATED = {"id", "created_at", "updated_at", "content_hash", "source"}


@dataclass(frozen=True)
class RowError:
    """One rejected value: the row (as the user numbers it), the field (and source column), why."""

    row: int
    field: str
    reason: str
    record_type: str = ""
    column: str | None = None
    file: str | None = None
    """The file of a folder import (None for a single file)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"row": self.row, "field": self.field, "reason": self.reason, "record_type": self.record_type,
                "column": self.column, "file": self.file}

    def __str__(self) -> str:
        where = f" (column {self.column!r})" if self.column else ""
        return f"{self.file + ', ' if self.file else ''}row {self.row}: {self.record_type}.{self.field}{where}: " \
               f"{self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows read, records per table, rejected rows, whether it was committed."""

    source: str
    sha256: str
    format: str
    mode: str
    rows: int = 0
    committed: bool = False
    write: WriteReport = field(default_factory=WriteReport)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        """The distinct rejected rows, in order (of all files, for a folder: see :attr:`rejected_count`)."""
        return sorted({e.row for e in self.rejected})

    @property
    def rejected_count(self) -> int:
        """How many rows were rejected (a row of each file counted once)."""
        return len({(e.file, e.row) for e in self.rejected})

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"source": self.source, "sha256": self.sha256, "format": self.format, "mode": self.mode,
                "rows": self.rows, "committed": self.committed, **self.write.to_dict(),
                "rejected_rows": self.rejected_count, "rejected": [e.to_dict() for e in self.rejected]}


class ImportRejected(InvalidInput):
    """An all-or-nothing import that stored nothing because some rows were bad; ``report`` lists them."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        first = report.rejected[0]
        more = report.rejected_count - 1
        super().__init__(f"{first}{f' (and {more} more rows)' if more > 0 else ''}; nothing was imported",
                         field=first.field, record=f"{first.file or Path(report.source).name}, row {first.row}")


def detect_format(path: Path) -> str:
    """The file's format from its name (``.ftm.json``/``.ftm.jsonl`` or a JSON-lines file of entities: FtM)."""
    name = path.name.lower()
    if name.endswith((".ftm.json", ".ftm.jsonl", ".ftm")):
        return "ftm"
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson"):
        return "ftm" if _looks_like_ftm(path) else "jsonl"
    if suffix == ".json":
        return "ftm" if _looks_like_ftm(path) else "json"
    raise InvalidInput(f"cannot tell the format of {path.name}: use .csv, .xlsx, .json, .jsonl or .ftm.json",
                       field="format", record=str(path))


def _looks_like_ftm(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        first = handle.readline().strip()
    try:
        entity = json.loads(first)
    except ValueError:
        return False
    return isinstance(entity, dict) and "schema" in entity and "properties" in entity


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (recorded in ``imports``)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_table(path: Path, fmt: str, sheet: str | int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A tabular file as strings (missing = empty) and the row number of each record."""
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=_delimiter(path))
        return frame, np.arange(len(frame)) + 2
    if fmt == "xlsx":
        frame = pd.read_excel(path, dtype=str, sheet_name=sheet, keep_default_na=False)
        return frame.fillna(""), np.arange(len(frame)) + 2
    if fmt in ("json", "jsonl"):
        records = _json_records(path, fmt)
        frame = pd.DataFrame([{k: _cell(v) for k, v in r.items()} for _, r in records]).fillna("")
        return frame.astype(str) if len(frame) else frame, np.array([n for n, _ in records], dtype=np.int64)
    raise InvalidInput(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})", field="format")


def _delimiter(path: Path) -> str:
    """The CSV delimiter, sniffed among comma, semicolon, tab and bar (comma when unsure)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_records(path: Path, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    if fmt == "jsonl":
        out = []
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except ValueError as exc:
                        raise InvalidInput(f"line {line_no} is not JSON: {exc}", field="file",
                                           record=path.name) from None
                    out.append((line_no, record))
        return out
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON: {exc}", field="file", record=path.name) from None
    if isinstance(data, dict):
        data = data.get("records")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InvalidInput("expected a JSON array of objects (or {\"records\": [...]})", field="file",
                           record=path.name)
    return list(enumerate(data, start=1))


# --- building records ----------------------------------------------------------------------------------------

@dataclass
class _Build:
    frames: dict[str, pd.DataFrame]
    row_of: dict[str, np.ndarray]  # per table: the source row number of each record
    errors: list[RowError]
    file_of: dict[str, str | None] = field(default_factory=dict)  # per table, in a folder import


def build_records(raw: pd.DataFrame, rows: np.ndarray, mapping: Mapping, *, source: str,
                  now: pd.Timestamp) -> _Build:
    """Typed record frames (ids and hashes included) from raw strings; every bad value as a RowError."""
    missing = sorted(mapping.source_columns - set(raw.columns))
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise InvalidInput(f"the file has no column{'s' if len(missing) > 1 else ''} {names} (mapping "
                           f"{mapping.origin}); its columns are {', '.join(map(str, raw.columns))}",
                           field=missing[0], record=source)
    frames: dict[str, pd.DataFrame] = {}
    row_of: dict[str, np.ndarray] = {}
    errors: list[RowError] = []
    ids_by_table: dict[str, np.ndarray] = {}
    keep_by_table: dict[str, np.ndarray] = {}
    n = len(raw)
    for table_name in TABLES:
        spec = mapping.records.get(table_name)
        if spec is None:
            continue
        table = TABLES[table_name]
        by_field: dict[str, list[str]] = {}
        for source_column, targets in spec.columns.items():
            for target in targets:
                by_field.setdefault(target, []).append(source_column)
        present = np.zeros(n, dtype=bool)
        for source_column in spec.columns:
            present |= (raw[source_column].astype(str).str.strip() != "").to_numpy()
        data: dict[str, Any] = {}
        for column in table.columns:
            sources = by_field.get(column.name)
            if sources:
                text = raw[sources[0]].astype(str)
                for extra in sources[1:]:
                    text = text.str.strip() + "/" + raw[extra].astype(str).str.strip()
            elif column.name in spec.defaults:
                text = pd.Series([str(spec.defaults[column.name])] * n, dtype=str)
            elif column.name in spec.parents:
                parent = spec.parents[column.name]
                data[column.name] = pd.array(ids_by_table[parent], dtype="str")
                missing_parent = present & ~keep_by_table[parent]
                for i in np.flatnonzero(missing_parent):
                    errors.append(RowError(int(rows[i]), column.name, f"the row has no {parent} record",
                                           table_name))
                continue
            else:
                continue
            translation = spec.values.get(column.name)
            if translation:
                folded = text.str.strip().str.lower()
                text = folded.map(translation).fillna(text)
            convert = converter(column, mapping.date_format, mapping.list_separator)
            values, reasons = convert(text.reset_index(drop=True))
            for i in np.flatnonzero((reasons != None) & present):  # noqa: E711
                errors.append(RowError(int(rows[i]), column.name, str(reasons[i]), table_name,
                                       ", ".join(sources) if sources else None))
            data[column.name] = values
        failed = {(e.row, e.field) for e in errors if e.record_type == table_name}
        for column in table.columns:
            if column.required and column.name not in GENERATED:
                value = data.get(column.name)
                empty = np.ones(n, dtype=bool) if value is None else pd.isna(pd.Series(value)).to_numpy()
                for i in np.flatnonzero(empty & present):
                    if (int(rows[i]), column.name) in failed:
                        continue
                    errors.append(RowError(int(rows[i]), column.name, "required but empty", table_name,
                                           ", ".join(by_field.get(column.name, [])) or None))
        data.setdefault("source", source)
        data.setdefault("created_at", np.full(n, now.to_datetime64()))
        data.setdefault("updated_at", data["created_at"])
        frame = record_frame(table_name, {**data, "id": np.full(n, "", dtype=object)})
        frame["id"] = pd.array(_ids(table_name, frame, data.get("id")), dtype="str")
        ids_by_table[table_name] = frame["id"].to_numpy(dtype=object)
        keep_by_table[table_name] = present
        frames[table_name] = frame[present].reset_index(drop=True)
        row_of[table_name] = rows[present]
    return _Build(frames, row_of, errors)


def _ids(table_name: str, frame: pd.DataFrame, given: Any) -> np.ndarray:
    """Given ids, else ids from (country, agency, ref), else from (country, agency, content hash)."""
    table = TABLES[table_name]
    country = frame["country"].fillna("").tolist()
    agency = frame["agency"].fillna("").tolist()
    ref = frame["ref"]
    content = "#" + frame["content_hash"]
    key = ref.where(ref.notna() & (ref != ""), content)
    ids = np.array(record_ids(table.prefix, country, agency, key.tolist()), dtype=object)
    if given is not None:
        given = pd.Series(given, dtype="str")
        ids = np.where(given.notna() & (given != ""), given.to_numpy(dtype=object), ids)
    return ids


# --- FollowTheMoney ------------------------------------------------------------------------------------------

def build_ftm(path: Path, defaults: MappingABC[str, Any], *, source: str, now: pd.Timestamp) -> tuple[_Build, int]:
    """Actor and link frames from FtM entity lines; the number of lines read."""
    errors: list[RowError] = []
    actors: list[dict[str, Any]] = []
    actor_rows: list[int] = []
    links: list[dict[str, Any]] = []
    link_rows: list[int] = []
    id_map: dict[str, str] = {}
    lines = 0
    entities = _json_records(path, "jsonl") if path.suffix.lower() != ".json" or _looks_like_ftm(path) else []
    for line_no, entity in entities:
        lines += 1
        schema = entity.get("schema")
        ftm_id = entity.get("id")
        if not ftm_id:
            errors.append(RowError(line_no, "id", "entity without an id", "actors"))
            continue
        block = entity.get("crystal_palace") or {}
        prov = {k: block.get(k, defaults.get(k)) for k in ("country", "agency", "handling_code")}
        prov["source"] = block.get("source", source)
        prov["ref"] = block.get("ref", str(ftm_id))
        stamp = {k: pd.Timestamp(block[k]) if block.get(k) else now for k in ("created_at", "updated_at")}
        if schema in ACTOR_PROPERTIES:
            record = {**entity_to_actor(entity), **prov, **stamp}
            kind = "actors"
        elif schema in RELATIONSHIPS:
            values, reason = entity_to_link(entity)
            if reason:
                errors.append(RowError(line_no, "properties", reason, "links"))
                continue
            record = {**values, **prov, **stamp}
            kind = "links"
        else:
            errors.append(RowError(line_no, "schema", f"schema {schema!r} is not one of "
                                   f"{', '.join([*ACTOR_PROPERTIES, *RELATIONSHIPS])}", "actors"))
            continue
        for name in ("country", "agency", "handling_code"):
            if not record.get(name):
                errors.append(RowError(line_no, name, "required but empty (give it in the mapping's defaults)",
                                       kind))
        prefix = TABLES[kind].prefix
        own = block and str(ftm_id).startswith(prefix + "-")  # a Crystal Palace export: keep its id
        record["id"] = str(ftm_id) if own else record_ids(prefix, [str(record.get("country") or "")],
                                                         [str(record.get("agency") or "")], [str(ftm_id)])[0]
        id_map[str(ftm_id)] = record["id"]
        (actors if kind == "actors" else links).append(record)
        (actor_rows if kind == "actors" else link_rows).append(line_no)
    for link in links:
        link["from_id"] = id_map.get(link["from_id"], link["from_id"])
        link["to_id"] = id_map.get(link["to_id"], link["to_id"])
    frames: dict[str, pd.DataFrame] = {}
    row_of: dict[str, np.ndarray] = {}
    for kind, records, numbers in (("actors", actors, actor_rows), ("links", links, link_rows)):
        if records:
            converted = _typed_ftm(kind, records, numbers, errors)
            frames[kind] = record_frame(kind, converted)
            row_of[kind] = np.array(numbers, dtype=np.int64)
    return _Build(frames, row_of, errors), lines


def _typed_ftm(kind: str, records: list[dict[str, Any]], rows: list[int], errors: list[RowError]) -> dict[str, Any]:
    """Columns for ``kind`` from FtM-derived dicts, checked like any other import."""
    table = TABLES[kind]
    data: dict[str, Any] = {}
    numbers = np.array(rows)
    for column in table.columns:
        if column.name == "content_hash":
            continue
        values = [r.get(column.name) for r in records]
        if column.type in ("text", "json") and column.name not in ("id",):
            raw = pd.Series(["" if v is None else str(v) for v in values], dtype=str)
            typed, reasons = converter(column, None, "|")(raw)
            for i in np.flatnonzero(reasons != None):  # noqa: E711
                errors.append(RowError(int(numbers[i]), column.name, str(reasons[i]), kind))
            data[column.name] = typed
        else:
            data[column.name] = values
    return data


# --- the import ----------------------------------------------------------------------------------------------

def import_file(store: Store, path: str | Path, mapping: str | Path | MappingABC[str, Any] | Mapping | None = None,
                *, mode: ImportMode = "all-or-nothing", record_type: str | None = None,
                defaults: MappingABC[str, Any] | None = None, fmt: str | None = None, actor: str = "crystal-palace",
                progress: Callable[[str, int], None] | None = None) -> ImportReport:
    """Import one file into ``store`` in one transaction; see the module docs.

    Parameters
    ----------
    mapping
        A mapping file or dict (:mod:`crystal_palace.store.mapping`). Without one, ``record_type`` names
        the table whose fields the file's columns are (a CSV export, say); FtM files need neither.
    defaults
        Field values for every record (country, agency, handling_code...), under the mapping's own.
    progress
        Called as ``progress(table, records)`` after each table is written, inside the transaction.
    """
    path = Path(path)
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    truth: dict[str, pd.DataFrame] = {}
    if path.is_dir():
        report, built, truth = _build_folder(path, mode, defaults, now)
    elif not path.is_file():
        raise InvalidInput("no such file", field="path", record=str(path))
    else:
        report, built = _build_file(path, mapping, mode, record_type, defaults, fmt, now)
    _check_references(store, built)
    report.rejected = sorted(built.errors, key=lambda e: (e.file or "", e.row, e.record_type, e.field))
    if report.rejected and mode == "all-or-nothing":
        raise ImportRejected(report)
    frames = {**_drop_rejected(built, report.rejected), **truth}
    with store.transaction():
        report.write = store.write_frames(frames, actor=actor, action="import", target=str(path), progress=progress)
        store.execute("INSERT INTO imports (id, imported_at, source, sha256, mode, rows, inserted, updated, unchanged, "
                      "rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (uuid.uuid4().hex,
                       now.to_pydatetime(), str(path), report.sha256, mode, report.rows,
                       report.write.total_inserted, sum(report.write.updated.values()),
                       sum(report.write.unchanged.values()), report.rejected_count))
    report.committed = True
    return report


def _build_folder(folder: Path, mode: str, defaults: MappingABC[str, Any] | None,
                  now: pd.Timestamp) -> tuple[ImportReport, _Build, dict[str, pd.DataFrame]]:
    """Every ``<table>.csv`` of a folder (a CSV export, the demo's files), parents first, as one import."""
    files = [(name, folder / f"{name}.csv") for name in (*TABLES, "truth_samples", "truth_actors")]
    files = [(name, file) for name, file in files if file.is_file()]
    if not any(name in TABLES for name, _ in files):
        raise InvalidInput(f"no <table>.csv file in the folder (tables: {', '.join(TABLES)})", field="path",
                           record=str(folder))
    digest = hashlib.sha256()
    built = _Build({}, {}, [])
    truth: dict[str, pd.DataFrame] = {}
    rows = 0
    for name, file in files:
        digest.update(file_sha256(file).encode())
        if name not in TABLES:
            truth[name] = pd.read_csv(file, dtype=str, keep_default_na=False).replace("", np.nan)
            continue
        mapping = identity_mapping(name, [str(c) for c in pd.read_csv(file, nrows=0).columns], defaults)
        raw, numbers = read_table(file, "csv")
        rows += len(raw)
        part = build_records(raw, numbers, mapping, source=file.name, now=now)
        built.frames.update(part.frames)
        built.row_of.update(part.row_of)
        built.file_of.update({table: file.name for table in part.frames})
        built.errors.extend(replace(e, file=file.name) for e in part.errors)
    report = ImportReport(source=str(folder), sha256=digest.hexdigest(), format="csv folder", mode=mode, rows=rows)
    return report, built, truth


def _build_file(path: Path, mapping: str | Path | MappingABC[str, Any] | Mapping | None, mode: str,
                record_type: str | None, defaults: MappingABC[str, Any] | None, fmt: str | None,
                now: pd.Timestamp) -> tuple[ImportReport, _Build]:
    fmt = fmt or detect_format(path)
    report = ImportReport(source=str(path), sha256=file_sha256(path), format=fmt, mode=mode)
    source = path.name
    if fmt == "ftm":
        shared = dict(defaults or {})
        if isinstance(mapping, Mapping):
            shared = {**shared, **{k: v for r in mapping.records.values() for k, v in r.defaults.items()}}
        elif mapping is not None:
            shared = {**shared, **_load_defaults_only(mapping)}
        built, report.rows = build_ftm(path, shared, source=source, now=now)
    else:
        the_mapping = _resolve_mapping(path, fmt, mapping, record_type, defaults)
        raw, rows = read_table(path, fmt, the_mapping.sheet)
        report.rows = len(raw)
        built = build_records(raw, rows, the_mapping, source=source, now=now)
    return report, built


def _load_defaults_only(mapping: str | Path | MappingABC[str, Any]) -> dict[str, Any]:
    """For FtM files a mapping only supplies defaults (country, agency, handling code)."""
    if isinstance(mapping, (str, Path)):
        import yaml

        data = yaml.safe_load(Path(mapping).read_text(encoding="utf-8")) or {}
    else:
        data = dict(mapping)
    return dict(data.get("defaults") or {})


def _resolve_mapping(path: Path, fmt: str, mapping: str | Path | MappingABC[str, Any] | Mapping | None,
                     record_type: str | None, defaults: MappingABC[str, Any] | None) -> Mapping:
    if mapping is not None:
        loaded = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
        if defaults:
            records = {k: replace(r, defaults={**{f: v for f, v in defaults.items()
                                                  if f in TABLES[k].column_names}, **r.defaults})
                       for k, r in loaded.records.items()}
            loaded = replace(loaded, records=records)
        return loaded
    if record_type is None:
        raise InvalidInput("give a mapping file (--mapping) or the record type the columns describe (--type)",
                           field="mapping", record=path.name)
    if record_type not in TABLES:
        raise InvalidInput(f"unknown record type {record_type!r} (one of {', '.join(TABLES)})", field="type")
    if fmt == "csv":
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", sep=_delimiter(path)).columns
    elif fmt == "xlsx":
        header = pd.read_excel(path, nrows=0).columns
    else:
        header = read_table(path, fmt)[0].columns
    return identity_mapping(record_type, [str(c) for c in header], defaults)


def _check_references(store: Store, built: _Build) -> None:
    """Every reference must point to a record of this import or of the store."""
    for table_name, frame in built.frames.items():
        for column in TABLES[table_name].columns:
            if not column.references or column.name not in frame:
                continue
            targets = [column.references] if column.references != "*" else list(TABLES)
            values = frame[column.name]
            wanted = set(values.dropna().tolist())
            if not wanted:
                continue
            known: set[str] = set()
            for target in targets:
                if target in built.frames:
                    known |= set(built.frames[target]["id"].tolist())
            unknown = sorted(wanted - known)
            if unknown:
                known |= _stored_ids(store, targets, unknown)
            bad = values.notna() & ~values.isin(known)
            for i in np.flatnonzero(bad.to_numpy()):
                what = column.references if column.references != "*" else "any"
                built.errors.append(RowError(int(built.row_of[table_name][i]), column.name,
                                             f"no {what} record with id {values.iloc[i]!r}", table_name))


def _stored_ids(store: Store, tables: list[str], ids: list[str]) -> set[str]:
    """Which of ``ids`` the store holds in ``tables`` (an id's prefix names its table when it can)."""
    found: set[str] = set()
    by_table: dict[str, list[str]] = {}
    for value in ids:
        table = PREFIXES.get(value.split("-", 1)[0])
        for name in [table] if table in tables else tables:
            by_table.setdefault(name, []).append(value)
    with store.transaction():
        for table, wanted in by_table.items():
            staged = store.stage("_wanted", pa.table({"id": pa.array(wanted, pa.string())}))
            found |= {r["id"] for r in store.query(
                f"SELECT t.id AS id FROM {table} t JOIN {staged} w ON t.id = w.id")}
            store.drop_stage(staged)
    return found


def _drop_rejected(built: _Build, rejected: list[RowError]) -> dict[str, pd.DataFrame]:
    """The frames without the records of rejected rows (a row's records stand or fall together)."""
    if not rejected:
        return built.frames
    out = {}
    for name, frame in built.frames.items():
        file = built.file_of.get(name)
        bad = np.array(sorted({e.row for e in rejected if e.file == file}), dtype=np.int64)
        out[name] = frame[~np.isin(built.row_of[name], bad)].reset_index(drop=True)
    return out

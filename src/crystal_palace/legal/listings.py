"""Load the jurisdictions (``data/legal/jurisdictions.yaml``) and the dated listings (``listings/*.csv``).

Both are data that users update without touching code (``--rules PATH``), so both are checked whole
before anything is used: a file that breaks the schema raises :class:`InvalidReferenceData` with every
problem and its line (unknown substance id, bad date, unknown instrument or jurisdiction, category
not in the instrument's lists, ``until`` before ``since``, a duplicate row). Nothing half-loads.

Listing CSV columns (order free; header on line 1)::

    substance_id, instrument, category, since, until, entry, source     required
    since_bound   exact | lower | upper (default exact; see crystal_palace.legal.model)
    clauses       "|"-separated names of the instrument's clauses through which the entry reaches this library
                  substance (e.g. ``esters`` for 6-monoacetylmorphine under a morphine entry); empty when the
                  substance is what the entry names
    jurisdiction  optional; when given it must be the instrument's jurisdiction

``substance_id`` must be an ``id`` of the reference library; ``instrument`` an id from
jurisdictions.yaml. The packaged file ``listings/<CODE>.csv`` may only list instruments of ``CODE``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.legal.model import (
    CLAUSE_NAMES,
    COVERAGES,
    INSTRUMENT_KINDS,
    SINCE_BOUNDS,
    Incorporation,
    Instrument,
    Jurisdiction,
    Listing,
)

REQUIRED_COLUMNS = ("substance_id", "instrument", "category", "since", "until", "entry", "source")
OPTIONAL_COLUMNS = ("since_bound", "clauses", "jurisdiction")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[A-Z]{2,8}$")
_INSTRUMENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
Problems = list[tuple[int | None, str]]


def legal_data_dir() -> Path:
    """The packaged ``data/legal`` folder."""
    return Path(str(resources.files("crystal_palace") / "data" / "legal"))


def packaged_listing_files() -> list[Path]:
    """The packaged listing CSVs, one per jurisdiction, in a stable order."""
    folder = legal_data_dir() / "listings"
    return sorted(p for p in folder.iterdir() if p.suffix == ".csv") if folder.is_dir() else []


# -- jurisdictions.yaml ---------------------------------------------------------------------------

#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]  # a variable base
    """SafeLoader that remembers the line of every mapping, so problems can name it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = cast(dict[str, Any], loader.construct_mapping(node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    """A date, or the raw text when it is not a valid date (so that the check can name it)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return str(loader.construct_scalar(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _as_date(value: object) -> datetime.date | None:
    """A YAML date (PyYAML gives ``datetime.date``) or an ISO string; None when it is neither."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _text(mapping: Mapping[str, Any], key: str, line: int, problems: Problems, *, required: bool = True) -> str:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append((line, f"{key!r} is missing or empty"))
        return ""
    if not isinstance(value, str | int | float):
        problems.append((line, f"{key!r} must be text"))
        return ""
    return " ".join(str(value).split())


def _parse_instrument(raw: Mapping[str, Any], code: str, problems: Problems) -> Instrument | None:
    line = int(raw.get("__line__", 0)) or None
    where = line if line is not None else 0
    before = len(problems)
    iid = _text(raw, "id", where, problems)
    if iid and not _INSTRUMENT_ID.match(iid):
        problems.append((line, f"instrument id {iid!r} must match {_INSTRUMENT_ID.pattern}"))
    kind = _text(raw, "kind", where, problems)
    if kind and kind not in INSTRUMENT_KINDS:
        problems.append((line, f"instrument {iid}: kind {kind!r} must be one of {sorted(INSTRUMENT_KINDS)}"))
    in_force = _as_date(raw.get("in_force"))
    if in_force is None:
        problems.append((line, f"instrument {iid}: in_force must be a date YYYY-MM-DD, not {raw.get('in_force')!r}"))
    adopted = _as_date(raw.get("adopted")) if raw.get("adopted") is not None else None
    if raw.get("adopted") is not None and adopted is None:
        problems.append((line, f"instrument {iid}: adopted must be a date YYYY-MM-DD"))
    until = _as_date(raw.get("until")) if raw.get("until") is not None else None
    if raw.get("until") is not None and until is None:
        problems.append((line, f"instrument {iid}: until must be a date YYYY-MM-DD"))
    if until is not None and in_force is not None and until <= in_force:
        problems.append((line, f"instrument {iid}: until {until} is not after in_force {in_force}"))
    categories = raw.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(c, str) and c.strip() for c in categories):
        problems.append((line, f"instrument {iid}: categories must be a list of names"))
        categories = []
    clauses_raw = raw.get("clauses") or {}
    clauses: dict[str, str] = {}
    if not isinstance(clauses_raw, dict):
        problems.append((line, f"instrument {iid}: clauses must map a clause name to its text"))
    else:
        for name, text in clauses_raw.items():
            if name == "__line__":
                continue
            if name not in CLAUSE_NAMES:
                problems.append((line, f"instrument {iid}: clause {name!r} is not one of {list(CLAUSE_NAMES)}"))
            elif not isinstance(text, str) or not text.strip():
                problems.append((line, f"instrument {iid}: clause {name!r} needs its text"))
            else:
                clauses[name] = " ".join(text.split())
    excluded = raw.get("not_for_listed_in") or []
    if not isinstance(excluded, list) or not all(isinstance(x, str) for x in excluded):
        problems.append((line, f"instrument {iid}: not_for_listed_in must be a list of instrument ids"))
        excluded = []
    title = _text(raw, "title", where, problems)
    short = _text(raw, "short", where, problems)
    source = _text(raw, "source", where, problems)
    note = _text(raw, "note", where, problems, required=False)
    if len(problems) > before or in_force is None:
        return None
    return Instrument(
        id=iid, jurisdiction=code, title=title, short=short, kind=cast(Any, kind), in_force=in_force,
        source=source, adopted=adopted, until=until, categories=tuple(c.strip() for c in categories),
        clauses=clauses, not_for_listed_in=tuple(excluded), note=note,
    )


def parse_jurisdictions(text: str, origin: str) -> dict[str, Jurisdiction]:
    """Validate a jurisdictions YAML text and return its jurisdictions by code; raise with every problem."""
    problems: Problems = []
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidReferenceData(origin, [(mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("jurisdictions"), list):
        raise InvalidReferenceData(origin, [(1, "expected a mapping with a 'jurisdictions' list")])
    result: dict[str, Jurisdiction] = {}
    instrument_owner: dict[str, str] = {}
    pending_incorporations: list[tuple[str, int | None, Incorporation]] = []
    for raw in doc["jurisdictions"]:
        if not isinstance(raw, dict):
            problems.append((None, "every jurisdiction must be a mapping"))
            continue
        line = int(raw.get("__line__", 0)) or None
        where = line or 0
        code = _text(raw, "code", where, problems)
        if code and not _CODE.match(code):
            problems.append((line, f"jurisdiction code {code!r} must be 2-8 capital letters"))
        if code in result:
            problems.append((line, f"jurisdiction {code!r} is defined twice"))
        coverage = _text(raw, "coverage", where, problems)
        if coverage and coverage not in COVERAGES:
            problems.append((line, f"{code}: coverage {coverage!r} must be one of {sorted(COVERAGES)}"))
        instruments: list[Instrument] = []
        for raw_instrument in raw.get("instruments") or []:
            if not isinstance(raw_instrument, dict):
                problems.append((line, f"{code}: every instrument must be a mapping"))
                continue
            instrument = _parse_instrument(raw_instrument, code, problems)
            if instrument is None:
                continue
            if instrument.id in instrument_owner:
                problems.append((int(raw_instrument.get("__line__", 0)) or None,
                                 f"instrument id {instrument.id!r} is used twice"))
                continue
            instrument_owner[instrument.id] = code
            instruments.append(instrument)
        if not instruments:
            problems.append((line, f"{code}: a jurisdiction needs at least one instrument"))
        for raw_inc in raw.get("incorporates") or []:
            if not isinstance(raw_inc, dict):
                problems.append((line, f"{code}: every incorporation must be a mapping"))
                continue
            inc_line = int(raw_inc.get("__line__", 0)) or None
            via = _text(raw_inc, "via", inc_line or 0, problems, required=False)
            inc = Incorporation(instrument=_text(raw_inc, "instrument", inc_line or 0, problems), via=via or None,
                                text=_text(raw_inc, "text", inc_line or 0, problems))
            pending_incorporations.append((code, inc_line, inc))
        name = _text(raw, "name", where, problems)
        note = _text(raw, "coverage_note", where, problems)
        checked = _text(raw, "checked", where, problems)
        if code and coverage in COVERAGES:
            result[code] = Jurisdiction(code=code, name=name, coverage=cast(Any, coverage), coverage_note=note,
                                        checked=checked, instruments=tuple(instruments))
    by_code: dict[str, list[Incorporation]] = {}
    for code, line, inc in pending_incorporations:
        if instrument_owner.get(inc.instrument) in (None, code):
            problems.append((line, f"{code}: incorporates unknown or own instrument {inc.instrument!r}"))
        elif inc.via is not None and instrument_owner.get(inc.via) != code:
            problems.append((line, f"{code}: 'via' {inc.via!r} must be an instrument of {code}"))
        else:
            by_code.setdefault(code, []).append(inc)
    for code, incs in by_code.items():
        if code in result:
            j = result[code]
            result[code] = Jurisdiction(code=j.code, name=j.name, coverage=j.coverage, coverage_note=j.coverage_note,
                                        checked=j.checked, instruments=j.instruments, incorporates=tuple(incs))
    for j in result.values():
        for instrument in j.instruments:
            for other in instrument.not_for_listed_in:
                if other not in instrument_owner:
                    problems.append((None, f"{instrument.id}: not_for_listed_in names unknown instrument {other!r}"))
    if problems:
        raise InvalidReferenceData(origin, problems)
    return result


@lru_cache(maxsize=1)
def load_jurisdictions(path: str | None = None) -> dict[str, Jurisdiction]:
    """The jurisdictions by code: the packaged ``jurisdictions.yaml``, or the file at ``path``."""
    file = Path(path) if path is not None else legal_data_dir() / "jurisdictions.yaml"
    return parse_jurisdictions(_read(file), str(file))


def instruments_by_id(jurisdictions: Mapping[str, Jurisdiction]) -> dict[str, Instrument]:
    """Every instrument of every jurisdiction, by id."""
    return {i.id: i for j in jurisdictions.values() for i in j.instruments}


# -- listings CSV ---------------------------------------------------------------------------------

def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidReferenceData(str(path), [(None, "file not found")]) from exc
    except UnicodeDecodeError as exc:
        raise InvalidReferenceData(str(path), [(None, f"not UTF-8 text: {exc}")]) from exc


def _date_field(row: Mapping[str, str], key: str, line: int, problems: Problems) -> datetime.date | None:
    value = (row.get(key) or "").strip()
    if not _DATE.match(value):
        problems.append((line, f"{key} {value!r} is not a date YYYY-MM-DD"))
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        problems.append((line, f"{key} {value!r} is not a valid date"))
        return None


def parse_listings(text: str, origin: str, *, substance_ids: Iterable[str],
                   jurisdictions: Mapping[str, Jurisdiction], only_jurisdiction: str | None = None) -> list[Listing]:
    """Validate the rows of one listing CSV and return them; raise with every problem found.

    Parameters
    ----------
    text, origin
        The file's content and its name (for messages).
    substance_ids
        The library ids a row may name.
    jurisdictions
        The known jurisdictions and their instruments.
    only_jurisdiction
        When given, every row must belong to this jurisdiction (the packaged ``<CODE>.csv`` files).
    """
    known_ids = set(substance_ids)
    instruments = instruments_by_id(jurisdictions)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        reasons = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + \
                  ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        raise InvalidReferenceData(origin, [(1, "; ".join(reasons) + f" (required: {', '.join(REQUIRED_COLUMNS)})")])
    reader.fieldnames = header
    problems: Problems = []
    listings: list[Listing] = []
    seen: dict[tuple[str, str, str, datetime.date], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            problems.append((line, "wrong number of fields"))
            continue
        before = len(problems)
        sid = row["substance_id"].strip()
        if sid not in known_ids:
            problems.append((line, f"unknown substance id {sid!r} (not in the reference library)"))
        iid = row["instrument"].strip()
        instrument = instruments.get(iid)
        if instrument is None:
            problems.append((line, f"unknown instrument {iid!r} (not in jurisdictions.yaml)"))
        code = (row.get("jurisdiction") or "").strip()
        if code and code not in jurisdictions:
            problems.append((line, f"unknown jurisdiction {code!r}"))
        elif code and instrument is not None and instrument.jurisdiction != code:
            problems.append((line, f"instrument {iid!r} belongs to {instrument.jurisdiction}, not {code}"))
        if only_jurisdiction is not None and instrument is not None and instrument.jurisdiction != only_jurisdiction:
            problems.append((line, f"instrument {iid!r} belongs to {instrument.jurisdiction}; "
                                   f"this file lists {only_jurisdiction} only"))
        category = " ".join(row["category"].split())
        if not category:
            problems.append((line, "category is empty"))
        elif instrument is not None and instrument.categories and category not in instrument.categories:
            problems.append((line, f"category {category!r} is not a list of {iid} "
                                   f"({', '.join(instrument.categories)})"))
        since = _date_field(row, "since", line, problems)
        until = _date_field(row, "until", line, problems) if row["until"].strip() else None
        if since is not None and until is not None and until <= since:
            problems.append((line, f"until {until} is not after since {since}"))
        bound = (row.get("since_bound") or "").strip() or "exact"
        if bound not in SINCE_BOUNDS:
            problems.append((line, f"since_bound {bound!r} must be one of {sorted(SINCE_BOUNDS)}"))
        clauses = tuple(c.strip() for c in (row.get("clauses") or "").split("|") if c.strip())
        for clause in clauses:
            if clause not in CLAUSE_NAMES:
                problems.append((line, f"clause {clause!r} is not one of {list(CLAUSE_NAMES)}"))
            elif instrument is not None and clause not in instrument.clauses:
                problems.append((line, f"clause {clause!r} is not a clause of {iid}"))
        entry, source = " ".join(row["entry"].split()), " ".join(row["source"].split())
        if not entry:
            problems.append((line, "entry is empty (give the entry as written in the instrument)"))
        if not source:
            problems.append((line, "source is empty"))
        if since is not None and instrument is not None and since < instrument.in_force and bound != "upper":
            problems.append((line, f"since {since} is before {iid} was in force ({instrument.in_force})"))
        if len(problems) > before or since is None or instrument is None:
            continue
        key = (sid, iid, category, since)
        if key in seen:
            problems.append((line, f"duplicate of line {seen[key]} ({sid}, {iid}, {category}, {since})"))
            continue
        seen[key] = line
        listings.append(Listing(
            substance_id=sid, jurisdiction=instrument.jurisdiction, instrument=iid, category=category, since=since,
            entry=entry, source=source, since_bound=cast(Any, bound), until=until, clauses=clauses,
            origin=origin, line=line,
        ))
    _check_overlaps(listings, problems)
    if problems:
        raise InvalidReferenceData(origin, problems)
    return listings


def _check_overlaps(listings: Sequence[Listing], problems: Problems) -> None:
    """Two rows for one substance, instrument and category must not be in force at the same time."""
    groups: dict[tuple[str, str, str], list[Listing]] = {}
    for listing in listings:
        groups.setdefault((listing.substance_id, listing.instrument, listing.category), []).append(listing)
    for group in groups.values():
        ordered = sorted(group, key=lambda x: x.since)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.until is None or a.until > b.since:
                problems.append((b.line, f"overlaps line {a.line}: {b.substance_id} in {b.instrument} "
                                         f"{b.category} is already listed from {a.since}"))


def load_listings(paths: Sequence[str | Path] | None = None) -> list[Listing]:
    """Load listing CSVs: the packaged ones (``paths=None``) or exactly the files given.

    Substance ids are checked against the packaged reference library, instruments against the packaged
    jurisdictions. A packaged file named ``<CODE>.csv`` may only list instruments of ``CODE``.

    Raises
    ------
    InvalidReferenceData
        naming the file, and each bad line with its reason.
    """
    from crystal_palace.chemistry.library import default_library

    jurisdictions = load_jurisdictions()
    ids = default_library().by_id.keys()
    files = packaged_listing_files() if paths is None else [Path(p) for p in paths]
    listings: list[Listing] = []
    for file in files:
        only: str | None = None
        if paths is None:
            only = file.stem
            if only not in jurisdictions:
                raise InvalidReferenceData(str(file), [(None, f"unknown jurisdiction {only!r} (file name)")])
        listings.extend(parse_listings(_read(file), str(file), substance_ids=ids, jurisdictions=jurisdictions,
                                       only_jurisdiction=only))
    return listings

"""Load the precursor knowledge: transformations, routes, CN codes and roles, reagents, designer names.

All of it is data under ``crystal_palace/data/precursors`` (each entry with its source), checked whole
before use: a file that breaks its schema raises :class:`InvalidReferenceData` with every problem and
its line, so a user's updated list cannot half-load. Whether a substance is a *scheduled* precursor is
not repeated here: it comes from the legal listings (UN 1988 Tables, EU categories), see
:func:`scheduled_listings`.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from rdkit import Chem
from rdkit.Chem import rdChemReactions

from crystal_palace.chemistry.cas import require_valid_cas
from crystal_palace.chemistry.rdkit_typed import quiet_rdkit
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData

Role = Literal["scheduled", "designer", "pre_precursor", "none"]
ROLES: tuple[str, ...] = ("scheduled", "designer", "pre_precursor", "none")
KINDS = ("precursor", "reagent", "solvent")
PRECURSOR_INSTRUMENTS = ("un-1988", "eu-reg-273-2004")
"""The instruments whose listings make a substance a scheduled precursor (UN 1988 Tables, EU categories)."""
DRUG_CODES_PREFIXES = ("UN1961", "UN1971", "EU-NPS", "DE-", "PL", "IT", "NL", "UK")
"""Library control codes that make an entry a controlled drug here (precursor codes and non-European
national codes such as ``CN`` do not: caffeine is a cutting agent in Europe)."""

Problems = list[tuple[int | None, str]]


def data_dir() -> Path:
    """The packaged ``data/precursors`` folder."""
    return Path(str(resources.files("crystal_palace") / "data" / "precursors"))


@dataclass(frozen=True)
class Transformation:
    """One named step as a reaction SMARTS, and what it means for the role of what it starts from."""

    id: str
    name: str
    smarts: str
    kind: Literal["unmasking", "conversion"]
    easy: bool
    all_sites: bool
    yield_: float
    source: str
    reaction: rdChemReactions.ChemicalReaction = field(repr=False, compare=False)

    @property
    def unmasking(self) -> bool:
        """True when a path of such steps makes its start a designer precursor."""
        return self.kind == "unmasking" or self.easy


@dataclass(frozen=True)
class Route:
    """One edge from a chemical to a precursor or drug (library ids), as clandestine labs run it."""

    source_id: str
    target_id: str
    method: str
    kind: Literal["synthesis", "reagent"]
    yield_: float | None
    source: str


@dataclass(frozen=True)
class SubstanceFacts:
    """What the precursor data says about one library substance besides its scheduling."""

    substance_id: str
    cn_code: str
    density_g_ml: float | None
    role: str
    kind: str
    target: bool
    note: str
    source: str


@dataclass(frozen=True)
class Reagent:
    """An inorganic reagent that has no structure in the library: recognised by CAS number and name."""

    name: str
    synonyms: tuple[str, ...]
    cas: str
    cn_code: str
    role: str
    leads_to: tuple[str, ...]
    note: str
    source: str


@dataclass(frozen=True)
class NamedStructure:
    """A designer precursor known by name (and maybe CAS) whose structure is not in the library."""

    name: str
    synonyms: tuple[str, ...]
    cas: str
    smiles: str
    note: str
    source: str


@dataclass(frozen=True)
class Knowledge:
    """Everything the precursor engine and the manifest screen read from data, validated."""

    transformations: tuple[Transformation, ...]
    routes: tuple[Route, ...]
    facts: dict[str, SubstanceFacts]
    reagents: tuple[Reagent, ...]
    named: tuple[NamedStructure, ...]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidReferenceData(str(path), [(None, "file not found")]) from exc
    except UnicodeDecodeError as exc:
        raise InvalidReferenceData(str(path), [(None, f"not UTF-8 text: {exc}")]) from exc


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidReferenceData(str(path), [(mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from exc


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_read(path)))
    if tuple(reader.fieldnames or ()) != columns:
        raise InvalidReferenceData(str(path), [(1, f"header must be {','.join(columns)}; found {reader.fieldnames}")])
    rows: list[tuple[int, dict[str, str]]] = []
    problems: Problems = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            problems.append((reader.line_num, "wrong number of fields"))
            continue
        rows.append((reader.line_num, {k: v.strip() for k, v in row.items()}))
    if problems:
        raise InvalidReferenceData(str(path), problems)
    return rows


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split("|") if v.strip())


def parse_transformations(doc: Any, origin: str) -> tuple[Transformation, ...]:
    """Validate the transformations document; raise with every problem found."""
    if not isinstance(doc, dict) or not isinstance(doc.get("transformations"), list):
        raise InvalidReferenceData(origin, [(1, "expected a mapping with a 'transformations' list")])
    problems: Problems = []
    found: list[Transformation] = []
    seen: set[str] = set()
    for n, raw in enumerate(doc["transformations"], start=1):
        where = f"transformation {n}"
        if not isinstance(raw, dict):
            problems.append((None, f"{where}: must be a mapping"))
            continue
        missing = [k for k in ("id", "name", "smarts", "kind", "yield", "source") if not raw.get(k)]
        if missing:
            problems.append((None, f"{where} ({raw.get('id')}): missing {', '.join(missing)}"))
            continue
        tid = str(raw["id"])
        if tid in seen:
            problems.append((None, f"{where}: id {tid!r} is used twice"))
        seen.add(tid)
        if raw["kind"] not in ("unmasking", "conversion"):
            problems.append((None, f"{tid}: kind {raw['kind']!r} must be unmasking or conversion"))
            continue
        value = raw["yield"]
        if not isinstance(value, int | float) or not 0 < value <= 1:
            problems.append((None, f"{tid}: yield {value!r} must be a number in (0, 1]"))
            continue
        with quiet_rdkit():
            try:
                reaction = rdChemReactions.ReactionFromSmarts(str(raw["smarts"]))
                reaction.Initialize()
                ok = reaction.GetNumReactantTemplates() == 1 and reaction.GetNumProductTemplates() == 1
            except ValueError:
                ok = False
        if not ok:
            problems.append((None, f"{tid}: smarts {raw['smarts']!r} is not a one-reactant, one-product "
                                   "reaction SMARTS"))
            continue
        found.append(Transformation(
            id=tid, name=str(raw["name"]), smarts=str(raw["smarts"]), kind=raw["kind"], easy=bool(raw.get("easy")),
            all_sites=bool(raw.get("all_sites")), yield_=float(value), source=str(raw["source"]), reaction=reaction))
    if problems:
        raise InvalidReferenceData(origin, problems)
    return tuple(found)


def parse_routes(doc: Any, origin: str, substance_ids: Iterable[str]) -> tuple[Route, ...]:
    """Validate the routes document against the library ids; raise with every problem found."""
    if not isinstance(doc, dict) or not isinstance(doc.get("routes"), list):
        raise InvalidReferenceData(origin, [(1, "expected a mapping with a 'routes' list")])
    ids = set(substance_ids)
    problems: Problems = []
    routes: list[Route] = []
    seen: set[tuple[str, str]] = set()
    for n, raw in enumerate(doc["routes"], start=1):
        if not isinstance(raw, dict):
            problems.append((None, f"route {n}: must be a mapping"))
            continue
        where = f"route {n} ({raw.get('from')} -> {raw.get('to')})"
        missing = [k for k in ("from", "to", "method", "kind", "source") if not raw.get(k)]
        if missing:
            problems.append((None, f"{where}: missing {', '.join(missing)}"))
            continue
        for end in ("from", "to"):
            if raw[end] not in ids:
                problems.append((None, f"{where}: {end} {raw[end]!r} is not an id of the reference library"))
        kind = raw["kind"]
        value = raw.get("yield")
        if kind == "synthesis" and (not isinstance(value, int | float) or not 0 < value <= 1):
            problems.append((None, f"{where}: a synthesis route needs a yield in (0, 1]"))
        elif kind == "reagent" and value is not None:
            problems.append((None, f"{where}: a reagent route has no yield"))
        elif kind not in ("synthesis", "reagent"):
            problems.append((None, f"{where}: kind {kind!r} must be synthesis or reagent"))
        key = (str(raw["from"]), str(raw["to"]))
        if key in seen:
            problems.append((None, f"{where}: duplicate route"))
        seen.add(key)
        routes.append(Route(source_id=key[0], target_id=key[1], method=str(raw["method"]), kind=kind,
                            yield_=float(value) if isinstance(value, int | float) else None,
                            source=str(raw["source"])))
    if problems:
        raise InvalidReferenceData(origin, problems)
    return tuple(routes)


FACT_COLUMNS = ("substance_id", "cn_code", "density_g_ml", "role", "kind", "target", "note", "source")
REAGENT_COLUMNS = ("name", "synonyms", "cas", "cn_code", "role", "leads_to", "note", "source")
NAMED_COLUMNS = ("name", "synonyms", "cas", "smiles", "note", "source")


def parse_facts(path: Path, substance_ids: Iterable[str]) -> dict[str, SubstanceFacts]:
    """Validate ``precursors.csv`` (CN codes, densities, roles of non-scheduled chemicals)."""
    ids = set(substance_ids)
    problems: Problems = []
    facts: dict[str, SubstanceFacts] = {}
    for line, row in _csv_rows(path, FACT_COLUMNS):
        sid = row["substance_id"]
        if sid not in ids:
            problems.append((line, f"unknown substance id {sid!r} (not in the reference library)"))
        if sid in facts:
            problems.append((line, f"substance {sid!r} is listed twice"))
        if row["cn_code"] and not (row["cn_code"].isdigit() and len(row["cn_code"]) == 8):
            problems.append((line, f"cn_code {row['cn_code']!r} must be 8 digits"))
        density: float | None = None
        if row["density_g_ml"]:
            try:
                density = float(row["density_g_ml"])
            except ValueError:
                problems.append((line, f"density_g_ml {row['density_g_ml']!r} is not a number"))
        if row["role"] not in ("", "designer", "pre_precursor"):
            problems.append((line, f"role {row['role']!r} must be empty (scheduling comes from the legal listings), "
                                   "designer or pre_precursor"))
        if row["kind"] not in KINDS:
            problems.append((line, f"kind {row['kind']!r} must be one of {', '.join(KINDS)}"))
        if row["target"] not in ("yes", "no"):
            problems.append((line, f"target {row['target']!r} must be yes or no"))
        if not row["source"]:
            problems.append((line, "source is empty"))
        facts[sid] = SubstanceFacts(substance_id=sid, cn_code=row["cn_code"], density_g_ml=density, role=row["role"],
                                    kind=row["kind"], target=row["target"] == "yes", note=row["note"],
                                    source=row["source"])
    if problems:
        raise InvalidReferenceData(str(path), problems)
    return facts


def parse_reagents(path: Path, substance_ids: Iterable[str]) -> tuple[Reagent, ...]:
    """Validate ``reagents.csv`` (inorganic reagents recognised by CAS number and name)."""
    ids = set(substance_ids)
    problems: Problems = []
    found: list[Reagent] = []
    for line, row in _csv_rows(path, REAGENT_COLUMNS):
        try:
            cas = require_valid_cas(row["cas"], record=row["name"])
        except InvalidInput as exc:
            problems.append((line, exc.reason))
            continue
        leads_to = _split(row["leads_to"])
        problems.extend((line, f"leads_to {t!r} is not an id of the reference library")
                        for t in leads_to if t not in ids)
        if row["role"] not in ("designer", "pre_precursor"):
            problems.append((line, f"role {row['role']!r} must be designer or pre_precursor"))
        if not row["name"] or not row["source"]:
            problems.append((line, "name and source are required"))
        found.append(Reagent(name=row["name"], synonyms=_split(row["synonyms"]), cas=cas, cn_code=row["cn_code"],
                             role=row["role"], leads_to=leads_to, note=row["note"], source=row["source"]))
    if problems:
        raise InvalidReferenceData(str(path), problems)
    return tuple(found)


def parse_named(path: Path) -> tuple[NamedStructure, ...]:
    """Validate ``designer.csv`` (designer precursors known by name, with their structure)."""
    problems: Problems = []
    found: list[NamedStructure] = []
    for line, row in _csv_rows(path, NAMED_COLUMNS):
        cas = ""
        if row["cas"]:
            try:
                cas = require_valid_cas(row["cas"], record=row["name"])
            except InvalidInput as exc:
                problems.append((line, exc.reason))
        with quiet_rdkit():
            if Chem.MolFromSmiles(row["smiles"]) is None:
                problems.append((line, f"smiles {row['smiles']!r} does not parse"))
        if not row["name"] or not row["source"]:
            problems.append((line, "name and source are required"))
        found.append(NamedStructure(name=row["name"], synonyms=_split(row["synonyms"]), cas=cas,
                                    smiles=row["smiles"], note=row["note"], source=row["source"]))
    if problems:
        raise InvalidReferenceData(str(path), problems)
    return tuple(found)


def load_knowledge(folder: Path | None = None) -> Knowledge:
    """Load and check every precursor data file of ``folder`` (default: the packaged one)."""
    from crystal_palace.chemistry.library import default_library

    base = folder or data_dir()
    ids = default_library().by_id.keys()
    transformations_file, routes_file = base / "transformations.yaml", base / "routes.yaml"
    return Knowledge(
        transformations=parse_transformations(_yaml(transformations_file), str(transformations_file)),
        routes=parse_routes(_yaml(routes_file), str(routes_file), ids),
        facts=parse_facts(base / "precursors.csv", ids),
        reagents=parse_reagents(base / "reagents.csv", ids),
        named=parse_named(base / "designer.csv"),
    )


@lru_cache(maxsize=1)
def default_knowledge() -> Knowledge:
    """The packaged precursor knowledge, loaded once per process."""
    return load_knowledge()


@dataclass(frozen=True)
class ScheduledListing:
    """A precursor listing of a substance in force on the date asked (from the legal listings)."""

    instrument: str
    category: str
    entry: str
    since: str
    source: str

    @property
    def label(self) -> str:
        """``UN 1988 Table I`` or ``EU Category 1``: how customs officers name a listing."""
        prefix = "UN 1988" if self.instrument == "un-1988" else "EU"
        return f"{prefix} {self.category}"


@lru_cache(maxsize=1)
def _precursor_listings() -> dict[str, tuple[Any, ...]]:
    from crystal_palace.legal.listings import load_listings

    by_id: dict[str, list[Any]] = {}
    for listing in load_listings():
        if listing.instrument in PRECURSOR_INSTRUMENTS:
            by_id.setdefault(listing.substance_id, []).append(listing)
    return {k: tuple(v) for k, v in by_id.items()}


def scheduled_listings(substance_id: str, as_of: datetime.date | None = None) -> list[ScheduledListing]:
    """The UN 1988 and EU precursor listings of a library substance in force on ``as_of`` (default today)."""
    day = as_of or datetime.date.today()
    found = []
    for listing in _precursor_listings().get(substance_id, ()):
        if listing.since <= day and (listing.until is None or day < listing.until):
            found.append(ScheduledListing(instrument=listing.instrument, category=listing.category,
                                          entry=listing.entry, since=listing.since.isoformat(), source=listing.source))
    return sorted(found, key=lambda s: (s.instrument != "un-1988", s.category))


def scheduled_ids(as_of: datetime.date | None = None) -> dict[str, list[ScheduledListing]]:
    """Every library substance that is a scheduled precursor on ``as_of``, with its listings."""
    out = {}
    for sid in _precursor_listings():
        found = scheduled_listings(sid, as_of)
        if found:
            out[sid] = found
    return out


def is_controlled_drug(controlled_under: Iterable[str]) -> bool:
    """True when a library entry's control codes make it a controlled drug in Europe or under the UN."""
    return any(code.startswith(DRUG_CODES_PREFIXES) for code in controlled_under)

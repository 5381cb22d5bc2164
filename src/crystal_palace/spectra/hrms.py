"""LC-HRMS suspect screening: accurate precursor m/z against the reference library, fragments checked.

Each substance of the reference library (:func:`crystal_palace.chemistry.library.default_library`,
or any :class:`~crystal_palace.chemistry.library.Library`) has a monoisotopic mass computed from its
structure with RDKit; each adduct of ``data/spectra/adducts.csv`` turns it into an expected m/z. A
feature matches a suspect when its m/z is within ``ppm`` of one of those. When the feature has MS/MS
fragments, each fragment is checked for a sub-formula of the protonated (or adduct) formula that
explains it within the tolerance; a suspect that explains most fragments ranks first. When an MS/MS
library is given, the feature's fragments are also scored (entropy similarity) against that
library's spectra of the same InChIKey.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import InvalidInput, InvalidReferenceData

ELECTRON = 0.00054858
ISOTOPE_MASS = {"C": 12.0, "H": 1.00782503207, "N": 14.0030740048, "O": 15.99491461956, "S": 31.97207100,
                "P": 30.97376163, "F": 18.99840322, "Cl": 34.96885268, "Br": 78.9183371, "I": 126.904473,
                "Si": 27.9769265325, "Na": 22.9897692809, "K": 38.96370668, "B": 11.0093054, "Se": 79.9165213}
_FORMULA = re.compile(r"([A-Z][a-z]?)(\d*)")
_ADDUCT_ATOMS = {"[M+H]+": {"H": 1}, "[M+Na]+": {"Na": 1}, "[M+NH4]+": {"N": 1, "H": 4}, "[M+K]+": {"K": 1},
                 "[M+2H]2+": {"H": 2}, "[M+H-H2O]+": {"H": -1, "O": -1}, "[M-H]-": {"H": -1},
                 "[M+Cl]-": {"Cl": 1}, "[M+HCOO]-": {"C": 1, "H": 1, "O": 2},
                 "[M+CH3COO]-": {"C": 2, "H": 3, "O": 2}, "[M-H-H2O]-": {"H": -3, "O": -1}, "[M]+": {}}


@dataclass(frozen=True)
class Adduct:
    """An ion form: m/z = (mass * multiplier + shift) / charge."""

    name: str
    ion_mode: str
    charge: int
    multiplier: float
    shift: float

    def mz(self, mass: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The ion's m/z for neutral monoisotopic mass(es)."""
        return (np.asarray(mass, dtype=np.float64) * self.multiplier + self.shift) / self.charge


@lru_cache(maxsize=1)
def load_adducts() -> dict[str, Adduct]:
    """The packaged adduct table, by name (``[M+H]+`` ...)."""
    where = "data/spectra/adducts.csv"
    text = (resources.files("crystal_palace") / "data" / "spectra" / "adducts.csv").read_text(encoding="utf-8")
    found: dict[str, Adduct] = {}
    problems: list[tuple[int | None, str]] = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            found[row["adduct"]] = Adduct(row["adduct"], row["ion_mode"], int(row["charge"]),
                                          float(row["mass_multiplier"]), float(row["mass_shift"]))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append((line, f"{type(exc).__name__}: {exc}"))
    if problems:
        raise InvalidReferenceData(where, problems)
    return found


DEFAULT_ADDUCTS = {"positive": ("[M+H]+", "[M+Na]+", "[M+NH4]+"), "negative": ("[M-H]-", "[M+Cl]-", "[M+HCOO]-")}


def require_adducts(names: Sequence[str] | None, ion_mode: str) -> list[Adduct]:
    """The adducts to try: ``names`` (each checked) or the defaults of the ion mode."""
    table = load_adducts()
    if ion_mode not in DEFAULT_ADDUCTS:
        raise InvalidInput(f"ion mode {ion_mode!r}; use positive or negative", field="ion_mode")
    chosen = list(names) if names else list(DEFAULT_ADDUCTS[ion_mode])
    unknown = [n for n in chosen if n not in table]
    if unknown:
        raise InvalidInput(f"unknown adduct {unknown[0]!r}; known: {', '.join(table)}", field="adducts")
    return [table[n] for n in chosen]


def parse_formula(formula: str) -> dict[str, int]:
    """Element counts of a plain formula (``C22H28N2O``); charges and isotopes are not accepted."""
    counts: dict[str, int] = {}
    if not formula or _FORMULA.sub("", formula):
        raise InvalidInput(f"{formula!r} is not a plain molecular formula", field="formula")
    for element, n in _FORMULA.findall(formula):
        if element not in ISOTOPE_MASS:
            raise InvalidInput(f"element {element!r} has no monoisotopic mass here", field="formula")
        counts[element] = counts.get(element, 0) + (int(n) if n else 1)
    return counts


def formula_mass(counts: dict[str, int]) -> float:
    """Monoisotopic mass of element counts."""
    return sum(ISOTOPE_MASS[e] * n for e, n in counts.items())


def explain_fragment(ion_mz: float, parent: dict[str, int], *, ppm: float = 10.0, min_tolerance: float = 0.002,
                     charge_sign: int = 1) -> dict[str, int] | None:
    """A sub-formula of ``parent`` whose singly charged ion has m/z ``ion_mz`` (None when none fits).

    Heteroatoms are enumerated within the parent's counts, carbon within its count, and hydrogen is
    solved for; the formula with the smallest error wins. Good enough to check that a fragment can
    come from a suspect, not to annotate unknowns.
    """
    target = ion_mz + charge_sign * ELECTRON
    tolerance = max(ion_mz * ppm * 1e-6, min_tolerance)
    hetero = [e for e in parent if e not in ("C", "H") and parent[e] > 0]
    best: tuple[float, dict[str, int]] | None = None
    ranges = [range(parent[e] + 1) for e in hetero]
    for combo in np.ndindex(*[len(r) for r in ranges]) if ranges else [()]:
        base = sum(ISOTOPE_MASS[e] * k for e, k in zip(hetero, combo, strict=True))
        for c in range(parent.get("C", 0) + 1):
            rest = target - base - 12.0 * c
            h = int(round(rest / ISOTOPE_MASS["H"]))
            if h < 0 or h > parent.get("H", 0):
                continue
            error = abs(rest - h * ISOTOPE_MASS["H"])
            if error <= tolerance and (best is None or error < best[0]):
                formula = {"C": c, "H": h, **{e: k for e, k in zip(hetero, combo, strict=True)}}
                best = (error, {e: k for e, k in formula.items() if k})
    return None if best is None else best[1]


def formula_text(counts: dict[str, int]) -> str:
    """Hill-order formula text."""
    first = ["C", "H"] if "C" in counts else []
    order = first + sorted(e for e in counts if e not in first)
    return "".join(f"{e}{counts[e] if counts[e] != 1 else ''}" for e in order if counts.get(e))


@dataclass(frozen=True)
class Suspect:
    """A reference substance with its monoisotopic mass and formula."""

    id: str
    name: str
    inchikey: str
    smiles: str
    family: str
    formula: str
    mass: float


@lru_cache(maxsize=2)
def _suspects_of(library_id: int) -> tuple[tuple[Suspect, ...], npt.NDArray[np.float64]]:
    from rdkit.Chem import rdMolDescriptors

    from crystal_palace.chemistry.library import default_library

    lib = default_library() if library_id == 0 else _LIBRARIES[library_id]
    found = (Suspect(e.id, e.name, e.inchikey, e.smiles, e.family, rdMolDescriptors.CalcMolFormula(e.mol),
                     float(rdMolDescriptors.CalcExactMolWt(e.mol))) for e in lib.entries)
    suspects = tuple(sorted(found, key=lambda s: s.mass))
    return suspects, np.array([s.mass for s in suspects])


_LIBRARIES: dict[int, Any] = {}


def suspects(library: Any = None) -> tuple[tuple[Suspect, ...], npt.NDArray[np.float64]]:
    """The suspects (sorted by mass) and their masses, for the default or a given chemistry library."""
    if library is None:
        return _suspects_of(0)
    _LIBRARIES[id(library)] = library
    return _suspects_of(id(library))


@dataclass
class Feature:
    """One LC-HRMS feature: precursor m/z, optional retention time and MS/MS fragments."""

    mz: float
    record: str
    retention_time: float | None = None
    fragments: list[float] = field(default_factory=list)
    intensities: list[float] = field(default_factory=list)


def screen_features(features: Sequence[Feature], *, ppm: float = 5.0, ion_mode: str = "positive",
                    adducts: Sequence[str] | None = None, fragment_ppm: float = 10.0, library: Any = None,
                    msms_library: Any = None) -> list[dict[str, Any]]:
    """Candidates per feature, best first: accurate-mass matches with fragment evidence (see module docstring)."""
    if ppm <= 0 or ppm > 100:
        raise InvalidInput(f"ppm is {ppm}; use a value in (0, 100]", field="ppm")
    forms = require_adducts(adducts, ion_mode)
    found_suspects, masses = suspects(library)
    sign = 1 if ion_mode == "positive" else -1
    results = []
    for feature in features:
        if not np.isfinite(feature.mz) or feature.mz <= 0:
            raise InvalidInput(f"m/z {feature.mz} is not a positive number", field="mz", record=feature.record)
        candidates = []
        for form in forms:
            # invert m/z = (M*mult + shift)/charge to the neutral mass window
            neutral = (feature.mz * form.charge - form.shift) / form.multiplier
            width = neutral * ppm * 1e-6
            lo, hi = np.searchsorted(masses, [neutral - width, neutral + width])
            for j in range(int(lo), int(hi)):
                s = found_suspects[j]
                theoretical = float(form.mz(s.mass))
                error = (feature.mz - theoretical) / theoretical * 1e6
                if abs(error) > ppm:
                    continue
                entry: dict[str, Any] = {"id": s.id, "name": s.name, "inchikey": s.inchikey, "smiles": s.smiles,
                                         "family": s.family, "formula": s.formula, "adduct": form.name,
                                         "theoretical_mz": round(theoretical, 5), "ppm_error": round(error, 2)}
                if feature.fragments:
                    entry.update(_fragment_evidence(feature, s, form.name, fragment_ppm, sign))
                if feature.fragments and msms_library is not None:
                    entry["library_similarity"] = _library_similarity(feature, s.inchikey, msms_library)
                candidates.append(entry)
        candidates.sort(key=lambda c: (-c.get("fragments_explained", 0), abs(c["ppm_error"]), c["name"]))
        results.append({"query": feature.record, "mz": feature.mz, "retention_time": feature.retention_time,
                        "candidates": candidates})
    return results


def _fragment_evidence(feature: Feature, suspect: Suspect, adduct: str, fragment_ppm: float,
                       sign: int) -> dict[str, Any]:
    parent = parse_formula(suspect.formula)
    for element, n in _ADDUCT_ATOMS.get(adduct, {}).items():
        parent[element] = parent.get(element, 0) + n
    parent = {e: n for e, n in parent.items() if n > 0}
    explained = []
    for mz in feature.fragments:
        formula = explain_fragment(mz, parent, ppm=fragment_ppm, charge_sign=sign)
        explained.append({"mz": mz, "formula": formula_text(formula) if formula else None})
    n = sum(1 for e in explained if e["formula"])
    return {"fragments_explained": n, "fragments_total": len(explained), "fragments": explained}


def _library_similarity(feature: Feature, inchikey: str, msms_library: Any) -> float | None:
    from ms_entropy import calculate_entropy_similarity

    keys = msms_library.records.column("inchikey").to_pylist()
    best: float | None = None
    heights = feature.intensities or [1.0] * len(feature.fragments)
    query = np.column_stack([feature.fragments, heights]).astype(np.float32)
    for i, key in enumerate(keys):
        if key and key[:14] == inchikey[:14]:
            ref = msms_library.spectrum(i)
            peaks = np.column_stack([ref.mz, ref.intensities]).astype(np.float32)
            score = float(calculate_entropy_similarity(query, peaks, ms2_tolerance_in_da=0.02))
            best = score if best is None else max(best, score)
    return None if best is None else round(best, 4)

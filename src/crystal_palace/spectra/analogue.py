"""For an EI spectrum of a compound in no library: its likely family, and where its scaffold was changed.

*Family hint.* The top hits of an identity search are the nearest known compounds; their structures,
classified with :func:`crystal_palace.chemistry.classify.classify`, vote for a family, each vote
weighted by the hit's match factor. A new fentanyl is not in the library, but its nearest spectra are
fentanyls.

*Modified site.* Each scaffold in ``data/spectra/ei_scaffold_fragments.yaml`` lists its EI fragment
ions and the regions (sites) each contains. A hypothesis "site X carries a modification of mass d"
predicts the query's spectrum: ions containing X appear at ``m/z + d``, the others stay. Every site
and every shift from -80 to +150 Da is tried; the hypothesis whose predicted ions the query shows most
strongly (weighted sum of square-rooted relative intensities, each query peak explaining at most one
ion, so that a shift that lands one ion on another is not counted twice) is the estimate, reported with the
runner-up so a chemist sees how clear it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.spectra.model import Spectrum
from crystal_palace.spectra.weighting import unit_bins

SHIFTS = range(-80, 151)


@dataclass(frozen=True)
class FragmentIon:
    """One scaffold ion: nominal m/z, the sites it contains, and its weight in the estimate."""

    mz: int
    sites: frozenset[str]
    weight: float


@dataclass(frozen=True)
class Scaffold:
    """A family's scaffold with its named sites and fragment ions."""

    family: str
    name: str
    smiles: str
    sites: dict[str, str]
    ions: tuple[FragmentIon, ...]
    source: str


@lru_cache(maxsize=4)
def load_scaffolds(path: str | None = None) -> dict[str, Scaffold]:
    """Scaffolds by family from the packaged file (or ``path``); every problem reported with its entry."""
    if path is None:
        text = (resources.files("crystal_palace") / "data" / "spectra" / "ei_scaffold_fragments.yaml").read_text(
            encoding="utf-8")
        where = "data/spectra/ei_scaffold_fragments.yaml"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), path
    raw = yaml.safe_load(text) or {}
    problems: list[tuple[int | None, str]] = []
    found: dict[str, Scaffold] = {}
    for n, entry in enumerate(raw.get("scaffolds") or [], start=1):
        try:
            sites = {str(k): str(v) for k, v in entry["sites"].items()}
            ions = tuple(FragmentIon(int(i["mz"]), frozenset(str(s) for s in i["sites"]), float(i["weight"]))
                         for i in entry["ions"])
            unknown = {s for i in ions for s in i.sites} - set(sites)
            if unknown:
                problems.append((None, f"scaffold #{n}: ions name undefined sites {sorted(unknown)}"))
                continue
            found[str(entry["family"])] = Scaffold(str(entry["family"]), str(entry["scaffold"]), str(entry["smiles"]),
                                                   sites, ions, str(entry.get("source", "")))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append((None, f"scaffold #{n}: {type(exc).__name__}: {exc}"))
    if problems:
        raise InvalidReferenceData(where, problems)
    return found


@dataclass(frozen=True)
class FamilyHint:
    """The family most of the nearest hits belong to, and how much of the hits' weight agrees."""

    family: str
    support: float
    votes: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"family": self.family, "support": round(self.support, 3),
                "votes": {k: round(v, 3) for k, v in self.votes.items()}}


def family_hint(hits: Sequence[tuple[str | None, float]], *, min_score: float = 0.0) -> FamilyHint | None:
    """Score-weighted vote of the hits' families (``(family, score)`` pairs; None or "none" do not vote)."""
    votes: dict[str, float] = {}
    for family, score in hits:
        if family and family != "none" and score >= min_score:
            votes[family] = votes.get(family, 0.0) + float(score)
    if not votes:
        return None
    best = max(sorted(votes), key=lambda f: votes[f])
    return FamilyHint(best, votes[best] / sum(votes.values()), dict(sorted(votes.items(), key=lambda kv: -kv[1])))


@dataclass(frozen=True)
class SiteEstimate:
    """The most likely modified site of the scaffold, the mass shift, and the evidence."""

    scaffold: str
    site: str
    description: str
    shift: int
    score: float
    runner_up: tuple[str, int, float] | None
    ions: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"scaffold": self.scaffold, "site": self.site, "description": self.description, "shift": self.shift,
                "score": round(self.score, 3),
                "runner_up": None if self.runner_up is None else
                {"site": self.runner_up[0], "shift": self.runner_up[1], "score": round(self.runner_up[2], 3)},
                "ions": self.ions}


def _explained(scaffold: Scaffold, site: str, shift: int, level: Callable[[int], float]) -> float:
    """Weighted intensity at the predicted ion positions; one query peak explains at most one ion."""
    weight_at: dict[int, float] = {}
    for ion in scaffold.ions:
        mz = ion.mz + shift if site in ion.sites else ion.mz
        weight_at[mz] = max(weight_at.get(mz, 0.0), ion.weight)
    return sum(w * level(mz) for mz, w in weight_at.items())


def estimate_site(query: Spectrum, family: str, *, scaffolds: dict[str, Scaffold] | None = None
                  ) -> SiteEstimate | None:
    """Where the query's compound most likely differs from its family's scaffold (None: no scaffold known)."""
    table = scaffolds if scaffolds is not None else load_scaffolds()
    scaffold = table.get(family)
    if scaffold is None:
        return None
    bins, values = unit_bins(query.mz, query.intensities)
    size = int(bins.max()) + 200 if bins.size else 1000
    dense = np.zeros(size + max(i.mz for i in scaffold.ions) + 1, dtype=np.float64)
    dense[bins.astype(np.int64)] = np.sqrt(values / 999.0)

    def level(mz: int) -> float:
        return float(dense[mz]) if 0 <= mz < dense.size else 0.0

    results: list[tuple[float, str, int]] = []
    for site in sorted(scaffold.sites):
        best: tuple[float, int] | None = None
        for shift in SHIFTS:
            if shift == 0:
                continue
            score = _explained(scaffold, site, shift, level)
            if best is None or score > best[0] + 1e-12:
                best = (score, shift)
        if best is not None:
            results.append((best[0], site, best[1]))
    results.sort(key=lambda r: (-r[0], abs(r[2]), r[1]))
    top_score, site, shift = results[0]
    total = sum(ion.weight for ion in scaffold.ions)
    runner = next(((s, d, sc / total) for sc, s, d in results[1:]), None)
    ions = [{"mz": ion.mz, "sites": sorted(ion.sites), "expected": ion.mz + shift if site in ion.sites else ion.mz,
             "level": round(level(ion.mz + shift if site in ion.sites else ion.mz) ** 2, 3)} for ion in scaffold.ions]
    return SiteEstimate(scaffold.name, site, scaffold.sites[site], shift, top_score / total, runner, ions)

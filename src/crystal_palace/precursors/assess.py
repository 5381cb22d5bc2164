"""The precursor verdict for one substance: its role, category, the drugs it leads to and the paths why.

Roles, in the order they are decided:

``scheduled``      a listing of the UN 1988 Tables or the EU categories is in force (legal listings);
``pre_precursor``  / ``designer`` when the precursor data says so for a chemical that is not scheduled
                   (GBL, benzaldehyde, P2NP ...);
``none``           (with ``drug: true``) for a controlled drug: the legal verdict covers it;
``designer``       a path of unmasking steps (hydrolysis, decarboxylation, deprotection ...) reaches a
                   scheduled precursor or a drug;
``pre_precursor``  a path that needs an ordinary synthesis step reaches one, or a route of the data
                   starts from it;
``none``           otherwise.

``leads_to`` follows the routes of the data from every target reached (and from the substance itself)
to the controlled drugs at their end, with the product of the assumed yields, which the manifest
screen turns into an estimate of the drug a quantity could make.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from rdkit import Chem

from crystal_palace.chemistry.library import Library, Substance
from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.precursors.engine import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TIME_LIMIT_S,
    Path,
    PathFinder,
    Search,
    distinct_targets,
    has_stereo,
)
from crystal_palace.precursors.knowledge import Knowledge, Reagent, Route, ScheduledListing, is_controlled_drug
from crystal_palace.precursors.lru import LRUCache

NOT_SCHEDULED = "not scheduled (UN 1988 Tables I-II, EU categories 1-4)"
MAX_ROUTE_DEPTH = 6
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Lead:
    """A drug a substance leads to, how, and the product of the molar yields assumed on the way."""

    drug: Substance
    via: tuple[str, ...]  # readable steps, e.g. "ester hydrolysis", "1-Phenyl-2-propanone", ...
    yield_: float | None  # None: the substance is a reagent or solvent of the route, not a building block

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"drug": self.drug.name, "drug_id": self.drug.id, "via": list(self.via),
                "assumed_yield": round(self.yield_, 4) if self.yield_ is not None else None}


@dataclass
class PrecursorVerdict:
    """What the precursor screen says about one substance."""

    role: str
    category: str
    reason: str
    substance: Substance | None = None
    listings: list[ScheduledListing] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    drug: bool = False
    kind: str = ""
    cn_code: str = ""
    truncated: bool = False
    name: str | None = None

    @property
    def leads_to(self) -> list[str]:
        """Names of the drugs it leads to, each once, in order."""
        return list(dict.fromkeys(lead.drug.name for lead in self.leads))

    def to_dict(self) -> dict[str, Any]:
        """The ``precursor`` object of the identify contract, with the evidence behind it."""
        return {
            "role": self.role, "category": self.category, "leads_to": self.leads_to,
            "paths": [p.to_dict() for p in self.paths], "reason": self.reason, "drug": self.drug,
            "substance_id": self.substance.id if self.substance else None,
            "substance": self.substance.name if self.substance else self.name,
            "listings": [{"instrument": s.instrument, "category": s.category, "label": s.label, "entry": s.entry,
                          "since": s.since, "source": s.source} for s in self.listings],
            "leads": [lead.to_dict() for lead in self.leads], "kind": self.kind, "cn_code": self.cn_code,
            "truncated": self.truncated,
        }


class Assessor:
    """Decides precursor verdicts, caching them per InChIKey (a manifest repeats the same chemicals)."""

    def __init__(self, knowledge: Knowledge, library: Library, *, as_of: datetime.date | None = None,
                 max_steps: int = DEFAULT_MAX_STEPS, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> None:
        self.knowledge = knowledge
        self.library = library
        self.finder = PathFinder(knowledge, library, as_of=as_of, max_steps=max_steps, time_limit_s=time_limit_s)
        self.routes_from: dict[str, list[Route]] = {}
        for route in knowledge.routes:
            self.routes_from.setdefault(route.source_id, []).append(route)
        self._cache: LRUCache[str, PrecursorVerdict] = LRUCache(CACHE_SIZE)
        self._leads: dict[str, list[Lead]] = {}

    # -- routes ---------------------------------------------------------------------------------
    def leads(self, substance_id: str) -> list[Lead]:
        """The drugs reachable from a library substance by the routes of the data."""
        if substance_id not in self._leads:
            found: dict[str, Lead] = {}
            self._walk(substance_id, (), 1.0, found, set(), 0)
            self._leads[substance_id] = list(found.values())
        return self._leads[substance_id]

    def _walk(self, sid: str, via: tuple[str, ...], factor: float | None, found: dict[str, Lead],
              visiting: set[str], depth: int) -> None:
        if depth >= MAX_ROUTE_DEPTH or sid in visiting:
            return
        visiting = visiting | {sid}
        for route in self.routes_from.get(sid, []):
            if route.kind == "reagent" and depth > 0:
                continue  # a reagent route says what the reagent is for, not what an intermediate makes
            target = self.library.by_id[route.target_id]
            step_factor = None if factor is None or route.yield_ is None else factor * route.yield_
            step_via = (*via, route.method, target.name)
            if is_controlled_drug(target.controlled_under) and target.id not in self.finder.scheduled:
                _keep_best(found, Lead(target, step_via, step_factor))
            else:
                self._walk(target.id, step_via, step_factor, found, visiting, depth + 1)

    def _leads_of_paths(self, paths: list[Path]) -> list[Lead]:
        found: dict[str, Lead] = {}
        for path in paths:
            steps = tuple(s.transformation.name for s in path.steps)
            if path.target.kind == "drug":
                _keep_best(found, Lead(path.target.substance, (*steps, path.target.substance.name), path.yield_))
                continue
            for lead in self.leads(path.target.substance.id):
                factor = None if lead.yield_ is None else lead.yield_ * path.yield_
                _keep_best(found, Lead(lead.drug, (*steps, path.target.substance.name, *lead.via), factor))
        return list(found.values())

    # -- verdicts -------------------------------------------------------------------------------
    def entry_for(self, key: str) -> Substance | None:
        """The library entry of an InChIKey: exact, else a stereoisomer (scheduled entries first).

        A structure with defined stereo that matches no entry exactly is taken for a stereoisomer only
        of a scheduled precursor (the precursor lists cover stereoisomers); drug lists do not always
        (dextromethorphan is not levomethorphan), so it is not taken for a drug.
        """
        entry = self.library.by_inchikey.get(key)
        if entry is not None:
            return entry
        candidates = self.library.by_connectivity.get(key[:14], [])
        if has_stereo(key):
            candidates = [e for e in candidates if e.id in self.finder.scheduled]
        ranked = sorted(candidates, key=lambda e: (e.id not in self.finder.scheduled, e.has_stereo, e.id))
        return ranked[0] if ranked else None

    def assess(self, mol: Chem.Mol, key: str | None = None, entry: Substance | None = None) -> PrecursorVerdict:
        """The verdict for a parent structure (standardised, as the library keeps them)."""
        key = key or inchikey(mol)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        verdict = self._assess(mol, key, entry or self.entry_for(key))
        self._cache.put(key, verdict)
        return verdict

    def _assess(self, mol: Chem.Mol, key: str, entry: Substance | None) -> PrecursorVerdict:
        sid = entry.id if entry else None
        listings = self.finder.scheduled.get(sid, []) if sid else []
        facts = self.knowledge.facts.get(sid) if sid else None
        drug = bool(entry and is_controlled_drug(entry.controlled_under) and not listings)
        search = self.finder.search(mol, key) if not drug else Search()
        found: dict[str, Lead] = {}
        for lead in [*(self.leads(sid) if sid else []), *self._leads_of_paths(search.paths)]:
            _keep_best(found, lead)
        leads = list(found.values())
        verdict = PrecursorVerdict(role="none", category=NOT_SCHEDULED, reason="", substance=entry,
                                   listings=list(listings), paths=search.paths, leads=leads, drug=drug,
                                   kind=facts.kind if facts else "", cn_code=facts.cn_code if facts else "",
                                   truncated=search.truncated)
        targets = distinct_targets(search.paths)
        reached = ", ".join(f"{t.substance.name} ({t.status})" for t in targets[:4])
        if listings:
            verdict.role, verdict.category = "scheduled", "; ".join(s.label for s in listings)
            verdict.reason = "listed: " + "; ".join(f"{s.label}, entry \"{s.entry}\", since {s.since}"
                                                    for s in listings)
        elif facts is not None and facts.role:
            verdict.role = facts.role
            verdict.reason = f"{facts.role.replace('_', '-')} per the precursor data: {facts.note} ({facts.source})"
        elif drug:
            verdict.category = "controlled drug"
            verdict.reason = "a controlled drug itself (" + ", ".join(entry.controlled_under if entry else ()) + \
                "); see its legal status"
        elif any(p.unmasking for p in search.paths):
            verdict.role = "designer"
            verdict.reason = f"becomes {reached} by unmasking steps"
        elif search.paths:
            verdict.role = "pre_precursor"
            verdict.reason = f"becomes {reached} by ordinary synthesis steps"
        elif sid and sid in self.routes_from:
            verdict.role = "pre_precursor"
            verdict.reason = "starts a route of the precursor data: " + "; ".join(
                f"{r.method} -> {self.library.by_id[r.target_id].name}" for r in self.routes_from[sid])
        else:
            verdict.reason = "no listing, route or transformation path to a precursor or drug"
        if search.truncated:
            verdict.reason += " (search truncated by its limits; more paths may exist)"
        return verdict

    def assess_salt(self, smiles: str) -> PrecursorVerdict:
        """The verdict for an inorganic salt that no list names whole (sodium chloride, sodium sulfate)."""
        return PrecursorVerdict(role="none", category=NOT_SCHEDULED, name=smiles,
                                reason="an inorganic salt that no precursor list names (the salts of hydrochloric "
                                       "and sulphuric acid are excluded from UN Table II and EU Category 3)")

    def assess_reagent(self, reagent: Reagent) -> PrecursorVerdict:
        """The verdict for an inorganic reagent known by CAS number and name (it has no structure)."""
        leads = [Lead(self.library.by_id[d], (reagent.note,), None) for d in reagent.leads_to]
        return PrecursorVerdict(role=reagent.role, category=NOT_SCHEDULED, name=reagent.name, kind="reagent",
                                reason=f"reagent: {reagent.note} ({reagent.source})", leads=leads,
                                cn_code=reagent.cn_code)


def _keep_best(found: dict[str, Lead], lead: Lead) -> None:
    """Keep, per drug (stereoisomers are one drug), the lead with the highest assumed yield."""
    key = lead.drug.inchikey[:14]
    old = found.get(key)
    if old is None or (lead.yield_ or 0.0) > (old.yield_ or 0.0):
        found[key] = lead

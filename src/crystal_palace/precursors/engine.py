"""Find every path of up to N named transformations from a structure to a precursor or a drug.

The targets are the scheduled precursors that the data marks as targets (the organic Category 1 and 2
precursors, not solvents and acids, whose masked forms would be ordinary chemicals) and every
controlled drug of the reference library. Products are compared by the connectivity block of their
InChIKey, so that a path that loses or scrambles a stereocentre still reaches ephedrine. The search is
breadth first, in the order of the transformation file, with a cap on intermediates per level and a
time limit per structure; it is deterministic whenever the time limit is not reached (``truncated``
says when it was).

Cost, per structure, is mostly RDKit's: running the reactions, sanitising and writing SMILES of what
they give, and InChIKeys. Three things keep it down without changing any path: a product of the last
step is only made in full when its heavy atoms and skeleton are a target's (nothing else looks at it);
what an intermediate gives is remembered across searches by its canonical SMILES (the same amines and
acids come out of many analogues); and a product's InChIKey is only computed when its skeleton (its
heavy atoms with their degrees) is a target's, or when the search meets two structures of the same
heavy atoms.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rdkit import Chem

from crystal_palace.chemistry.library import Library, Substance
from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.precursors.knowledge import (
    Knowledge,
    ScheduledListing,
    Transformation,
    is_controlled_drug,
    scheduled_ids,
)
from crystal_palace.precursors.lru import LRUCache
from crystal_palace.precursors.transforms import Product, described_by_smiles, heavy_atoms, react, skeleton

DEFAULT_MAX_STEPS = 2
DEFAULT_MAX_INTERMEDIATES = 300
DEFAULT_TIME_LIMIT_S = 2.0
EXPANSION_CACHE_SIZE = 16_384
"""Intermediates whose products at the search's last step a path finder remembers (least recently used out).

Those products are only the few that can be targets: about 0.4 KB an intermediate."""
_NON_METALS = frozenset({1, 5, 6, 7, 8, 9, 14, 15, 16, 17, 34, 35, 53})
"""Elements whose bonds the standard InChI keeps (H, B, C, N, O, F, Si, P, S, Cl, Se, Br, I)."""
INNER_EXPANSION_CACHE_SIZE = 1024
"""Intermediates whose products at an earlier step (searches of three or four steps) it remembers: every
product, which is about 10 KB an intermediate."""


@dataclass(frozen=True)
class Target:
    """A structure the search stops at: a scheduled precursor or a controlled drug of the library."""

    substance: Substance
    kind: Literal["precursor", "drug"]
    status: str  # "UN 1988 Table I; EU Category 1", or the drug's control codes


@dataclass(frozen=True)
class Step:
    """One step of a path: the transformation and the structure it gives."""

    transformation: Transformation
    smiles: str
    inchikey: str
    substance: Substance | None  # the library entry of the intermediate, when it has one

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the step."""
        return {"transformation": self.transformation.id, "name": self.transformation.name, "smiles": self.smiles,
                "inchikey": self.inchikey, "substance": self.substance.name if self.substance else None,
                "substance_id": self.substance.id if self.substance else None}


@dataclass(frozen=True)
class Path:
    """Steps from the query to a target."""

    steps: tuple[Step, ...]
    target: Target

    @property
    def unmasking(self) -> bool:
        """True when every step unmasks (or is an easy conversion): the start is a designer precursor."""
        return all(s.transformation.unmasking for s in self.steps)

    @property
    def yield_(self) -> float:
        """The product of the steps' assumed molar yields."""
        out = 1.0
        for s in self.steps:
            out *= s.transformation.yield_
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the path (the ``paths`` items of the identify contract)."""
        return {"steps": [s.to_dict() for s in self.steps], "target": self.target.substance.name,
                "target_id": self.target.substance.id, "target_kind": self.target.kind,
                "target_status": self.target.status, "unmasking": self.unmasking,
                "assumed_yield": round(self.yield_, 4)}


@dataclass
class Search:
    """What the search found for one structure."""

    paths: list[Path] = field(default_factory=list)
    truncated: bool = False
    explored: int = 0  # products looked at (at the last step: only those that could be targets)


class PathFinder:
    """Targets indexed by connectivity, and the bounded breadth-first search over the transformations."""

    def __init__(self, knowledge: Knowledge, library: Library, *, as_of: datetime.date | None = None,
                 max_steps: int = DEFAULT_MAX_STEPS, max_intermediates: int = DEFAULT_MAX_INTERMEDIATES,
                 time_limit_s: float = DEFAULT_TIME_LIMIT_S, expansion_cache_size: int = EXPANSION_CACHE_SIZE,
                 inner_expansion_cache_size: int = INNER_EXPANSION_CACHE_SIZE) -> None:
        if not 0 <= max_steps <= 4:
            raise ValueError(f"max_steps must be between 0 and 4, not {max_steps}")
        self.knowledge = knowledge
        self.library = library
        self.max_steps = max_steps
        self.max_intermediates = max_intermediates
        self.time_limit_s = time_limit_s
        self.scheduled: dict[str, list[ScheduledListing]] = scheduled_ids(as_of)
        self.targets: dict[str, list[Target]] = {}
        for entry in library.entries:
            target = self._target(entry)
            if target is not None:
                self.targets.setdefault(entry.inchikey[:14], []).append(target)
        for found in self.targets.values():
            found.sort(key=lambda t: (t.kind != "precursor", t.substance.has_stereo, t.substance.id))
        #: heavy-atom compositions of the targets: a product with none of them is no target (no InChIKey needed)
        self.target_atoms = {heavy_atoms(t.substance.mol) for found in self.targets.values() for t in found}
        #: and their skeletons (heavy atoms with their degrees), a finer sieve of the same kind; None (no
        #: sieve) if a target has an element whose bonds the InChI may break (a metal)
        self.target_skeletons: set[tuple[tuple[int, int], ...]] | None = None
        if all(number in _NON_METALS for atoms in self.target_atoms for number, _ in atoms):
            self.target_skeletons = {skeleton(t.substance.mol) for found in self.targets.values() for t in found}
        self.transformations = tuple(knowledge.transformations)
        #: per transformation, the first transformation with the same reactant SMARTS: the reductive
        #: aminations share one, and whether a molecule is its reactant is then asked once
        first: dict[str, int] = {}
        self._screen = tuple(first.setdefault(t.smarts.partition(">>")[0], i)
                             for i, t in enumerate(self.transformations))
        #: the products of every transformation on an intermediate, by the intermediate's canonical SMILES,
        #: for the last step (True: only the products that can be targets) and the earlier ones (False):
        #: N-dealkylation and hydrolysis of many different analogues give the same amines and acids
        self.expansions: dict[bool, LRUCache[str, tuple[tuple[Product, ...], ...]]] = {
            True: LRUCache(expansion_cache_size), False: LRUCache(inner_expansion_cache_size)}

    def _target(self, entry: Substance) -> Target | None:
        facts = self.knowledge.facts.get(entry.id)
        listings = self.scheduled.get(entry.id)
        if listings and facts is not None and facts.target:
            return Target(entry, "precursor", "; ".join(s.label for s in listings))
        if is_controlled_drug(entry.controlled_under) and not listings:
            return Target(entry, "drug", "controlled drug (" + ", ".join(entry.controlled_under) + ")")
        return None

    def target_for(self, key: str) -> Target | None:
        """The target a structure of this InChIKey is, if any (the exact key first, then connectivity).

        A product with defined stereo that is not exactly a drug of the library is not taken for that
        drug's stereoisomer (drug lists name stereoisomers one by one); precursor lists cover them.
        """
        found = self.targets.get(key[:14])
        if not found:
            return None
        exact = [t for t in found if t.substance.inchikey == key]
        if exact:
            return exact[0]
        if has_stereo(key):
            found = [t for t in found if t.kind == "precursor"]
        return found[0] if found else None

    @staticmethod
    def _seen(product: Product, seen: set[str], compositions: set[tuple[tuple[int, int], ...]],
              unkeyed: dict[tuple[tuple[int, int], ...], list[Product]]) -> bool:
        """True when the search met the product's InChIKey before; else it is noted as met.

        Structures with different heavy atoms have different InChIKeys (the key hashes the formula), so
        keys are compared, and computed, only within one composition.
        """
        composition = product.heavy_atoms
        if composition not in compositions:
            compositions.add(composition)
            unkeyed[composition] = [product]
            return False
        for other in unkeyed.pop(composition, ()):
            seen.add(other.inchikey)
        if product.inchikey in seen:
            return True
        seen.add(product.inchikey)
        return False

    def _step(self, transformation: Transformation, product: Product) -> Step:
        return Step(transformation, product.smiles, product.inchikey, self.library.by_inchikey.get(product.inchikey))

    def search(self, mol: Chem.Mol, key: str | None = None) -> Search:
        """Every path of 1..max_steps transformations from ``mol`` to a target, shortest first.

        An intermediate is expanded once per InChIKey. Its key is computed only when needed: when it
        could be a target (its heavy atoms are a target's), when another structure met in the search has
        the same heavy atoms (only then can the two share a key), or when a path goes through it. Most
        intermediates are none of these, and the InChI computation was most of the search's time.

        The products of an intermediate depend only on its structure, so they are taken from
        :attr:`expansions` when an earlier search computed them (the time limit is still checked
        before each transformation, as when they are computed).
        """
        result = Search()
        start_key = key or inchikey(mol)
        deadline = time.perf_counter() + self.time_limit_s
        seen = {start_key}  # the keys of the start and of the intermediates keyed so far
        start_atoms = heavy_atoms(mol)
        compositions = {start_atoms}  # the heavy atoms of the start and of every intermediate
        unkeyed: dict[tuple[tuple[int, int], ...], list[Product]] = {}  # intermediates not keyed yet
        # an intermediate carries its canonical SMILES (None for the start: computed when needed) and how
        # it was made, (transformation, product) pairs: steps are made for paths
        level: list[tuple[Chem.Mol, str | None, tuple[tuple[Transformation, Product], ...]]] = [(mol, None, ())]
        found: dict[tuple[str, tuple[str, ...]], Path] = {}
        transformations, screen, skeletons_known = self.transformations, self._screen, self.target_skeletons
        for depth in range(1, self.max_steps + 1):
            # at the last step a product is only looked at when it can be a target (its heavy atoms and
            # skeleton are a target's), so the others are not made: most need no sanitising or SMILES
            last = depth == self.max_steps
            keep, skeletons = (self.target_atoms, skeletons_known) if last else (None, None)
            following: list[tuple[Chem.Mol, str | None, tuple[tuple[Transformation, Product], ...]]] = []
            for current, smiles, made in level:
                # only intermediates are remembered (the start is new), and only those whose SMILES says all
                reusable = smiles is not None and described_by_smiles(current)
                cached = self.expansions[last].get(smiles) if reusable and smiles is not None else None
                computed: list[tuple[Product, ...]] = []
                reactive: list[bool] = []
                for index, transformation in enumerate(transformations):
                    if time.perf_counter() > deadline:
                        result.truncated = True
                        reusable = False
                        break
                    products: tuple[Product, ...] | list[Product]
                    if cached is not None:
                        products = cached[index]
                    else:
                        same = screen[index]
                        is_reactant = (reactive[same] if same < index
                                       else transformation.reaction.IsMoleculeReactant(current))
                        reactive.append(is_reactant)
                        if is_reactant:
                            products, capped = react(transformation, current, smiles, keep=keep, skeletons=skeletons,
                                                     own_atoms=None if smiles is not None else start_atoms)
                            reusable = reusable and not capped
                        else:
                            products = ()
                        computed.append(tuple(products))
                    for product in products:
                        result.explored += 1
                        target = (self.target_for(product.inchikey) if product.heavy_atoms in self.target_atoms
                                  and (skeletons_known is None or product.skeleton in skeletons_known) else None)
                        if target is not None and product.inchikey[:14] != start_key[:14]:
                            route = tuple(self._step(t, p) for t, p in (*made, (transformation, product)))
                            signature = (target.substance.id, tuple(s.transformation.id for s in route))
                            found.setdefault(signature, Path(route, target))
                            continue
                        if last or self._seen(product, seen, compositions, unkeyed):
                            continue
                        if len(following) < self.max_intermediates:
                            following.append((product.mol, product.smiles, (*made, (transformation, product))))
                        else:
                            result.truncated = True
                if cached is None and reusable and smiles is not None:  # (smiles: for mypy)
                    self.expansions[last].put(smiles, tuple(computed))
            level = following
            if not level:
                break
        result.paths = sorted(found.values(), key=_path_order)
        return result


def _path_order(path: Path) -> tuple[int, int, str, tuple[str, ...]]:
    return (len(path.steps), 0 if path.unmasking else 1, path.target.substance.id,
            tuple(s.transformation.id for s in path.steps))


def has_stereo(key: str) -> bool:
    """True when an InChIKey's second block says the structure has defined stereo (or isotopes)."""
    return key[15:25] != "UHFFFAOYSA"


def distinct_targets(paths: Sequence[Path]) -> list[Target]:
    """The targets of the paths, each once, in path order."""
    seen: dict[str, Target] = {}
    for p in paths:
        seen.setdefault(p.target.substance.id, p.target)
    return list(seen.values())

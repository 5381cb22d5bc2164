"""Ring systems by name or description, and how a set of ring atoms is identified as one.

Legal texts name ring systems ("Phenyl-, Thienyl-, ... Pyridylring") or describe them ("anellierte Ringe
... mit vier bis acht Ringatomen", "qualsiasi monociclo"). A :class:`SystemSpec` is one such name or
description; :func:`match_system` decides whether the atoms of one ring system in a molecule are an
instance of it. Used both for ring-system positions of a core (Strukturelement A, the ring anellated to a
benzodiazepine) and for ring substituents (:mod:`crystal_palace.legal.ring_classes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from rdkit import Chem

from crystal_palace.legal.molview import BOND_TYPES
from crystal_palace.legal.pieces import MolGraph, graph_of
from crystal_palace.legal.substituent_rules import SubstituentRule

#: named ring systems: SMARTS covering exactly the ring atoms; an atom mapped :1 must be the attachment
NAMED_SYSTEMS: dict[str, tuple[str, str]] = {
    "phenyl": ("c1ccccc1", "phenyl"),
    "pyridyl": ("n1ccccc1", "pyridyl"),
    "thienyl": ("s1cccc1", "thienyl"),
    "furanyl": ("o1cccc1", "furanyl"),
    "pyrrolyl": ("n1cccc1", "pyrrolyl"),
    "cyclopentyl": ("[C;!a]1-[C;!a]-[C;!a]-[C;!a]-[C;!a]-1", "cyclopentyl"),
    "cyclohexyl": ("[C;!a]1-[C;!a]-[C;!a]-[C;!a]-[C;!a]-[C;!a]-1", "cyclohexyl"),
    "cyclohexenyl": ("[C;!a]1=[C;!a]-[C;!a]-[C;!a]-[C;!a]-[C;!a]-1", "cyclohexenyl"),
    "naphthyl": ("c1ccc2ccccc2c1", "naphthyl"),
    "naphthalen_1_yl": ("[c:1]1cccc2ccccc12", "1-naphthyl"),
    "tetrahydrobenzothienyl": ("C1CCc2sccc2C1", "4,5,6,7-tetrahydrobenzo[b]thienyl"),
    "methylenedioxyphenyl": ("c1ccc2OCOc2c1", "methylenedioxyphenyl"),
    "ethylenedioxyphenyl": ("c1ccc2OCCOc2c1", "ethylenedioxyphenyl"),
    "dihydrobenzofuranyl": ("c1ccc2OCCc2c1", "dihydrobenzofuranyl"),
    "benzofuranyl": ("c1ccc2occc2c1", "benzofuranyl"),
    "benzothiophenyl": ("c1ccc2sccc2c1", "benzothiophenyl"),
    "quinolin_8_yl": ("[c:1]1cccc2cccnc12", "8-quinolinyl"),
    "isoquinolin_3_yl": ("[c:1]1cc2ccccc2cn1", "3-isoquinolinyl"),
    "adamantyl": ("C1C2CC3CC1CC(C2)C3", "adamantyl"),
}

SYSTEM_KINDS = ("benzo_fused", "monocycle", "rings")

#: named systems that are one ring whose atoms, in any order around it, match the SMARTS once the
#: composition is right (at most one heteroatom), with the bond types their SMARTS bonds allow: implicit
#: bonds between aromatic atoms are single or aromatic, "-" is single. For these, a ring of the molecule
#: with exactly the system's atoms and such bonds all round is a match (see match_system)
_ONE_RING_BONDS: dict[str, frozenset[Chem.BondType]] = {
    **dict.fromkeys(("phenyl", "pyridyl", "thienyl", "furanyl", "pyrrolyl"),
                    frozenset({Chem.BondType.SINGLE, Chem.BondType.AROMATIC})),
    **dict.fromkeys(("cyclopentyl", "cyclohexyl"), frozenset({Chem.BondType.SINGLE})),
}


@dataclass(frozen=True)
class SystemSpec:
    """One allowed ring system: a named one or a parametric description."""

    kind: str  # a NAMED_SYSTEMS key, or one of SYSTEM_KINDS
    params: Mapping[str, object] = field(default_factory=dict)
    line: int | None = None

    @property
    def label(self) -> str:
        """Words for the system."""
        if self.kind in NAMED_SYSTEMS:
            return NAMED_SYSTEMS[self.kind][1]
        if self.kind == "benzo_fused":
            return (f"benzene ring Z with 1-{self.params.get('max_fused', 2)} fused rings of "
                    f"{self.params.get('fused_min', 4)}-{self.params.get('fused_max', 8)} atoms")
        if self.kind == "monocycle":
            arom = {"yes": "aromatic ", "no": "non-aromatic "}.get(str(self.params.get("aromatic", "any")), "")
            return f"{arom}monocycle"
        return f"ring system (rings of {self.params.get('min_size', 3)}-{self.params.get('max_size', 8)} atoms)"

    @property
    def n_substituents(self) -> SubstituentRule | None:
        """What a ring nitrogen of this system may carry, when the text says so."""
        rule = self.params.get("n_substituents")
        return rule if isinstance(rule, SubstituentRule) else None


@cache
def _query(smarts: str) -> Chem.Mol:
    q = Chem.MolFromSmarts(smarts)
    if q is None:
        raise ValueError(f"bad built-in SMARTS {smarts}")
    return q


@cache
def _mapped(smarts: str) -> list[int]:
    return [a.GetIdx() for a in _query(smarts).GetAtoms() if a.GetAtomMapNum() == 1]


def system_atoms(mol: Chem.Mol, start: Sequence[int], within: frozenset[int]) -> frozenset[int]:
    """The ring system (rings sharing atoms, transitively) through ``start`` atoms, inside ``within``."""
    rings = [r for r in graph_of(mol).rings if r <= within]
    chosen = [r for r in rings if r & set(start)]
    atoms: set[int] = set().union(*chosen) if chosen else set()
    grown = True
    while grown:
        grown = False
        for r in rings:
            if not r <= atoms and r & atoms:
                atoms |= r
                grown = True
    return frozenset(atoms)


def rings_in(mol: Chem.Mol, atoms: frozenset[int]) -> list[frozenset[int]]:
    """The rings of the molecule lying wholly within ``atoms``."""
    return [r for r in graph_of(mol).rings if r <= atoms]


@cache
def _named(kind: str) -> tuple[Chem.Mol, list[tuple[int, bool]], list[int]]:
    """A named system's query, the (element, aromatic) pairs its atoms demand (sorted), and its mapped atoms.

    Every atom of these SMARTS demands one element, aromatic (``c``, ``n``) or not (``C``, ``[C;!a]``),
    so a set of ring atoms can be exactly a match only when it has the same pairs.
    """
    smarts = NAMED_SYSTEMS[kind][0]
    query = _query(smarts)
    demanded = sorted((int(a.GetAtomicNum()), bool(a.GetIsAromatic())) for a in query.GetAtoms())
    return query, demanded, _mapped(smarts)


def match_system(mol: Chem.Mol, atoms: frozenset[int], attach: int | None, spec: SystemSpec) -> bool:
    """True when the ring-system atoms are exactly an instance of ``spec`` (attached at ``attach``).

    A named system is searched for only when the atoms have its composition (the search, once per
    molecule and system, was most of the cost: a five-membered ring was searched as thienyl, furanyl,
    pyrrolyl and cyclopentyl).
    """
    if spec.kind in NAMED_SYSTEMS:
        q, demanded, mapped = _named(spec.kind)
        if len(demanded) != len(atoms):
            return False
        graph = graph_of(mol)
        numbers = graph.numbers
        aromatic = graph.aromatic
        if sorted([(numbers[a], aromatic[a]) for a in atoms]) != demanded:
            return False
        if not mapped or attach is None:
            allowed = _ONE_RING_BONDS.get(spec.kind)
            if allowed is not None and _one_ring(graph, atoms, allowed):
                return True  # (what the search would find, without it: see _ONE_RING_BONDS)
            return atoms in graph.match_sets(mol, q)
        for m in graph.substruct(mol, q):
            if set(m) == atoms and m[mapped[0]] == attach:
                return True
        return False
    rings = rings_in(mol, atoms)
    p = spec.params
    if spec.kind == "monocycle":
        if len(rings) != 1:
            return False
        return _ring_ok(mol, rings[0], p)
    if spec.kind == "rings":
        if not rings:
            return False
        mono_max = p.get("mono_max")
        if len(rings) == 1 and isinstance(mono_max, int):
            return _ring_ok(mol, rings[0], {**p, "max_size": mono_max})
        return all(_ring_ok(mol, r, p) for r in rings)
    if spec.kind == "benzo_fused":
        return _benzo_fused(mol, atoms, rings, p)
    return False


def _one_ring(graph: MolGraph, atoms: frozenset[int], allowed: frozenset[Chem.BondType]) -> bool:
    """Whether a ring of the molecule has exactly ``atoms``, bonded all round by ``allowed`` bond types.

    True proves a match of the one-ring named system (its composition checked by the caller); False
    proves nothing (the search decides).
    """
    codes = graph.bond_code
    types = BOND_TYPES
    for ring, path in zip(graph.rings, graph.ring_paths, strict=True):
        if ring == atoms:
            return all(types[codes[(path[k - 1], a)] >> 1] in allowed for k, a in enumerate(path))
    return False


def _ring_ok(mol: Chem.Mol, ring: frozenset[int], p: Mapping[str, object]) -> bool:
    lo, hi = p.get("min_size", 3), p.get("max_size")
    if isinstance(lo, int) and len(ring) < lo:
        return False
    if isinstance(hi, int) and len(ring) > hi:
        return False
    elements = p.get("ring_elements")
    graph = graph_of(mol)
    if isinstance(elements, frozenset) and any(graph.symbols[a] not in elements for a in ring):
        return False
    aromatic = p.get("aromatic", "any")
    arom = [graph.aromatic[a] for a in ring]
    if aromatic == "yes" and not all(arom):
        return False
    return not (aromatic == "no" and all(arom))


def _benzo_fused(mol: Chem.Mol, atoms: frozenset[int], rings: list[frozenset[int]], p: Mapping[str, object]) -> bool:
    """NpSG 1.1 (2025): a benzene ring Z with anellated rings Rm/Rp.

    Each anellated ring has 4-8 atoms (including the two of Z) and at most two heteroatoms, each bonded
    directly to Z ("Das Heteroatom/die Heteroatome ... dürfen ausschließlich direkt an den Ring Z
    angebunden sein").
    """
    fused_min = p.get("fused_min", 4)
    fused_max = p.get("fused_max", 8)
    max_hetero = p.get("max_hetero", 2)
    max_fused = p.get("max_fused", 2)
    hetero = p.get("hetero", frozenset({"O", "N", "S"}))
    adjacent = p.get("hetero_adjacent_to_z", True)
    graph = graph_of(mol)
    for z in rings:
        if len(z) != 6 or not all(graph.aromatic[a] and graph.numbers[a] == 6 for a in z):
            continue
        others = [r for r in rings if r != z]
        if not others or (isinstance(max_fused, int) and len(others) > max_fused):
            continue
        if frozenset().union(z, *others) != atoms:
            continue
        ok = True
        for r in others:
            if len(r & z) != 2 or any(len(r & o) > 0 for o in others if o != r):
                ok = False
                break
            too_small = isinstance(fused_min, int) and len(r) < fused_min
            if too_small or (isinstance(fused_max, int) and len(r) > fused_max):
                ok = False
                break
            heteros = [a for a in r - z if graph.numbers[a] != 6]
            if isinstance(max_hetero, int) and len(heteros) > max_hetero:
                ok = False
                break
            if isinstance(hetero, frozenset) and any(graph.symbols[a] not in hetero for a in heteros):
                ok = False
                break
            if adjacent and any(all(n not in z for n in graph.neighbours[a])
                                for a in heteros):
                ok = False
                break
        if ok:
            return True
    return False

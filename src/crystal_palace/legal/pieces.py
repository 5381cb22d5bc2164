"""A substituent as the generic-definition engine sees it: a piece of the molecule outside the core.

A generic definition names a core and says what may sit on each of its positions. Everything of the
molecule that is not core falls into connected *pieces*; each piece is bonded to the core through one or
more *anchor* bonds. A piece anchored once is an ordinary substituent ("R1 = methyl"); a piece anchored
twice to the same core atom closes a ring on that atom (a pyrrolidine on the nitrogen); a piece anchored
to two core atoms closes a ring across the core (3,4-methylenedioxy). The vocabulary of substituent
classes (:mod:`crystal_palace.legal.substituents`) judges pieces; this module only describes them.

Checks answer in three values (:class:`Outcome`) because the law's words sometimes do not decide a case
(is "Alkylcarbonyl (bis C6)" counted with the carbonyl carbon?). An honest "undecided" lets the engine
say so instead of guessing "not controlled".
"""

from __future__ import annotations

import contextvars
import enum
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from rdkit import Chem

_PT = Chem.GetPeriodicTable()
_H_WEIGHT = 1.008


#: True while the engine re-evaluates the closest placement of a core to explain a miss
EXPLAINING: contextvars.ContextVar[bool] = contextvars.ContextVar("EXPLAINING", default=False)


class Outcome(enum.Enum):
    """Result of one check: covered, not covered, or the text does not decide."""

    COVERED = "covered"
    UNDECIDED = "undecided"
    NOT = "not covered"


@dataclass(frozen=True)
class Check:
    """An outcome with the words that justify it (used in explanations)."""

    outcome: Outcome
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when covered."""
        return self.outcome is Outcome.COVERED


COVERED = Check(Outcome.COVERED)


def best(checks: Iterable[Check]) -> Check:
    """The most favourable of several alternative readings: covered beats undecided beats not."""
    order = {Outcome.COVERED: 0, Outcome.UNDECIDED: 1, Outcome.NOT: 2}
    found = sorted(checks, key=lambda c: order[c.outcome])
    return found[0] if found else Check(Outcome.NOT, "nothing allowed here")


def not_(reason: str) -> Check:
    """Shorthand for a NOT outcome."""
    return Check(Outcome.NOT, reason)


def undecided(reason: str) -> Check:
    """Shorthand for an UNDECIDED outcome."""
    return Check(Outcome.UNDECIDED, reason)


def count_check(value: int, low: int, high: int | None, undecided_high: int | None, what: str) -> Check:
    """Compare a count with a limit, with an optional band in which the text does not decide."""
    if value < low:
        return not_(f"{what} {value} < {low}")
    if high is None or value <= high:
        return COVERED
    if undecided_high is not None and value <= undecided_high:
        return undecided(f"{what} {value}: the text's limit 'up to {undecided_high}' may or may not count it")
    return not_(f"{what} {value} > {high}")


class MolGraph:
    """Adjacency, symbols and ring sets of one molecule, computed once and shared by all its pieces.

    Judging a structure builds many pieces (one per substituent, per placement of the core, per
    reading); asking RDKit for neighbours each time dominated the run time, so the plain-Python view is
    cached per molecule (weakly, so it dies with the molecule). Substructure matches of the vocabulary's
    small patterns are cached here too.
    """

    def __init__(self, mol: Chem.Mol) -> None:
        atoms = list(mol.GetAtoms())
        self.symbols = [str(a.GetSymbol()) for a in atoms]
        self.numbers = [int(a.GetAtomicNum()) for a in atoms]
        self.aromatic = [bool(a.GetIsAromatic()) for a in atoms]
        self.total_h = [int(a.GetTotalNumHs()) for a in atoms]
        self.isotope_mass = {i: float(a.GetMass()) for i, a in enumerate(atoms) if a.GetIsotope()}
        self.neighbours: list[list[int]] = [[] for _ in atoms]
        self.bonds: dict[tuple[int, int], Chem.BondType] = {}
        for b in mol.GetBonds():
            i, j, bt = b.GetBeginAtomIdx(), b.GetEndAtomIdx(), b.GetBondType()
            self.bonds[(i, j)] = bt
            self.bonds[(j, i)] = bt
            self.neighbours[i].append(j)
            self.neighbours[j].append(i)
        self.rings = tuple(frozenset(r) for r in mol.GetRingInfo().AtomRings())
        self.size = (len(atoms), len(self.bonds) // 2)
        self.matches: dict[int, tuple[tuple[int, ...], ...]] = {}
        self.piece_smiles: dict[tuple[frozenset[int], tuple[tuple[int, int], ...]], str | None] = {}
        self._canonical: str | None = None

    @cached_property
    def mass(self) -> float:
        """Average molecular mass in u (isotope-labelled atoms with their own mass), as RDKit's MolWt."""
        return sum(self.isotope_mass.get(i, _PT.GetAtomicWeight(z)) + _H_WEIGHT * h
                   for i, (z, h) in enumerate(zip(self.numbers, self.total_h, strict=True)))

    @cached_property
    def formula(self) -> tuple[tuple[str, int], ...]:
        """Heavy-atom composition of the whole molecule."""
        return tuple(sorted(Counter(self.symbols).items()))

    def canonical(self, mol: Chem.Mol) -> str:
        """Canonical SMILES without stereo or isotopes (cached)."""
        if self._canonical is None:
            self._canonical = canonical_template(Chem.MolToSmiles(mol)) or ""
        return self._canonical

    def substruct(self, mol: Chem.Mol, query: Chem.Mol) -> tuple[tuple[int, ...], ...]:
        """All (non-unique) matches of ``query``, cached for this molecule."""
        key = id(query)
        found = self.matches.get(key)
        if found is None:
            found = tuple(mol.GetSubstructMatches(query, uniquify=False, maxMatches=500))
            self.matches[key] = found
        return found


_GRAPHS: weakref.WeakKeyDictionary[Chem.Mol, MolGraph] = weakref.WeakKeyDictionary()


def graph_of(mol: Chem.Mol) -> MolGraph:
    """The cached :class:`MolGraph` of ``mol``.

    Like RDKit's own ring and property caches, this assumes the molecule is not edited in place between
    calls; a change in the number of atoms or bonds is detected and the view rebuilt.
    """
    g = _GRAPHS.get(mol)
    if g is None or g.size != (mol.GetNumAtoms(), mol.GetNumBonds()):
        g = MolGraph(mol)
        _GRAPHS[mol] = g
    return g


class Piece:
    """Connected atoms outside the core (or outside a larger piece) and the bonds that anchor them.

    Neighbours of piece atoms that are neither in the piece nor anchor atoms count as hydrogen: this
    is how a piece with some groups stripped off is judged ("alkyl substituted by halogen" is checked
    as the alkyl left after removing the halogens).

    Parameters
    ----------
    mol
        The whole molecule (never modified).
    atoms
        Indices of the piece's atoms.
    anchors
        ``(outside_atom, piece_atom)`` pairs, one per bond from the piece to what it hangs on.
    """

    def __init__(self, mol: Chem.Mol, atoms: Iterable[int], anchors: Iterable[tuple[int, int]]) -> None:
        self.mol = mol
        self.atoms = frozenset(atoms)
        self.anchors = tuple(anchors)
        self.graph = graph_of(mol)

    def __repr__(self) -> str:
        return f"Piece({sorted(self.atoms)}, anchors={self.anchors})"

    # -- shape -----------------------------------------------------------------------------------
    @property
    def root(self) -> int:
        """The piece atom of the first anchor bond."""
        return self.anchors[0][1]

    @property
    def outside(self) -> frozenset[int]:
        """The atoms the piece hangs on."""
        return frozenset(o for o, _ in self.anchors)

    @property
    def single(self) -> bool:
        """True for an ordinary substituent: one anchor bond."""
        return len(self.anchors) == 1

    def anchor_bond(self, k: int = 0) -> Chem.BondType:
        """Type of the k-th anchor bond."""
        return self.graph.bonds[self.anchors[k]]

    def atom(self, i: int) -> Chem.Atom:
        """The RDKit atom of index ``i``."""
        return self.mol.GetAtomWithIdx(i)

    def symbol(self, i: int) -> str:
        """Element symbol of atom ``i``."""
        return self.graph.symbols[i]

    def aromatic(self, i: int) -> bool:
        """True when atom ``i`` is aromatic."""
        return self.graph.aromatic[i]

    def nbrs(self, i: int) -> list[int]:
        """Neighbours of ``i`` inside the piece."""
        inside = self.atoms
        return [n for n in self.graph.neighbours[i] if n in inside]

    def bond(self, i: int, j: int) -> Chem.BondType:
        """Bond type between two atoms."""
        return self.graph.bonds[(i, j)]

    def hydrogens(self, i: int) -> int:
        """Hydrogens on ``i``, counting stripped neighbours (not piece, not anchor) as hydrogen."""
        anchored = {o for o, p in self.anchors if p == i}
        extra = sum(1 for n in self.graph.neighbours[i] if n not in self.atoms and n not in anchored)
        return self.graph.total_h[i] + extra

    def describe(self) -> str:
        """Words for the piece in a message: its SMILES when already known or when explaining, else its atoms.

        Computing a canonical SMILES costs a few hundred microseconds; it is done only for the final
        explanation of a miss (see :data:`EXPLAINING`), not for every reading tried.
        """
        if (self.atoms, self.anchors) in self.graph.piece_smiles or EXPLAINING.get():
            smi = self.smiles
            if smi:
                return f"'{smi}'"
        return f"the group at atoms {sorted(self.atoms)}"

    def sub(self, atoms: Iterable[int]) -> Piece:
        """The piece formed by ``atoms`` (a subset), anchored to everything else it is bonded to."""
        inside = frozenset(atoms)
        anchors = [(n.GetIdx(), a) for a in sorted(inside) for n in self.atom(a).GetNeighbors()
                   if n.GetIdx() not in inside and (n.GetIdx() in self.atoms or (n.GetIdx(), a) in self.anchors)]
        return Piece(self.mol, inside, anchors)

    def components(self, atoms: Iterable[int]) -> list[frozenset[int]]:
        """Connected components of a subset of the piece's atoms."""
        todo = set(atoms)
        out: list[frozenset[int]] = []
        while todo:
            seed = todo.pop()
            comp = {seed}
            stack = [seed]
            while stack:
                cur = stack.pop()
                for n in self.nbrs(cur):
                    if n in todo:
                        todo.discard(n)
                        comp.add(n)
                        stack.append(n)
            out.append(frozenset(comp))
        return sorted(out, key=min)

    # -- composition -----------------------------------------------------------------------------
    @cached_property
    def elements(self) -> frozenset[str]:
        """Element symbols present (hydrogen not listed)."""
        return frozenset(self.graph.symbols[i] for i in self.atoms)

    @cached_property
    def formula(self) -> tuple[tuple[str, int], ...]:
        """Heavy-atom composition plus the number of atoms it hangs on (``*``), for quick comparisons."""
        counts = Counter(self.graph.symbols[i] for i in self.atoms)
        counts["*"] = len(self.outside)
        return tuple(sorted(counts.items()))

    @cached_property
    def carbons(self) -> int:
        """Number of carbon atoms."""
        return sum(1 for i in self.atoms if self.graph.numbers[i] == 6)

    @cached_property
    def mass(self) -> float:
        """Average mass in u of the piece with its hydrogens (the bond to the core not counted)."""
        return sum(_PT.GetAtomicWeight(self.graph.numbers[i]) + _H_WEIGHT * self.hydrogens(i) for i in self.atoms)

    @cached_property
    def own_rings(self) -> tuple[frozenset[int], ...]:
        """Rings of the molecule lying wholly inside the piece."""
        return tuple(r for r in self.graph.rings if r <= self.atoms)

    @cached_property
    def ring_atoms(self) -> frozenset[int]:
        """Atoms of the piece that lie in a ring wholly inside the piece."""
        return frozenset().union(*self.own_rings) if self.own_rings else frozenset()

    @cached_property
    def closing_rings(self) -> tuple[frozenset[int], ...]:
        """Rings through both piece atoms and outside atoms (the rings a multi-anchored piece closes)."""
        return tuple(r for r in self.graph.rings if r & self.atoms and not r <= self.atoms)

    def internal_bonds(self) -> Iterator[tuple[int, int, Chem.BondType]]:
        """Bonds between two piece atoms."""
        for i in self.atoms:
            for j in self.nbrs(i):
                if i < j:
                    yield i, j, self.bond(i, j)

    @cached_property
    def smiles(self) -> str | None:
        """Canonical SMILES of the piece with ``*`` for each atom it hangs on (None if unparseable).

        Stereo and isotopes are dropped: the definitions cover all stereoisomers and isotopic forms.
        Cached per molecule: the same piece recurs in many placements of a core.
        """
        key = (self.atoms, self.anchors)
        if key not in self.graph.piece_smiles:
            self.graph.piece_smiles[key] = self._build_smiles()
        return self.graph.piece_smiles[key]

    def _build_smiles(self) -> str | None:
        rw = Chem.RWMol()
        index: dict[int, int] = {}
        for i in sorted(self.atoms):
            src = self.atom(i)
            new = Chem.Atom(self.graph.numbers[i])
            new.SetFormalCharge(src.GetFormalCharge())
            new.SetIsAromatic(self.graph.aromatic[i])
            new.SetNumExplicitHs(self.hydrogens(i))
            new.SetNoImplicit(True)
            index[i] = rw.AddAtom(new)
        for i, j, bt in self.internal_bonds():
            rw.AddBond(index[i], index[j], bt)
        dummies: dict[int, int] = {}
        for outside, inside in self.anchors:
            if outside not in dummies:
                dummies[outside] = rw.AddAtom(Chem.Atom(0))
            bt = self.bond(outside, inside)
            if bt == Chem.BondType.AROMATIC:
                bt = Chem.BondType.SINGLE
            rw.AddBond(dummies[outside], index[inside], bt)
        try:
            rw.UpdatePropertyCache(strict=False)
            Chem.FastFindRings(rw)
            raw = Chem.MolToSmiles(rw)
            parsed = Chem.MolFromSmiles(raw)
        except (RuntimeError, ValueError):
            return None
        if parsed is None:
            return None
        return str(Chem.MolToSmiles(parsed, isomericSmiles=False))


def smiles_formula(smiles: str) -> tuple[tuple[str, int], ...] | None:
    """Heavy-atom composition of a SMILES (for quick comparisons with :attr:`MolGraph.formula`)."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return tuple(sorted(Counter(str(a.GetSymbol()) for a in mol.GetAtoms()).items()))


def template_formula(smiles: str) -> tuple[tuple[str, int], ...] | None:
    """The :attr:`Piece.formula` a template's pieces must have (``*`` counted once per distinct atom)."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    counts = Counter(str(a.GetSymbol()) for a in mol.GetAtoms() if a.GetAtomicNum() != 0)
    counts["*"] = sum(1 for a in mol.GetAtoms() if a.GetAtomicNum() == 0)
    return tuple(sorted(counts.items()))


def canonical_template(smiles: str) -> str | None:
    """Canonical SMILES of a template written with ``*`` for the core atom(s); None if it does not parse."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return str(Chem.MolToSmiles(mol, isomericSmiles=False))


def chain_bounds(piece: Piece, atoms: Iterable[int] | None = None) -> tuple[int, int]:
    """Two readings of "durchgehende Kettenlänge": (ring atoms break the chain, chain runs through rings).

    Both count non-hydrogen atoms and never count ring atoms ("Atome von Ringstrukturen werden dabei
    nicht in die Zählung einbezogen"). The first reading measures the longest path of non-ring atoms;
    the second lets a chain continue through a ring system, which counts zero. A limit that both
    readings satisfy is satisfied; one that both break is broken; otherwise the text does not decide.
    """
    use = frozenset(atoms) if atoms is not None else piece.atoms
    mol_rings = [frozenset(r) for r in piece.mol.GetRingInfo().AtomRings()]
    ring_atoms = frozenset().union(*mol_rings) if mol_rings else frozenset()
    # node = acyclic atom, or one ring system (union of rings sharing atoms) restricted to `use`
    systems: list[set[int]] = []
    for ring in mol_rings:
        part = set(ring) & use
        if not part:
            continue
        merged = [s for s in systems if s & part]
        for s in merged:
            systems.remove(s)
            part |= s
        systems.append(part)
    node_of: dict[int, int] = {}
    weight: list[int] = []
    for a in sorted(use):
        if a not in ring_atoms:
            node_of[a] = len(weight)
            weight.append(1)
    for s in systems:
        nid = len(weight)
        weight.append(0)
        for a in s:
            node_of[a] = nid
    adj: list[set[int]] = [set() for _ in weight]
    for a in use:
        for n in piece.atom(a).GetNeighbors():
            b = n.GetIdx()
            if b in use and node_of[a] != node_of[b]:
                adj[node_of[a]].add(node_of[b])
                adj[node_of[b]].add(node_of[a])

    def longest(allowed: set[int]) -> int:
        best_len = 0
        for start in allowed:
            # depth-first longest simple path (pieces are small trees of ring systems and chains)
            stack: list[tuple[int, int, frozenset[int]]] = [(start, weight[start], frozenset([start]))]
            while stack:
                node, length, seen = stack.pop()
                best_len = max(best_len, length)
                for nxt in adj[node]:
                    if nxt in allowed and nxt not in seen:
                        stack.append((nxt, length + weight[nxt], seen | {nxt}))
        return best_len

    acyclic_nodes = {i for i, w in enumerate(weight) if w == 1}
    return longest(acyclic_nodes), longest(set(range(len(weight))))


def worst(checks: Iterable[Check]) -> Check:
    """Combine checks that must all hold: not beats undecided beats covered."""
    order = {Outcome.NOT: 0, Outcome.UNDECIDED: 1, Outcome.COVERED: 2}
    found = sorted(checks, key=lambda c: order[c.outcome])
    return found[0] if found else COVERED

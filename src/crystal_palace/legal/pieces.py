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
import itertools
import operator
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar, overload

from mypy_extensions import mypyc_attr
from rdkit import Chem

from crystal_palace.legal.molview import BOND_TYPES
from crystal_palace.legal.molview import context_key as _context_key_c
from crystal_palace.legal.molview import read as read_view
from crystal_palace.legal.query_screen import Kind, kinds_present, possible, query_needs

_PT = Chem.GetPeriodicTable()
_H_WEIGHT = 1.008


#: True while the engine re-evaluates the closest placement of a core to explain a miss
EXPLAINING: contextvars.ContextVar[bool] = contextvars.ContextVar("EXPLAINING", default=False)


_T = TypeVar("_T")


class lazy(Generic[_T]):  # noqa: N801 - used like functools.cached_property, which it replaces here
    """:func:`functools.cached_property` without its lock: computed on first read, then an instance attribute.

    Python 3.11's cached_property takes a lock shared by every instance on each first read; the engine
    makes thousands of pieces a molecule and read their properties once or twice each. Two threads
    reading the same new attribute at once may both compute it (the same value): harmless here.
    """

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = getattr(func, "__name__", "")  # (set by __set_name__: a compiled method has no __name__)
        self.__doc__ = getattr(func, "__doc__", None)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> _T | lazy[_T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


class Outcome(enum.Enum):
    """Result of one check: covered, not covered, or the text does not decide."""

    COVERED = "covered"
    UNDECIDED = "undecided"
    NOT = "not covered"


class Check(NamedTuple):
    """An outcome with the words that justify it (used in explanations; immutable, cheap to make)."""

    outcome: Outcome
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when covered."""
        return self.outcome is Outcome.COVERED


COVERED = Check(Outcome.COVERED)


#: rank of an outcome among alternatives (lower is more favourable) and among conditions (lower is worse)
_BEST_RANK = {Outcome.COVERED: 0, Outcome.UNDECIDED: 1, Outcome.NOT: 2}
_WORST_RANK = {Outcome.NOT: 0, Outcome.UNDECIDED: 1, Outcome.COVERED: 2}


def best(checks: Iterable[Check]) -> Check:
    """The most favourable of several alternative readings: covered beats undecided beats not."""
    found = min(checks, key=lambda c: _BEST_RANK[c.outcome], default=None)  # the first of the most favourable
    return found if found is not None else Check(Outcome.NOT, "nothing allowed here")


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


@mypyc_attr(native_class=False)  # (its lazy attributes live in the instance's __dict__)
class MolGraph:
    """Adjacency, symbols and ring sets of one molecule, computed once and shared by all its pieces.

    Judging a structure builds many pieces (one per substituent, per placement of the core, per
    reading); asking RDKit for neighbours each time dominated the run time, so the plain-Python view is
    cached per molecule (weakly, so it dies with the molecule). Substructure matches of the vocabulary's
    small patterns are cached here too, and so are the prefilter answers and the generic-rule results of
    the molecule (see :mod:`crystal_palace.legal.generic`).

    The per-atom view is read when the graph is made, from the molecule's binary form (``binary``, its
    ``ToBinary()`` when the caller has it) where :mod:`.molview` can read it.
    """

    symbols: list[str]
    numbers: list[int]
    aromatic: list[bool]
    total_h: list[int]
    isotope_mass: dict[int, float]
    neighbours: list[list[int]]
    rings: tuple[frozenset[int], ...]
    ring_paths: tuple[tuple[int, ...], ...]
    charges: list[int]
    #: per bond (both ways), its type and whether it is in a ring, as one number
    bond_code: dict[tuple[int, int], int]
    #: the atom kinds present (see crystal_palace.legal.query_screen)
    kinds: dict[Kind, int]
    #: per atom, what atom_context numbers
    _contexts: list[tuple[int, bool, int, int, int, tuple[int, ...], bool]]

    def __init__(self, mol: Chem.Mol, binary: bytes | None = None) -> None:
        self._mol = weakref.ref(mol)
        self.size = (mol.GetNumAtoms(), mol.GetNumBonds())
        self.matches: dict[int, tuple[tuple[int, ...], ...]] = {}
        self.piece_smiles: dict[tuple[frozenset[int], tuple[tuple[int, int], ...]], str | None] = {}
        self.hits: dict[int, bool] = {}
        self.sets: dict[int, frozenset[frozenset[int]]] = {}
        self.results: dict[int, tuple[Any, Any]] = {}  # id(rule) -> (rule, result), see legal.generic
        self.judged: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}  # see substituent_rules.judge
        self.pending: dict[int, Any] = {}  # id(rule) -> placements of a miss not explained yet
        self.contexts: dict[tuple[frozenset[int], tuple[tuple[int, int], ...]], ContextKey] = {}  # see context_key
        # verdicts on this molecule's pieces may be shared with other molecules (see context_key)
        self.shared = self.size[0] <= SHARED_MAX_ATOMS
        self._canonical: str | None = None
        self._load_view(mol, binary)

    def _load_view(self, mol: Chem.Mol, binary: bytes | None) -> None:
        """The whole per-atom view, read from the molecule's binary form (see :mod:`.molview`).

        Reading it costs about 11 microseconds a molecule, so it is read when the graph is made (a lazily
        read view cost more: a ``__getattr__`` hook slows every attribute read of the graph); a molecule the
        reader does not understand is read through RDKit's API.
        """
        view = read_view(binary if binary is not None else mol.ToBinary())
        if view is None:
            self._load_atoms(mol)
            self._load_bonds(mol)
            self._load_rings(mol)
            self._load_charges(mol)
            self._derive()
            return
        self.numbers = numbers = view.numbers
        self.symbols = list(map(_SYMBOLS.__getitem__, numbers))  # (no dummy atom: the reader leaves those out)
        self.aromatic = view.aromatic
        self.total_h = view.total_h
        self.isotope_mass = {i: float(mol.GetAtomWithIdx(i).GetMass()) for i in view.labelled}
        self.charges = view.charges if view.charges is not None else [0] * len(numbers)
        self.neighbours = view.neighbours
        self.ring_paths = paths = view.ring_paths
        self.rings = tuple(map(frozenset, paths))
        self._contexts = view.contexts
        self.bond_code = view.bond_code
        self.kinds = view.kinds

    def _load_atoms(self, mol: Chem.Mol) -> None:
        # (the API reading of _load_view)
        atoms = list(map(mol.GetAtomWithIdx, range(self.size[0])))
        self.numbers = numbers = list(map(_ATOM.GetAtomicNum, atoms))
        self.symbols = [_SYMBOLS[z] if z else str(a.GetSymbol()) for z, a in zip(numbers, atoms, strict=True)]
        self.aromatic = list(map(_ATOM.GetIsAromatic, atoms))
        self.total_h = list(map(_ATOM.GetTotalNumHs, atoms))
        # isotope labels are rare: one search instead of a call per atom
        self.isotope_mass = ({i: float(atoms[i].GetMass()) for i, iso in enumerate(map(_ATOM.GetIsotope, atoms))
                              if iso} if mol.HasSubstructMatch(_LABELLED) else {})

    def _load_bonds(self, mol: Chem.Mol) -> None:
        if mol.HasSubstructMatch(_UNUSUAL_BOND):  # dative, zero-order ...: read bond by bond
            self._load_bonds_one_by_one(mol)
            return
        # single, double, triple and aromatic bonds only: the bond-order matrix says everything (asking
        # RDKit for each bond's type was a third of building this view)
        orders = Chem.GetAdjacencyMatrix(mol, useBO=True)
        begin, end = orders.nonzero()
        types = [_ORDER_TYPES[o] for o in orders[begin, end].tolist()]
        bonds = dict(zip(zip(begin.tolist(), end.tolist(), strict=True), types, strict=True))
        neighbours: list[list[int]] = [[] for _ in range(self.size[0])]
        for i, j in bonds:
            neighbours[i].append(j)
        self.neighbours = neighbours
        self.bonds = bonds

    def _load_bonds_one_by_one(self, mol: Chem.Mol) -> None:
        neighbours: list[list[int]] = [[] for _ in range(self.size[0])]
        bonds: dict[tuple[int, int], Chem.BondType] = {}
        found = list(map(mol.GetBondWithIdx, range(self.size[1])))
        for i, j, bt in zip(map(_BOND.GetBeginAtomIdx, found), map(_BOND.GetEndAtomIdx, found),
                            map(_BOND.GetBondType, found), strict=True):
            bonds[(i, j)] = bt
            bonds[(j, i)] = bt
            neighbours[i].append(j)
            neighbours[j].append(i)
        self.neighbours = neighbours
        self.bonds = bonds

    def _load_rings(self, mol: Chem.Mol) -> None:
        self.ring_paths = paths = tuple(tuple(r) for r in mol.GetRingInfo().AtomRings())
        self.rings = tuple(frozenset(r) for r in paths)

    def _load_charges(self, mol: Chem.Mol) -> None:
        if not mol.HasSubstructMatch(_CHARGED):  # one search instead of a call per atom
            self.charges = [0] * self.size[0]
        else:
            self.charges = [int(mol.GetAtomWithIdx(i).GetFormalCharge()) for i in range(self.size[0])]

    @lazy
    def bonds(self) -> dict[tuple[int, int], Chem.BondType]:
        """Bond types, both ways round, from the bond codes (which the engine reads instead).

        The API reading sets them directly.
        """
        types = BOND_TYPES
        return {pair: types[code >> 1] for pair, code in self.bond_code.items()}

    @lazy
    def ring_bonds(self) -> frozenset[tuple[int, int]]:
        """Bonds in a ring, both ways round (consecutive atoms of a ring of the ring information)."""
        out: set[tuple[int, int]] = set()
        for path in self.ring_paths:
            for k, a in enumerate(path):
                b = path[k - 1]
                out.add((a, b))
                out.add((b, a))
        return frozenset(out)

    @lazy
    def atom_context(self) -> list[int]:
        """Per atom, a number standing for everything a judgement can read of it (see :func:`context_key`).

        The number stands for the element, aromaticity, hydrogens, charge, degree, the sizes of the rings
        through the atom and whether it carries an isotope label (the tuple ``_contexts`` holds per atom).
        """
        contexts = self._contexts
        ids = _CONTEXT_IDS
        out: list[int | None] = list(map(ids.get, contexts))
        if None in out:  # contexts never seen before get new numbers, in atom order
            for i, number in enumerate(out):
                if number is None:
                    context = contexts[i]
                    number = ids.get(context)
                    if number is None:
                        number = ids.setdefault(context, next(_CONTEXT_NUMBERS))  # atomic: threads never share one
                    out[i] = number
        return out  # type: ignore[return-value]  # (no None left)

    def _derive(self) -> None:
        """Atom contexts, bond codes and atom kinds from the API reading (the C reader gives them itself)."""
        n = self.size[0]
        sizes: dict[int, list[int]] = {}
        for ring in self.rings:
            size = len(ring)
            for a in ring:
                sizes.setdefault(a, []).append(size)
        ring_sizes: list[tuple[int, ...]] = [()] * n
        for a, found in sizes.items():
            ring_sizes[a] = tuple(sorted(found))
        isotopes = self.isotope_mass
        labelled = [i in isotopes for i in range(n)] if isotopes else [False] * n
        self._contexts = list(zip(self.numbers, self.aromatic, self.total_h, self.charges, map(len, self.neighbours),
                                  ring_sizes, labelled, strict=True))
        # per bond (both ways), its type and whether it is in a ring, as one number
        ring_bonds = self.ring_bonds
        bonds = self.bonds
        doubled = {bt: 2 * int(bt) for bt in set(bonds.values())}  # (a few types: int() once per type)
        self.bond_code = {pair: doubled[bt] + (pair in ring_bonds) for pair, bt in bonds.items()}
        # the atom kinds present (see crystal_palace.legal.query_screen)
        ring_atoms = frozenset().union(*self.rings)
        self.kinds = kinds_present(self.numbers, self.aromatic, map(ring_atoms.__contains__, range(n)))

    @lazy
    def atom_rings(self) -> list[tuple[frozenset[int], ...]]:
        """Per atom, the rings through it."""
        out: list[tuple[frozenset[int], ...]] = [()] * self.size[0]
        for ring in self.rings:  # (most atoms are in no ring or one: tuples grown in place beat lists converted)
            for a in ring:
                out[a] += (ring,)
        return out

    @lazy
    def mass(self) -> float:
        """Average molecular mass in u (isotope-labelled atoms with their own mass), as RDKit's MolWt."""
        if self.isotope_mass:
            return sum(self.isotope_mass.get(i, _WEIGHTS[z]) + _H_WEIGHT * h
                       for i, (z, h) in enumerate(zip(self.numbers, self.total_h, strict=True)))
        # the same terms added in the same order (so the same float), without the interpreter's loop
        total: float = sum(map(operator.add, map(_WEIGHTS.__getitem__, self.numbers),
                               map(_H_WEIGHT.__mul__, self.total_h)))
        return total

    @lazy
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
            if not possible(query_needs(query), self.kinds):
                found = self.matches[key] = ()
                return found
            found = tuple(mol.GetSubstructMatches(query, uniquify=False, maxMatches=MAX_MATCHES))
            self.matches[key] = found
            if len(found) >= MAX_MATCHES:
                self.shared = False  # a truncated search: what is judged here may depend on the truncation
        return found

    def match_sets(self, mol: Chem.Mol, query: Chem.Mol) -> frozenset[frozenset[int]]:
        """The atom sets of the matches of ``query`` (cached)."""
        key = id(query)
        found = self.sets.get(key)
        if found is None:
            found = self.sets[key] = frozenset(map(frozenset, self.substruct(mol, query)))
        return found

    def has(self, mol: Chem.Mol, query: Chem.Mol) -> bool:
        """Whether ``query`` occurs in the molecule (cached: prefilters are shared by rules and calls).

        A query needing an atom kind the molecule lacks is answered without a search (sound screen,
        :mod:`crystal_palace.legal.query_screen`).
        """
        found = self.hits.get(id(query))
        if found is None:
            kinds = self.kinds
            found = True
            for kind, n in query_needs(query):  # (possible(), inlined: this runs tens of times per molecule)
                if kinds.get(kind, 0) < n:
                    found = False
                    break
            if found:
                found = bool(mol.HasSubstructMatch(query))
            self.hits[id(query)] = found
        return found


_ATOM = Chem.Atom
_BOND = Chem.Bond
_CHARGED = Chem.MolFromSmarts("[!+0]")
#: an atom with an isotope label (isotope number not 0)
_LABELLED = Chem.MolFromSmarts("[!0*]")
#: a bond that is not single, double, triple or aromatic (the bond-order matrix cannot tell it apart)
_UNUSUAL_BOND = Chem.MolFromSmarts("*!-!=!#!:*")
_ORDER_TYPES = {1.0: Chem.BondType.SINGLE, 1.5: Chem.BondType.AROMATIC, 2.0: Chem.BondType.DOUBLE,
                3.0: Chem.BondType.TRIPLE}
#: atom contexts (see MolGraph.atom_context) by number, shared by all molecules
_CONTEXT_IDS: dict[tuple[int, bool, int, int, int, tuple[int, ...], bool], int] = {}
_CONTEXT_NUMBERS = itertools.count()

#: substructure matches searched per query and molecule (a molecule reaching it is not shared)
MAX_MATCHES = 10_000
#: molecules larger than this never share verdicts (a bound on what a search can find, see above)
SHARED_MAX_ATOMS = 80
_SYMBOLS = ["*"] + [str(_PT.GetElementSymbol(z)) for z in range(1, 119)]
_WEIGHTS = [float(_PT.GetAtomicWeight(z)) for z in range(119)]

_GRAPHS: weakref.WeakKeyDictionary[Chem.Mol, MolGraph] = weakref.WeakKeyDictionary()


def graph_of(mol: Chem.Mol) -> MolGraph:
    """The cached :class:`MolGraph` of ``mol``.

    Like RDKit's own ring and property caches, this assumes the molecule is not edited in place between
    calls; a change in the number of atoms or bonds is detected and the view rebuilt.
    """
    last = _LOCAL.graph
    if last is not None and last._mol() is mol:  # the molecule being judged right now (see judging)
        return last
    return _lookup(mol)


def _lookup(mol: Chem.Mol, binary: bytes | None = None) -> MolGraph:
    g = _GRAPHS.get(mol)
    if g is None or g.size != (mol.GetNumAtoms(), mol.GetNumBonds()):
        g = MolGraph(mol, binary)
        _GRAPHS[mol] = g
    return g


class _Local(threading.local):
    graph: MolGraph | None = None


_LOCAL = _Local()


class judging:  # noqa: N801 - a context manager used like a function
    """Within the block, :func:`graph_of` answers for ``mol`` without looking it up (nor checking its size).

    The molecule must not be edited inside the block. Its graph is dropped afterwards unless it was
    cached before (a screen keeps its molecules, and their caches would otherwise pile up). ``binary`` is
    ``mol.ToBinary()`` when the caller has it (the view is read from it). A class rather than a generator
    function: it is entered once for every structure of a screen.
    """

    __slots__ = ("mol", "binary", "owned", "previous")

    def __init__(self, mol: Chem.Mol, binary: bytes | None = None) -> None:
        self.mol = mol
        self.binary = binary

    def __enter__(self) -> MolGraph:
        mol = self.mol
        self.owned = _GRAPHS.get(mol) is None
        graph = _lookup(mol, self.binary)
        self.previous = _LOCAL.graph
        _LOCAL.graph = graph
        return graph

    def __exit__(self, *exc: object) -> None:
        _LOCAL.graph = self.previous
        if self.owned:
            _GRAPHS.pop(self.mol, None)


#: while set, :meth:`Piece.describe` records here the atom numbers it put into words (text, atoms)
WORDING: contextvars.ContextVar[list[tuple[str, frozenset[int], tuple[tuple[int, int], ...]]] | None] = (
    contextvars.ContextVar("WORDING", default=None))
_GROUP_WORDS = re.compile(r"the group at atoms \[[0-9, ]*\]")


def reword(text: str, words: dict[str, str]) -> str:
    """``text`` with each group named by atom numbers (as :meth:`Piece.describe` words it) renamed."""
    if "the group at atoms [" not in text:
        return text
    return _GROUP_WORDS.sub(lambda m: words.get(m.group(0), m.group(0)), text)


ContextKey = tuple[tuple[Any, ...], ...]


def context_key(piece: Piece) -> ContextKey:
    """Everything a judgement of the piece can read, with its atoms renumbered 0.. in index order.

    A verdict on a piece (:func:`crystal_palace.legal.substituent_rules.judge`) reads the piece's atoms
    (element, aromaticity, hydrogens, charge, degree in the molecule, sizes of the rings through them),
    its bonds (type, in a ring or not), its anchors and the atoms it hangs on, the rings crossing it, and
    substructure matches, which are made of the same atoms and bonds. Two pieces with the same key get
    the same verdict, in whatever molecule they are, as long as the searches were complete
    (:attr:`MolGraph.shared`); only the atom numbers in its words differ (see :data:`WORDING`).

    Computed by the C extension when it is built (it was a tenth of legal status in Python), else by
    :func:`context_key_of`, the reference reading that tests compare it with.
    """
    g = piece.graph
    return _KEY(piece.atoms, piece.anchors, g.atom_context, g.neighbours, g.bond_code, g.atom_rings)


def context_key_of(inside: frozenset[int], anchors: tuple[tuple[int, int], ...], context: list[int],
                   neighbours: list[list[int]], code: dict[tuple[int, int], int],
                   atom_rings: list[tuple[frozenset[int], ...]]) -> ContextKey:
    """:func:`context_key` of the piece ``inside`` with ``anchors``, from its graph's parts (in Python)."""
    outside: dict[int, int] = {}
    if len(inside) == 1:  # the commonest piece: one atom (halogen, methyl, oxo ...)
        (a,) = inside
        anchored = tuple((outside.setdefault(o, len(outside)), 0 if i == a else -1, code.get((o, i), 0), context[o])
                         for o, i in anchors)
        contacts = tuple(sorted((outside[o], 0, code[(a, o)]) for o in neighbours[a] if o in outside))
        single = tuple(sorted((len(r), tuple(sorted(outside[b] for b in r if b in outside))) for r in atom_rings[a]))
        return (context[a],), (), anchored, contacts, single
    order = sorted(inside)
    local = {a: k for k, a in enumerate(order)}
    atoms = tuple([context[a] for a in order])
    links = tuple([(local[i], local[j], code[(i, j)]) for i in order for j in neighbours[i] if j > i and j in local])
    anchored = tuple((outside.setdefault(o, len(outside)), local.get(i, -1), code.get((o, i), 0), context[o])
                     for o, i in anchors)
    # every bond between the piece and an atom it hangs on, anchor or not (a search may use it)
    contacts = tuple(sorted([(outside[o], local[i], code[(i, o)]) for i in order for o in neighbours[i]
                             if o in outside]))
    crossing = {r for a in order for r in atom_rings[a]}
    rings = tuple(sorted([(tuple(sorted([local[a] for a in r if a in inside])), len(r),
                           tuple(sorted([outside[a] for a in r if a in outside]))) for r in crossing]))
    return atoms, links, anchored, contacts, rings


_KEY: Callable[..., ContextKey] = _context_key_c if _context_key_c is not None else context_key_of


def components(neighbours: list[list[int]], todo: set[int]) -> list[frozenset[int]]:
    """Connected components of the atoms in ``todo`` (emptied), sorted by their lowest atom."""
    out: list[frozenset[int]] = []
    pop = todo.pop
    discard = todo.discard
    while todo:
        seed = pop()
        comp = [seed]
        stack = [seed]
        while stack:
            for n in neighbours[stack.pop()]:
                if n in todo:
                    discard(n)
                    comp.append(n)
                    stack.append(n)
        out.append(frozenset(comp))
    if len(out) > 1:
        out.sort(key=min)
    return out


@mypyc_attr(native_class=False)  # (its lazy attributes live in the instance's __dict__)
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

    def __init__(self, mol: Chem.Mol, atoms: Iterable[int], anchors: Iterable[tuple[int, int]],
                 graph: MolGraph | None = None) -> None:
        self.mol = mol
        self.atoms = frozenset(atoms)
        self.anchors = tuple(anchors)
        self.graph = graph if graph is not None else graph_of(mol)

    def child(self, atoms: Iterable[int], anchors: Iterable[tuple[int, int]]) -> Piece:
        """Another piece of the same molecule (sharing its graph)."""
        return Piece(self.mol, atoms, anchors, self.graph)

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
        return BOND_TYPES[self.graph.bond_code[self.anchors[k]] >> 1]

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
        """Neighbours of ``i`` inside the piece (do not modify the list: it is shared)."""
        found = self._adjacency.get(i)
        if found is None:
            inside = self.atoms
            return [n for n in self.graph.neighbours[i] if n in inside]
        return found

    @lazy
    def _adjacency(self) -> dict[int, list[int]]:
        inside = self.atoms
        neighbours = self.graph.neighbours
        return {i: [n for n in neighbours[i] if n in inside] for i in inside}

    def bond(self, i: int, j: int) -> Chem.BondType:
        """Bond type between two atoms."""
        return BOND_TYPES[self.graph.bond_code[(i, j)] >> 1]

    def hydrogens(self, i: int) -> int:
        """Hydrogens on ``i``, counting stripped neighbours (not piece, not anchor) as hydrogen."""
        graph = self.graph
        inside = self.atoms
        anchors = self.anchors
        count = graph.total_h[i]
        for n in graph.neighbours[i]:
            if n not in inside and (n, i) not in anchors:  # (n, i) an anchor bond: n is what it hangs on
                count += 1
        return count

    def describe(self) -> str:
        """Words for the piece in a message: its SMILES when already known or when explaining, else its atoms.

        Computing a canonical SMILES costs a few hundred microseconds; it is done only for the final
        explanation of a miss (see :data:`EXPLAINING`), not for every reading tried.
        """
        if EXPLAINING.get():
            smi = self.smiles
            if smi:
                return f"'{smi}'"
        text = f"the group at atoms {sorted(self.atoms)}"
        log = WORDING.get()
        if log is not None:
            log.append((text, self.atoms, self.anchors))
        return text

    def sub(self, atoms: Iterable[int]) -> Piece:
        """The piece formed by ``atoms`` (a subset), anchored to everything else it is bonded to."""
        inside = frozenset(atoms)
        neighbours = self.graph.neighbours
        anchors = [(n, a) for a in sorted(inside) for n in neighbours[a]
                   if n not in inside and (n in self.atoms or (n, a) in self.anchors)]
        return self.child(inside, anchors)

    def components(self, atoms: Iterable[int]) -> list[frozenset[int]]:
        """Connected components of a subset of the piece's atoms."""
        todo = set(atoms)
        if not todo <= self.atoms:
            return self._components_outside(todo)
        return components(self.graph.neighbours, todo)

    def _components_outside(self, todo: set[int]) -> list[frozenset[int]]:
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
    @lazy
    def elements(self) -> frozenset[str]:
        """Element symbols present (hydrogen not listed)."""
        return frozenset(self.graph.symbols[i] for i in self.atoms)

    @lazy
    def formula(self) -> tuple[tuple[str, int], ...]:
        """Heavy-atom composition plus the number of atoms it hangs on (``*``), for quick comparisons."""
        counts = Counter(self.graph.symbols[i] for i in self.atoms)
        counts["*"] = len(self.outside)
        return tuple(sorted(counts.items()))

    @lazy
    def carbons(self) -> int:
        """Number of carbon atoms."""
        return sum(1 for i in self.atoms if self.graph.numbers[i] == 6)

    @lazy
    def mass(self) -> float:
        """Average mass in u of the piece with its hydrogens (the bond to the core not counted)."""
        return sum(_WEIGHTS[self.graph.numbers[i]] + _H_WEIGHT * self.hydrogens(i) for i in self.atoms)

    @lazy
    def own_rings(self) -> tuple[frozenset[int], ...]:
        """Rings of the molecule lying wholly inside the piece."""
        return tuple(r for r in self.graph.rings if r <= self.atoms)

    @lazy
    def ring_atoms(self) -> frozenset[int]:
        """Atoms of the piece that lie in a ring wholly inside the piece."""
        return frozenset().union(*self.own_rings) if self.own_rings else frozenset()

    @lazy
    def closing_rings(self) -> tuple[frozenset[int], ...]:
        """Rings through both piece atoms and outside atoms (the rings a multi-anchored piece closes)."""
        return tuple(r for r in self.graph.rings if r & self.atoms and not r <= self.atoms)

    def internal_bonds(self) -> Iterator[tuple[int, int, Chem.BondType]]:
        """Bonds between two piece atoms."""
        return iter(self._internal)

    @lazy
    def _internal(self) -> list[tuple[int, int, Chem.BondType]]:
        codes = self.graph.bond_code
        types = BOND_TYPES
        return [(i, j, types[codes[(i, j)] >> 1]) for i in self.atoms for j in self.nbrs(i) if i < j]

    @lazy
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
        key = self._labelled_key()
        found = _PIECE_SMILES.get(key, _MISSING)
        if found is not _MISSING:
            return found
        if len(_PIECE_SMILES) >= _PIECE_SMILES_MAX:
            _PIECE_SMILES.clear()
        smiles = _PIECE_SMILES[key] = _smiles_of_labelled(key)
        return smiles

    def _labelled_key(self) -> _LabelledPiece:
        """Everything the piece's SMILES is built from, with the piece's atoms renumbered 0.. in index order.

        Two pieces with the same key give the same molecule to write, whatever molecule they come from,
        so their canonical SMILES is computed once per process (:data:`_PIECE_SMILES`).
        """
        g = self.graph
        order = sorted(self.atoms)
        local = {a: k for k, a in enumerate(order)}
        charges = g.charges
        atoms = tuple((g.numbers[i], charges[i], g.aromatic[i], self.hydrogens(i)) for i in order)
        bonds = tuple(sorted((local[i], local[j], int(self.bond(i, j))) for i, j, _ in self.internal_bonds()))
        outside: dict[int, int] = {}
        anchors = tuple((outside.setdefault(o, len(outside)), local[i], int(self.bond(o, i))) for o, i in self.anchors)
        return atoms, bonds, anchors


_LabelledPiece = tuple[tuple[tuple[int, int, bool, int], ...], tuple[tuple[int, int, int], ...],
                       tuple[tuple[int, int, int], ...]]

#: canonical SMILES of pieces by labelled key, shared by all molecules (substituents recur across a screen)
_PIECE_SMILES: dict[_LabelledPiece, str | None] = {}
_PIECE_SMILES_MAX = 20_000


def forget_pieces() -> None:
    """Drop the piece SMILES shared between molecules."""
    _PIECE_SMILES.clear()
_MISSING = "\0missing"



def _smiles_of_labelled(key: _LabelledPiece) -> str | None:
    """Canonical SMILES (no stereo, no isotopes) of a labelled piece, ``*`` for each atom it hangs on."""
    atoms, bonds, anchors = key
    rw = Chem.RWMol()
    for number, charge, aromatic, hydrogens in atoms:
        new = Chem.Atom(number)
        new.SetFormalCharge(charge)
        new.SetIsAromatic(aromatic)
        new.SetNumExplicitHs(hydrogens)
        new.SetNoImplicit(True)
        rw.AddAtom(new)
    for i, j, bt in bonds:
        rw.AddBond(i, j, BOND_TYPES[bt])
    dummies: dict[int, int] = {}
    for outside, inside, bt in anchors:
        if outside not in dummies:
            dummies[outside] = rw.AddAtom(Chem.Atom(0))
        bond = BOND_TYPES[bt]
        if bond == Chem.BondType.AROMATIC:
            bond = Chem.BondType.SINGLE
        rw.AddBond(dummies[outside], inside, bond)
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
    weight, adj = chain_nodes(piece, use, piece.graph.rings)

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


def chain_nodes(piece: Piece, use: frozenset[int], rings: Iterable[frozenset[int]]) -> tuple[list[int], list[set[int]]]:
    """The graph the chain lengths are read on: (weight of each node, the nodes linked to each node).

    A node is an acyclic atom of ``use`` (weight 1) or a ring system: the ``rings`` (of the molecule,
    or those crossing ``use``) restricted to ``use``, joined where they share atoms (weight 0, since ring
    atoms are never counted). :func:`chain_bounds` and
    :func:`crystal_palace.legal.substituent_rules.chain_lengths` read the same graph through this.
    """
    systems: list[set[int]] = []
    for ring in rings:
        part = set(ring) & use
        if not part:
            continue
        for s in [s for s in systems if s & part]:
            systems.remove(s)
            part |= s
        systems.append(part)
    atom_rings = piece.graph.atom_rings
    node_of: dict[int, int] = {}
    weight: list[int] = []
    for a in sorted(use):
        if not atom_rings[a]:
            node_of[a] = len(weight)
            weight.append(1)
    for s in systems:
        nid = len(weight)
        weight.append(0)
        for a in s:
            node_of[a] = nid
    adj: list[set[int]] = [set() for _ in weight]
    neighbours = piece.graph.neighbours
    for a in use:
        na = node_of[a]
        for b in neighbours[a]:
            if b in use:
                nb = node_of[b]
                if na != nb:
                    adj[na].add(nb)
    return weight, adj


def worst(checks: Iterable[Check]) -> Check:
    """Combine checks that must all hold: not beats undecided beats covered."""
    found = min(checks, key=lambda c: _WORST_RANK[c.outcome], default=None)  # the first of the worst
    return found if found is not None else COVERED

"""Allowed-substituent lists and how a piece is judged against them.

A position of a generic definition (and a ring's substituents, nested) is a :class:`SubstituentRule`:
a list of allowed substituent classes (:class:`SubstituentSpec`, each a named class of the vocabulary
with its parameters) plus, optionally, the text's licence to substitute the listed groups further
(:class:`Further`). German definitions use two kinds of licence, both encoded here:

* open: "Die aufgeführten Atomgruppen können weiterhin mit beliebigen ... Kombinationen der Elemente
  ... substituiert sein ... durchgehende Kettenlänge von maximal n Atomen" (NpSG 1, 6): the piece must
  *start* with a listed group, use only the listed elements and respect the chain length;
* listed: "Die vorgenannten Atomgruppen können mit folgenden Atomen und Atomgruppen substituiert sein:
  Fluor, ..., Trialkylsilylgruppen" (NpSG 2.3, 7, 9): the piece must be a listed group once the listed
  substituents are stripped off.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from mypy_extensions import mypyc_attr

from crystal_palace.legal.pieces import (
    COVERED,
    EXPLAINING,
    WORDING,
    Check,
    Outcome,
    Piece,
    best,
    chain_bounds,
    chain_nodes,
    context_key,
    lazy,
    not_,
    reword,
    undecided,
)

Params = Mapping[str, object]
CheckFn = Callable[[Piece, Params], Check]
BaseFn = Callable[[Piece, Params], bool]
DescribeFn = Callable[[Params], str]

#: classes named last when several starts fit (a 2-methoxybenzyl is reported as "benzyl", not "alkyl")
_GENERIC_BASES = frozenset({"alkyl", "alkenyl", "alkynyl", "hydrocarbon_chain", "chain"})

#: the most subsets of strippable groups tried when judging a "listed" further substitution
MAX_STRIP_SUBSETS = 1024


@dataclass(frozen=True)
class ParamSpec:
    """One parameter a substituent class accepts: its kind and whether it must be given."""

    kind: str  # "int", "bool", "elements", "names", "rule", "systems", "smarts", "str"
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class ClassDef:
    """A named class of the substituent vocabulary.

    Parameters
    ----------
    name
        The name used in rule files.
    check
        Decides whether a piece is exactly an instance of the class.
    params
        Accepted parameters.
    base
        Decides whether a piece *starts with* an instance of the class (for further substitution);
        None when the class cannot be further substituted.
    describe
        Human wording for explanations.
    multi
        True when the class describes pieces anchored more than once (rings across the core).
    """

    name: str
    check: CheckFn
    params: Mapping[str, ParamSpec] = field(default_factory=dict)
    base: BaseFn | None = None
    describe: DescribeFn | None = None
    multi: bool = False
    help: str = ""


@mypyc_attr(native_class=False)  # (its lazy attributes live in the instance's __dict__)
@dataclass(frozen=True)
class SubstituentSpec:
    """One entry of an allowed list: a vocabulary class with its parameters, and where it was written."""

    cls: ClassDef
    params: Params
    line: int | None = None
    text: str = ""
    undecided: str = ""

    @lazy
    def label(self) -> str:
        """Words naming the entry ("alkyl (up to C6)"); computed once, the entry being immutable."""
        if self.text:
            return self.text
        if self.cls.describe is not None:
            return self.cls.describe(self.params)
        return self.cls.name.replace("_", " ")

    def check(self, piece: Piece) -> Check:
        """Exact check of a piece against this entry (an entry marked undecided never covers)."""
        c = self.cls.check(piece, self.params)
        if self.undecided and c.outcome is Outcome.COVERED:
            return undecided(f"{self.label}: {self.undecided}")
        return c

    def base(self, piece: Piece) -> bool:
        """True when the piece starts with an instance of this entry."""
        return self.cls.base is not None and self.cls.base(piece, self.params)


@dataclass(frozen=True)
class Further:
    """The text's licence to substitute the listed groups further (see the module docstring)."""

    elements: frozenset[str] | None = None
    max_chain: int | None = None
    substituents: SubstituentRule | None = None
    text: str = ""


@mypyc_attr(native_class=False)  # (its lazy attributes live in the instance's __dict__)
@dataclass(frozen=True)
class SubstituentRule:
    """What may sit somewhere: allowed entries, further substitution, element and mass limits."""

    allowed: tuple[SubstituentSpec, ...] = ()
    further: Further | None = None
    elements: frozenset[str] | None = None
    max_mass: float | None = None
    text: str = ""

    def describe(self) -> str:
        """The allowed entries in words."""
        return self._described

    @lazy
    def _described(self) -> str:
        names = ", ".join(s.label for s in self.allowed) or "nothing"
        if self.further is not None and self.further.substituents is not None:
            names += " (further substituted by: " + self.further.substituents.describe() + ")"
        elif self.further is not None:
            names += " (further substituted"
            if self.further.max_chain is not None:
                names += f", chain <= {self.further.max_chain}"
            names += ")"
        return names


class Verdict(NamedTuple):
    """How one piece fared against a rule: the outcome and the entry that covered it (immutable)."""

    check: Check
    label: str = ""


#: a group named by atom numbers in a verdict's words: (words, atoms, anchors), as Piece.describe wrote it
Named = tuple[str, frozenset[int], tuple[tuple[int, int], ...]]
#: the same in the piece's own numbering: (words, atoms, anchors as ((0, inside atom) or (1, outside atom), atom))
LocalNamed = tuple[str, tuple[int, ...], tuple[tuple[tuple[int, int], int], ...]]


def judge(piece: Piece, rule: SubstituentRule) -> Verdict:
    """Judge a piece against an allowed list, trying exact entries first, then further substitution.

    The verdict depends only on the piece (its atoms and anchors in its molecule) and the rule, and
    is remembered for the molecule: placements of a core, and the fail-fast, full and explaining
    passes over them, meet the same pieces again. It is also shared with the same piece in other
    molecules (see :func:`~crystal_palace.legal.pieces.context_key`); the only words of a verdict that
    depend on the molecule are the groups it names by atom numbers (:meth:`Piece.describe`), which are
    recorded and renamed. While explaining, groups are named by SMILES instead: that verdict is the
    plain one with those names replaced.
    """
    if EXPLAINING.get():
        return _judge_explaining(piece, rule)
    key = (piece.atoms, piece.anchors, id(rule))
    graph = piece.graph
    memo = graph.judged
    found = memo.get(key)
    if found is not None and found[0] is rule:
        if found[2]:
            _pass_on(found[2])
        return cast(Verdict, found[1])
    shared_key = None
    if graph.shared:  # the same piece in another molecule: the same verdict (see context_key)
        where = (piece.atoms, piece.anchors)
        context = graph.contexts.get(where)
        if context is None:
            context = graph.contexts[where] = context_key(piece)
        shared_key = (context, id(rule))
        shared = _SHARED.get(shared_key)
        if shared is not None and shared[0] is rule:
            verdict, named = shared[1], shared[2]
            log: tuple[Named, ...] = ()
            if named:  # the same words, naming this molecule's atoms
                log = _globalise(named, piece)
                words = {old: text for (old, _, _), (text, _, _) in zip(named, log, strict=True)}
                verdict = Verdict(Check(verdict.check.outcome, reword(verdict.check.reason, words)),
                                  reword(verdict.label, words))
            _pass_on(log)
            memo[key] = (rule, verdict, log)
            return verdict
    found_words: list[Named] = []
    token = WORDING.set(found_words)
    try:
        verdict = _judge(piece, rule)
    finally:
        WORDING.reset(token)
    log = tuple(found_words)
    _pass_on(log)
    memo[key] = (rule, verdict, log)
    if shared_key is not None and graph.shared:
        local = _localise(log, piece)
        if local is not None:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            _SHARED[shared_key] = (rule, verdict, local)
    return verdict


def _judge_explaining(piece: Piece, rule: SubstituentRule) -> Verdict:
    """The verdict with groups named by SMILES: the plain verdict, its atom-numbered names replaced."""
    key = (piece.atoms, piece.anchors, id(rule), True)
    graph = piece.graph
    found = graph.judged.get(key)
    if found is not None and found[0] is rule:
        return cast(Verdict, found[1])
    token = EXPLAINING.set(False)
    try:
        verdict = judge(piece, rule)
        log = graph.judged[(piece.atoms, piece.anchors, id(rule))][2]
    finally:
        EXPLAINING.reset(token)
    if log:
        words: dict[str, str] = {}
        said = verdict.check.reason + "\n" + verdict.label
        for text, atoms, anchors in log:
            if text not in said:
                continue  # a group named in words the verdict did not keep
            smiles = piece.child(atoms, anchors).smiles
            named = f"'{smiles}'" if smiles else text
            if words.setdefault(text, named) != named:  # one name, two groups: word it the long way
                words = {}
                verdict = _judge(piece, rule)
                break
        if words:
            verdict = Verdict(Check(verdict.check.outcome, reword(verdict.check.reason, words)),
                              reword(verdict.label, words))
    graph.judged[key] = (rule, verdict, ())
    return verdict


def _localise(log: tuple[Named, ...], piece: Piece) -> tuple[LocalNamed, ...] | None:
    """The groups a verdict names, in the piece's own numbering (None: a group is not inside the piece)."""
    if not log:
        return ()
    inside = piece.atoms
    local = {a: k for k, a in enumerate(sorted(inside))}
    outside: dict[int, int] = {}
    for o, _ in piece.anchors:
        outside.setdefault(o, len(outside))
    out: list[LocalNamed] = []
    for text, atoms, anchors in log:
        if not atoms <= inside:
            return None
        moved: list[tuple[tuple[int, int], int]] = []
        for o, i in anchors:
            if i not in local:
                return None
            if o in local:
                moved.append(((0, local[o]), local[i]))
            elif o in outside:
                moved.append(((1, outside[o]), local[i]))
            else:
                return None
        out.append((text, tuple(sorted(local[a] for a in atoms)), tuple(moved)))
    return tuple(dict.fromkeys(out))


def _globalise(named: tuple[LocalNamed, ...], piece: Piece) -> tuple[Named, ...]:
    """:func:`_localise` undone for another piece with the same context key (words renumbered)."""
    order = sorted(piece.atoms)
    outside: list[int] = []
    for o, _ in piece.anchors:
        if o not in outside:
            outside.append(o)
    out: list[Named] = []
    for _, local, anchors in named:
        atoms = [order[k] for k in local]
        out.append((f"the group at atoms {atoms}", frozenset(atoms),
                    tuple((order[o] if kind == 0 else outside[o], order[i]) for (kind, o), i in anchors)))
    return tuple(out)


def _pass_on(log: tuple[Named, ...]) -> None:
    """Tell an enclosing verdict which groups this one named by atom numbers (its words may carry them)."""
    if log:
        outer = WORDING.get()
        if outer is not None:
            outer.extend(log)


#: verdicts by context key of the piece (shared by the molecules of a screen; see judge)
_SHARED: dict[tuple[object, ...], tuple[SubstituentRule, Verdict, tuple[LocalNamed, ...]]] = {}
_SHARED_MAX = 20_000


def forget_verdicts() -> None:
    """Drop the verdicts shared between molecules (see judge)."""
    _SHARED.clear()


def _judge(piece: Piece, rule: SubstituentRule) -> Verdict:
    if rule.elements is not None and not piece.elements <= rule.elements:
        extra = ", ".join(sorted(piece.elements - rule.elements))
        return Verdict(not_(f"contains {extra}, not among the allowed elements"))
    doubt: Verdict | None = None  # the first entry (or further substitution) that leaves it undecided
    for spec in rule.allowed:
        c = spec.check(piece)
        if c.outcome is Outcome.COVERED:  # (c.ok, without a property call per entry)
            return Verdict(c, spec.label)
        if doubt is None and c.outcome is Outcome.UNDECIDED:
            doubt = Verdict(c, spec.label)
    if rule.further is not None:
        v = _judge_further(piece, rule)
        if v.check.ok or (v.check.outcome is Outcome.NOT and v.label):
            return v
        if doubt is None and v.check.outcome is Outcome.UNDECIDED:
            doubt = v
    if doubt is not None:
        return doubt
    return Verdict(not_(f"{_describe_piece(piece)} is not one of: {rule.describe()}"))


def _describe_piece(piece: Piece) -> str:
    return piece.describe()


def _judge_further(piece: Piece, rule: SubstituentRule) -> Verdict:
    further = rule.further
    assert further is not None  # noqa: S101 - guarded by the caller
    if further.substituents is not None:
        return _judge_stripped(piece, rule.allowed, further.substituents)
    if further.elements is not None and not piece.elements <= further.elements:
        extra = ", ".join(sorted(piece.elements - further.elements))
        return Verdict(not_(f"further substitution may use only {', '.join(sorted(further.elements))}; found {extra}"))
    start = _first_start(piece, rule)
    if start is None:
        return Verdict(not_(f"{_describe_piece(piece)} does not start with any of: {rule.describe()}"))
    label = f"{start.label}, further substituted"
    if further.max_chain is None:
        return Verdict(COVERED, label)
    low, high = chain_lengths(piece)
    if high <= further.max_chain:
        return Verdict(COVERED, f"{label} (chain {low} <= {further.max_chain})")
    if low > further.max_chain:
        return Verdict(not_(f"continuous chain of {low} atoms > {further.max_chain}"), label)
    return Verdict(undecided(f"continuous chain is {low} atoms with rings breaking it, {high} counting through "
                             f"rings; the limit of {further.max_chain} does not say which"), label)


def _first_start(piece: Piece, rule: SubstituentRule) -> SubstituentSpec | None:
    """The entry the piece starts with, generic classes (alkyl ...) named last; None if none.

    The first entry in the list's order whose class is not generic, else the first generic one: the
    entries are tried in that order and the search stops at the first that fits.
    """
    generic: list[SubstituentSpec] = []
    for spec in rule.allowed:
        if spec.cls.name in _GENERIC_BASES:
            generic.append(spec)
        elif spec.base(piece):
            return spec
    for spec in generic:
        if spec.base(piece):
            return spec
    return None


def chain_lengths(piece: Piece, atoms: Iterable[int] | None = None) -> tuple[int, int]:
    """:func:`~crystal_palace.legal.pieces.chain_bounds`, the longest paths found in one pass over a tree.

    chain_bounds tries every simple path from every node (an acyclic atom, or a ring system counting
    zero); the nodes of a piece form a tree (its rings are inside the ring-system nodes), on which the
    longest path is found from each node's two longest branches. Should the nodes not form a tree
    (ring information missing), chain_bounds answers.
    """
    use = frozenset(atoms) if atoms is not None else piece.atoms
    graph = piece.graph
    atom_rings = graph.atom_rings
    crossing = {r for a in use for r in atom_rings[a]}
    low = _longest_acyclic(use, atom_rings, graph.neighbours)
    if low is None:
        return chain_bounds(piece, use)
    if not crossing:
        return low, low
    weight, adj = chain_nodes(piece, use, crossing)
    high = _longest_weighted(weight, adj)
    if high is None:
        return chain_bounds(piece, use)
    return low, high


def longest_chain(piece: Piece, atoms: Iterable[int] | None = None) -> int:
    """The first reading of :func:`~crystal_palace.legal.pieces.chain_bounds` (ring atoms break the chain)."""
    graph = piece.graph
    use = frozenset(atoms) if atoms is not None else piece.atoms
    low = _longest_acyclic(use, graph.atom_rings, graph.neighbours)
    return low if low is not None else chain_bounds(piece, use)[0]


def longest_from(start: int, atoms: frozenset[int], neighbours: list[list[int]]) -> int | None:
    """The most atoms on a path from ``start`` through ``atoms`` (None: its component is not a tree)."""
    _, length, seen, ends = _farthest(start, atoms, neighbours)
    return length if ends == 2 * (len(seen) - 1) else None


def _longest_acyclic(use: frozenset[int], atom_rings: list[tuple[frozenset[int], ...]],
                     neighbours: list[list[int]]) -> int | None:
    """The most atoms on a path through the acyclic atoms of ``use`` (None: they do not form a forest)."""
    todo = {a for a in use if not atom_rings[a]}
    allowed = frozenset(todo)
    best_len = 0
    while todo:
        far, _, seen, ends = _farthest(todo.pop(), allowed, neighbours)
        if ends != 2 * (len(seen) - 1):  # bonds inside the component, counted from both ends: not a tree
            return None
        _, length, _, _ = _farthest(far, allowed, neighbours)
        best_len = max(best_len, length)
        todo -= seen
    return best_len


def _longest_weighted(weight: list[int], adj: list[set[int]]) -> int | None:
    """The heaviest path (sum of its nodes' weights) of a forest (None: the graph is not a forest)."""
    n = len(weight)
    parent = [-2] * n  # -2: not reached yet, -1: a root
    order: list[int] = []
    trees = 0
    for root in range(n):
        if parent[root] != -2:
            continue
        trees += 1
        parent[root] = -1
        k = len(order)
        order.append(root)
        while k < len(order):
            v = order[k]
            k += 1
            for u in adj[v]:
                if parent[u] == -2:
                    parent[u] = v
                    order.append(u)
    if sum(map(len, adj)) != 2 * (n - trees):  # each edge seen from both ends: a forest has n - trees
        return None
    down = [0] * n  # the heaviest path from a node down into its subtree
    best_len = 0
    for v in reversed(order):  # children before their parents
        first = second = 0
        up = parent[v]
        for u in adj[v]:
            if u != up:
                d = down[u]
                if d > first:
                    first, second = d, first
                elif d > second:
                    second = d
        down[v] = weight[v] + first
        best_len = max(best_len, weight[v] + first + second)
    return best_len


def _farthest(start: int, inside: frozenset[int], neighbours: list[list[int]]) -> tuple[int, int, set[int], int]:
    """A breadth-first search from ``start`` through ``inside``.

    Returns the last atom reached, the number of levels, the atoms reached and the ends of the bonds
    among them: in a tree, the atom farthest from ``start``, the atoms on the path to it, the
    component and twice its bonds.
    """
    seen = {start}
    level = [start]
    depth = 0
    last = start
    ends = 0
    while level:
        depth += 1
        last = level[0]
        following = []
        for a in level:
            for n in neighbours[a]:
                if n in inside:
                    ends += 1
                    if n not in seen:
                        seen.add(n)
                        following.append(n)
        level = following
    return last, depth, seen, ends


def _strippable(piece: Piece, listed: SubstituentRule) -> list[frozenset[int]]:
    """Subtrees hanging off non-ring bonds that are themselves one of the listed substituents."""
    out: list[frozenset[int]] = []
    ring_bonds = {frozenset((i, j)) for r in piece.own_rings for i in r for j in r}
    for i, j, _bt in piece.internal_bonds():
        if frozenset((i, j)) in ring_bonds and (i, j) in piece.graph.ring_bonds:
            continue
        for near, far in ((i, j), (j, i)):
            side = _side(piece, far, near)
            if side is None or piece.root in side:
                continue
            sub = piece.child(side, [(near, far)])
            if judge(sub, listed).check.ok:
                out.append(side)
    return out


def _side(piece: Piece, start: int, blocked: int) -> frozenset[int] | None:
    """Atoms reachable from ``start`` without crossing ``blocked``; None if that wraps round a ring."""
    seen = {start}
    stack = [start]
    while stack:
        cur = stack.pop()
        for n in piece.nbrs(cur):
            if cur == start and n == blocked:
                continue
            if n == blocked:
                return None
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return frozenset(seen)


def _judge_stripped(piece: Piece, allowed: Sequence[SubstituentSpec], listed: SubstituentRule) -> Verdict:
    candidates = _strippable(piece, listed)
    tried = 0
    fallback: Verdict | None = None
    for size in range(1, len(candidates) + 1):
        for combo in itertools.combinations(candidates, size):
            tried += 1
            if tried > MAX_STRIP_SUBSETS:
                return fallback or Verdict(undecided("too many ways to read the substitution; not decided"))
            union: set[int] = set()
            overlap = False
            for part in combo:
                if union & part:
                    overlap = True
                    break
                union |= part
            if overlap:
                continue
            rest = piece.sub(piece.atoms - union)
            rest = piece.child(rest.atoms, [a for a in piece.anchors if a[1] in rest.atoms])
            for spec in allowed:
                c = spec.check(rest)
                if c.ok:
                    return Verdict(COVERED, f"{spec.label}, substituted by {listed.describe()}")
                if c.outcome is Outcome.UNDECIDED and fallback is None:
                    fallback = Verdict(c, spec.label)
    return fallback or Verdict(not_(f"{_describe_piece(piece)} is not one of: {', '.join(s.label for s in allowed)}, "
                                    f"even allowing substitution by {listed.describe()}"))


def best_verdict(verdicts: Sequence[Verdict]) -> Verdict:
    """The most favourable verdict."""
    chosen = best([v.check for v in verdicts])
    for v in verdicts:
        if v.check is chosen:
            return v
    return Verdict(chosen)

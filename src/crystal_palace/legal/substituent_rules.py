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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from crystal_palace.legal.pieces import COVERED, Check, Outcome, Piece, best, chain_bounds, not_, undecided

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


@dataclass(frozen=True)
class SubstituentSpec:
    """One entry of an allowed list: a vocabulary class with its parameters, and where it was written."""

    cls: ClassDef
    params: Params
    line: int | None = None
    text: str = ""
    undecided: str = ""

    @property
    def label(self) -> str:
        """Words naming the entry ("alkyl (up to C6)")."""
        if self.text:
            return self.text
        if self.cls.describe is not None:
            return self.cls.describe(self.params)
        return self.cls.name.replace("_", " ")

    def check(self, piece: Piece) -> Check:
        """Exact check of a piece against this entry (an entry marked undecided never covers)."""
        c = self.cls.check(piece, self.params)
        if c.ok and self.undecided:
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
        names = ", ".join(s.label for s in self.allowed) or "nothing"
        if self.further is not None and self.further.substituents is not None:
            names += " (further substituted by: " + self.further.substituents.describe() + ")"
        elif self.further is not None:
            names += " (further substituted"
            if self.further.max_chain is not None:
                names += f", chain <= {self.further.max_chain}"
            names += ")"
        return names


@dataclass(frozen=True)
class Verdict:
    """How one piece fared against a rule: the outcome and the entry that covered it."""

    check: Check
    label: str = ""


def judge(piece: Piece, rule: SubstituentRule) -> Verdict:
    """Judge a piece against an allowed list, trying exact entries first, then further substitution."""
    if rule.elements is not None and not piece.elements <= rule.elements:
        extra = ", ".join(sorted(piece.elements - rule.elements))
        return Verdict(not_(f"contains {extra}, not among the allowed elements"))
    found: list[Verdict] = []
    for spec in rule.allowed:
        c = spec.check(piece)
        if c.ok:
            return Verdict(c, spec.label)
        found.append(Verdict(c, spec.label))
    if rule.further is not None:
        v = _judge_further(piece, rule)
        if v.check.ok or (v.check.outcome is Outcome.NOT and v.label):
            return v
        found.append(v)
    undecided_ones = [v for v in found if v.check.outcome is Outcome.UNDECIDED]
    if undecided_ones:
        return undecided_ones[0]
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
    starts = sorted((s for s in rule.allowed if s.base(piece)), key=lambda s: s.cls.name in _GENERIC_BASES)
    if not starts:
        return Verdict(not_(f"{_describe_piece(piece)} does not start with any of: {rule.describe()}"))
    label = f"{starts[0].label}, further substituted"
    if further.max_chain is None:
        return Verdict(COVERED, label)
    low, high = chain_bounds(piece)
    if high <= further.max_chain:
        return Verdict(COVERED, f"{label} (chain {low} <= {further.max_chain})")
    if low > further.max_chain:
        return Verdict(not_(f"continuous chain of {low} atoms > {further.max_chain}"), label)
    return Verdict(undecided(f"continuous chain is {low} atoms with rings breaking it, {high} counting through "
                             f"rings; the limit of {further.max_chain} does not say which"), label)


def _strippable(piece: Piece, listed: SubstituentRule) -> list[frozenset[int]]:
    """Subtrees hanging off non-ring bonds that are themselves one of the listed substituents."""
    out: list[frozenset[int]] = []
    ring_bonds = {frozenset((i, j)) for r in piece.own_rings for i in r for j in r}
    for i, j, _bt in piece.internal_bonds():
        if frozenset((i, j)) in ring_bonds and piece.mol.GetBondBetweenAtoms(i, j).IsInRing():
            continue
        for near, far in ((i, j), (j, i)):
            side = _side(piece, far, near)
            if side is None or piece.root in side:
                continue
            sub = Piece(piece.mol, side, [(near, far)])
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
            rest = Piece(piece.mol, rest.atoms, [a for a in piece.anchors if a[1] in rest.atoms])
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

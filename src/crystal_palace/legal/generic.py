"""Generic (group) definitions: load them from their rule files and match a structure against one.

A generic definition ("Stoffgruppendefinition", "generic definition", "nota generica") controls every
compound built on a core with allowed substituents. The definitions are data
(``crystal_palace/data/legal/generic/*.yaml``, format in ``docs/legal-design.md``); this module is the
public face of the engine:

* :func:`load_generic_rules` reads and validates the rule files (cached for the packaged set);
* :func:`match_generic` answers, for one standardised parent structure and one rule, either a
  :class:`GenericMatch` (which atoms matched which part of the definition, in a sentence) or a
  :class:`GenericMiss` (why the closest placement of the core failed, and whether the encoded text
  actually decides: ``undecided=True`` means "the rules do not decide", never "not controlled").

A cheap prefilter (one substructure test per core skeleton, itself behind a sound screen on the atom
kinds a query needs, :mod:`crystal_palace.legal.query_screen`) runs first, so a structure without the
core costs a few microseconds per rule. What a molecule's matching finds is remembered with the molecule
(:func:`match_cached`: the engine asks for some rules more than once, e.g. as exclusions), and verdicts
on substituents are shared between molecules (:func:`crystal_palace.legal.substituent_rules.judge`).
None of this changes an answer: a result depends on the molecule and the rule only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdkit import Chem

from crystal_palace.chemistry.rdkit_typed import quiet_rdkit
from crystal_palace.legal.generic_format import read_rule_files
from crystal_palace.legal.generic_match import Embedding, evaluate_embedding, evaluation_key, fmt_atoms
from crystal_palace.legal.generic_model import CoreVariant, GenericRule
from crystal_palace.legal.pieces import EXPLAINING, MolGraph, Outcome, graph_of
from crystal_palace.legal.query_screen import Kind, query_needs

__all__ = ["GenericMatch", "GenericMiss", "GenericRule", "load_generic_rules", "match_generic", "packaged_rule_files"]

#: the most placements of a core examined per rule and molecule
MAX_EMBEDDINGS = 2000


@dataclass(frozen=True)
class GenericMatch:
    """The structure is covered by the rule; ``atoms`` and ``explanation`` say how."""

    rule_id: str
    jurisdiction: str
    instrument: str
    category: str
    since: dt.date
    until: dt.date | None
    atoms: Mapping[str, tuple[int, ...]]
    explanation: str
    mass: float
    parts: tuple[str, ...] = ()
    explained: bool = field(default=True, repr=False, compare=False)


@dataclass(frozen=True)
class GenericMiss:
    """The rule does not cover the structure, or (``undecided``) the encoded text does not decide.

    ``core_found`` tells the engine whether the core was present at all; ``atoms`` are those of the
    closest placement of the core (empty when the core is absent).
    """

    rule_id: str
    reason: str
    undecided: bool = False
    core_found: bool = False
    atoms: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    explained: bool = field(default=True, repr=False, compare=False)


def packaged_rule_files() -> list[Path]:
    """The rule files shipped with the package, sorted by name."""
    folder = Path(str(resources.files("crystal_palace") / "data" / "legal" / "generic"))
    return sorted(folder.glob("*.yaml"))


@lru_cache(maxsize=1)
def _packaged() -> tuple[GenericRule, ...]:
    return tuple(read_rule_files(packaged_rule_files()))


def load_generic_rules(paths: Sequence[Path] | None = None) -> list[GenericRule]:
    """Load and validate generic rules; ``None`` loads the packaged files (cached).

    Raises
    ------
    InvalidReferenceData
        When a file breaks the format; every problem is listed with its line.
    """
    if paths is None:
        return list(_packaged())
    packaged = {r.id: r for r in _packaged()}
    return read_rule_files(list(paths), packaged)


def _mass(mol: Chem.Mol) -> float:
    """Average molecular mass in u (isotope-labelled atoms with their own mass), as RDKit's MolWt."""
    return graph_of(mol).mass


def _explain(rule: GenericRule, emb: Embedding, mass: float) -> str:
    core_words = emb.variant.text or rule.core_text or "core"
    bits = [f"{rule.category}: {core_words} at atoms {fmt_atoms(emb.match)}"]
    bits += [p.words for p in emb.parts if p.words]
    if rule.max_mass is not None:
        bits.append(f"mass {mass:.1f} u <= {rule.max_mass:g} u")
    return "; ".join(bits)


def _atoms(emb: Embedding) -> dict[str, tuple[int, ...]]:
    out: dict[str, set[int]] = {"core": set(emb.match)}
    for p in emb.parts:
        out.setdefault(p.key, set()).update(p.atoms)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _placements(mol: Chem.Mol, rule: GenericRule) -> Iterator[tuple[CoreVariant, tuple[int, ...]]]:
    """Every distinct placement of every core variant, in order (found lazily, variant by variant).

    Two matches of a variant are the same placement when they put the same atoms on the same map
    numbers and cover the same atoms (matches are not uniquified: they differ in how unmapped query
    atoms, e.g. those of a ring, are laid on the molecule).
    """
    graph = graph_of(mol)
    kinds = graph.kinds
    hits = graph.hits
    for variant in rule.cores:
        if hits.get(id(variant.query)) is False:
            continue  # searched before (as a prefilter) and absent
        if not _possible(query_needs(variant.query), kinds):
            continue  # the variant needs atoms the molecule lacks (sound screen)
        mapped = _mapped(variant)
        seen: set[object] = set()
        for match in mol.GetSubstructMatches(variant.query, uniquify=False, maxMatches=MAX_EMBEDDINGS):
            # (every query atom mapped: the match itself says all)
            key: object = match if mapped is None else (tuple([match[q] for q in mapped]), frozenset(match))
            if key in seen:
                continue
            seen.add(key)
            yield variant, match


def _possible(needs: tuple[tuple[Kind, int], ...], kinds: dict[Kind, int]) -> bool:
    """:func:`~crystal_palace.legal.query_screen.possible`, without a generator."""
    for kind, n in needs:
        if kinds.get(kind, 0) < n:
            return False
    return True


_MAPPED: dict[int, tuple[CoreVariant, tuple[int, ...] | None]] = {}


def _mapped(variant: CoreVariant) -> tuple[int, ...] | None:
    """The query atoms that carry map numbers, or None when all of them do."""
    known = _MAPPED.get(id(variant))
    if known is not None and known[0] is variant:
        return known[1]
    mapped: tuple[int, ...] | None = tuple(variant.maps.values())
    if set(variant.maps.values()) == set(range(variant.query.GetNumAtoms())):
        mapped = None
    _MAPPED[id(variant)] = (variant, mapped)
    return mapped


def _embeddings(mol: Chem.Mol, rule: GenericRule) -> list[Embedding]:
    """Evaluate placements of the core (stopping at the first that is covered).

    Placements are judged with an early exit at the first part that is certainly not covered. Only a
    placement that is covered or undecided is judged to the end, so those results do not depend on the
    exits taken; a placement that is not covered only says so (see :func:`_closest` for the explanation).
    """
    found: list[Embedding] = []
    judged: dict[frozenset[int], list[tuple[CoreVariant, tuple[int, ...]]]] = {}  # placements judged, by atoms
    for variant, match in _placements(mol, rule):
        earlier = judged.setdefault(frozenset(match), [])
        if earlier:  # the same atoms placed another way (a ring matched both ways round): maybe judged already
            key = evaluation_key(rule, variant, match)
            if any(evaluation_key(rule, v, m) == key for v, m in earlier):
                continue  # the same atoms on every part of the definition (see evaluation_key)
        earlier.append((variant, match))
        emb = evaluate_embedding(mol, rule, variant, match, fail_fast=True, quick=True)
        found.append(emb)
        if emb.outcome is Outcome.COVERED:
            return found
    return found


def _closest(mol: Chem.Mol, rule: GenericRule, found: list[Embedding]) -> Embedding:
    """The placement that explains a miss (every placement not covered).

    Each placement is judged fail-fast, the one that got furthest is judged again in full, and the
    placement with the fewest failures is reported; the full judgement is worded for the reader
    (:data:`EXPLAINING`: groups by SMILES) only when it is the one reported. The full judgement can only
    add failures, so it is skipped when another placement already has no more failures than the
    fail-fast judgement of the furthest one.
    """
    legacy = [e if not e.quick_exit else evaluate_embedding(mol, rule, e.variant, e.match, fail_fast=True)
              for e in found]
    best = max(range(len(legacy)), key=lambda i: (legacy[i].progress, -i))
    floor = len(legacy[best].failures)
    counts = [len(e.failures) for e in legacy]
    if any(c <= floor for c in counts[:best]) or any(c < floor for c in counts[best + 1:]):
        return min(legacy, key=lambda x: len(x.failures))
    legacy[best] = evaluate_embedding(mol, rule, legacy[best].variant, legacy[best].match)
    chosen = min(range(len(legacy)), key=lambda i: len(legacy[i].failures))
    if chosen != best:
        return legacy[chosen]
    token = EXPLAINING.set(True)
    try:
        return evaluate_embedding(mol, rule, legacy[best].variant, legacy[best].match)
    finally:
        EXPLAINING.reset(token)


def _scope_miss(mol: Chem.Mol, rule: GenericRule, reason: str | None, core_found: bool,
                atoms: Mapping[str, tuple[int, ...]]) -> GenericMiss:
    """The miss, or "the rules do not decide" when one of the rule's scopes applies.

    ``reason`` None is "core not present" (with no atoms); such a miss, when no scope applies, says
    nothing of the molecule and is one object per rule (see :func:`_absent`).
    """
    graph = graph_of(mol)
    for s in rule.scope:
        if graph.has(mol, s.query):  # the first scope that applies (an exclusion still decides)
            excluded = _excluded(mol, rule)
            if excluded is not None and not excluded[1]:
                return GenericMiss(rule.id, excluded[0], False, core_found, atoms)
            words = reason if reason is not None else f"{rule.category}: core not present"
            return GenericMiss(rule.id, f"{words}; the rules do not decide: {s.text}", True, core_found, atoms)
    if reason is None:
        return _absent(rule)
    return GenericMiss(rule.id, reason, False, core_found, atoms)


def match_generic(mol: Chem.Mol, rule: GenericRule) -> GenericMatch | GenericMiss:
    """Match a standardised parent structure against one generic rule (the molecule is not modified)."""
    with quiet_rdkit():
        result = match_cached(mol, rule)
    return replace(result, atoms=dict(result.atoms))  # results are shared within the molecule's cache


def match_cached(mol: Chem.Mol, rule: GenericRule, explain: bool = True) -> GenericMatch | GenericMiss:
    """:func:`match_generic`, remembered for the molecule (the engine asks for some rules more than once).

    With ``explain=False`` a miss whose core is present may come back unexplained (``explained`` is
    False; its reason and atoms are placeholders): for callers that only need to know that it is a miss.
    Do not modify the result: it is shared. RDKit's console warnings are the caller's to silence (once
    per molecule, not once per rule: see :func:`match_generic` and the engine).
    """
    graph = graph_of(mol)
    results = graph.results
    known = results.get(id(rule))
    if known is not None and known[0] is rule:
        result: GenericMatch | GenericMiss = known[1]
        if explain is False or result.explained:
            return result
        result = _explain_miss(mol, rule, graph.pending.pop(id(rule)))  # from the placements already judged
        results[id(rule)] = (rule, result)
        return result
    if not _prefilter_present(graph, mol, rule):
        if not rule.scope:
            result = _absent(rule)
        else:
            result = _scope_miss(mol, rule, None, False, {})
        results[id(rule)] = (rule, result)
        return result
    result = _match_found(mol, rule, explain)
    results[id(rule)] = (rule, result)
    return result


#: a rule with its prefilter queries, each with its id and the atom kinds it needs
_Prefilters = tuple[GenericRule, tuple[tuple[int, Chem.Mol, tuple[tuple[Kind, int], ...]], ...]]
_PREFILTERS: dict[int, _Prefilters] = {}


def _prefilter_present(graph: MolGraph, mol: Chem.Mol, rule: GenericRule) -> bool:
    """Whether one of the rule's prefilter queries occurs (:meth:`MolGraph.has` of each, until one does).

    A structure meets every rule of every jurisdiction and lacks most cores: the remembered answers
    and the atom-kind screen are read here, without a call per query; only a query that passes the
    screen goes to :meth:`MolGraph.has` (which searches and remembers).
    """
    known = _PREFILTERS.get(id(rule))
    if known is None or known[0] is not rule:
        known = _prefilter_entry(rule)
    hits = graph.hits
    kinds = graph.kinds
    for key, query, needs in known[1]:
        found = hits.get(key)
        if found is None:
            for kind, n in needs:
                if kinds.get(kind, 0) < n:
                    found = hits[key] = False
                    break
            else:
                found = graph.has(mol, query)
        if found:
            return True
    return False


def _prefilter_entry(rule: GenericRule) -> _Prefilters:
    """The rule's prefilter queries with what each needs, remembered in ``_PREFILTERS``."""
    entry = _PREFILTERS[id(rule)] = (rule, tuple((id(q), q, query_needs(q)) for q in rule.prefilter))
    return entry


def prepare(rule: GenericRule) -> None:
    """Work out, once, what matching the rule reads of the rule alone (done when the rules are loaded).

    The atom kinds each query of the rule needs (its prefilter, core variants, scopes and exclusions:
    :func:`~crystal_palace.legal.query_screen.query_needs`, a ring perception and a parse of every query
    atom) and the mapped atoms of each core variant. Otherwise the first structures of a screen that
    meet the rule pay for it.
    """
    _prefilter_entry(rule)
    for variant in rule.cores:
        query_needs(variant.query)
        _mapped(variant)
    for scope in rule.scope:
        query_needs(scope.query)
    for ex in rule.exclusions:
        if ex.kind == "smarts" and ex.query is not None:
            query_needs(ex.query)


#: the reason of a miss whose core is present, before the placements are explained (a screen's words)
UNEXPLAINED = "its core is present but the structure is outside the definition as encoded"
#: what a screen's verdict adds to such a miss: where to find the part that fails
EXPLAIN_HINT = "(`crystal-palace legal explain` says which part fails)"

_ABSENT: dict[int, tuple[GenericRule, GenericMiss]] = {}


def _absent(rule: GenericRule) -> GenericMiss:
    """The miss of a rule whose core is not present (one object per rule: it says nothing of the molecule)."""
    known = _ABSENT.get(id(rule))
    if known is not None and known[0] is rule:
        return known[1]
    miss = GenericMiss(rule.id, f"{rule.category}: core not present")
    _ABSENT[id(rule)] = (rule, miss)
    return miss


def _match_found(mol: Chem.Mol, rule: GenericRule, explain: bool) -> GenericMatch | GenericMiss:
    graph = graph_of(mol)
    if rule.max_mass is not None:
        mass = _mass(mol)
        if mass > rule.max_mass + 1e-9 and any(graph.has(mol, v.query) for v in rule.cores):
            return GenericMiss(rule.id, f"{rule.category}: molecular mass {mass:.2f} u exceeds the limit of "
                                        f"{rule.max_mass:g} u", False, True, {})
    embeddings = _embeddings(mol, rule)
    if not embeddings:
        return _scope_miss(mol, rule, None, False, {})
    if embeddings[-1].outcome is not Outcome.COVERED:  # (only the last placement judged can be covered)
        e = next((e for e in embeddings if e.outcome is Outcome.UNDECIDED), None)
        if e is not None:
            doubts = "; ".join(dict.fromkeys(e.doubts))
            return GenericMiss(rule.id, f"{rule.category}: the rules do not decide: {doubts}",
                               True, True, _atoms(e))
        if not explain:  # which part fails is worked out only when asked (see match_cached)
            graph.pending[id(rule)] = embeddings
            miss = _scope_miss(mol, rule, f"{rule.category}: {UNEXPLAINED}", True, {})
            return replace(miss, explained=False)
        return _explain_miss(mol, rule, embeddings)
    emb = embeddings[-1]
    mass = _mass(mol)
    if rule.max_mass is not None and mass > rule.max_mass + 1e-9:
        return GenericMiss(rule.id, f"{rule.category}: molecular mass {mass:.2f} u exceeds the limit of "
                                    f"{rule.max_mass:g} u", False, True, _atoms(emb))
    excluded = _excluded(mol, rule)
    if excluded is not None:
        return GenericMiss(rule.id, excluded[0], excluded[1], True, _atoms(emb))
    return GenericMatch(rule.id, rule.jurisdiction, rule.instrument, rule.category, rule.since, rule.until,
                        _atoms(emb), _explain(rule, emb, mass), mass, tuple(p.words for p in emb.parts))


def _explain_miss(mol: Chem.Mol, rule: GenericRule, embeddings: list[Embedding]) -> GenericMiss:
    """The miss of a rule whose every placement is not covered, explained by the closest placement."""
    e = _closest(mol, rule, embeddings)
    core_words = e.variant.text or rule.core_text or "core"
    reason = (f"{rule.category}: {core_words} at atoms {fmt_atoms(e.match)}, but "
              + "; ".join(dict.fromkeys(e.failures)))
    return _scope_miss(mol, rule, reason, True, _atoms(e))


def _excluded(mol: Chem.Mol, rule: GenericRule) -> tuple[str, bool] | None:
    """(reason, undecided) when an exclusion applies; None otherwise."""
    doubt: tuple[str, bool] | None = None
    graph = graph_of(mol)
    for ex in rule.exclusions:
        hit = False
        if ex.kind == "smiles":
            # (a molecule with another number of atoms has another formula: not worth computing)
            hit = (sum(n for _, n in ex.formula) == graph.size[0] and ex.formula == graph.formula
                   and graph.canonical(mol) == ex.canonical)
        elif ex.kind == "smarts" and ex.query is not None:
            hit = graph.has(mol, ex.query)
        elif ex.kind == "rule":
            other = rule.references.get(ex.value)
            if other is None:
                continue
            if not _prefilter_present(graph, mol, other):
                continue  # the other rule's core is absent: neither covered nor "core present, not covered"
            result = match_cached(mol, other, explain=False)
            if ex.when == "covered":
                hit = isinstance(result, GenericMatch)
            elif isinstance(result, GenericMiss) and result.core_found:
                if result.undecided:
                    doubt = doubt or (f"{rule.category}: possibly excluded ({' '.join(ex.text.split())}); "
                                      f"{result.reason}", True)
                    continue
                hit = True
        if hit:
            why = " ".join(ex.text.split())
            if ex.kind == "rule":
                other_rule = rule.references[ex.value]
                how = "covered by" if ex.when == "covered" else "core present but not covered by"
                why = f"{how} {other_rule.category} ({other_rule.id}): {why}"
            if ex.verdict == "undecided":
                doubt = doubt or (f"{rule.category}: possibly excluded: {why}", True)
                continue
            return f"{rule.category}: excluded: {why}", False
    return doubt

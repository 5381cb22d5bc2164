"""Judging one embedding of a rule's core: ring systems, pieces, positions, closures, counts.

:func:`evaluate_embedding` is the heart of the engine. Given where the core sits in the molecule, it
expands ring-system positions (Strukturelement A, anellated rings), cuts the rest of the molecule into
pieces, assigns each piece to a position whose allowed list covers it (respecting counts), judges
pieces that close rings across the core against the rule's closures, and checks what positions
require (a substituent, a listed one, a mass). The result keeps, for the explanation, which atoms
matched which part of the definition and, for a miss, every reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from rdkit import Chem

from crystal_palace.legal.generic_model import Closure, CoreVariant, GenericRule, Position, RingSystemSpec
from crystal_palace.legal.molview import pieces as _molview_pieces
from crystal_palace.legal.pieces import (
    COVERED,
    EXPLAINING,
    Check,
    MolGraph,
    Outcome,
    Piece,
    graph_of,
    not_,
    undecided,
    worst,
)
from crystal_palace.legal.ring_systems import SystemSpec, match_system
from crystal_palace.legal.substituent_rules import SubstituentRule, Verdict, judge

#: the most assignments of pieces to positions tried for one embedding
MAX_ASSIGNMENTS = 4096


@dataclass(slots=True)
class Part:
    """One part of the definition and the atoms that matched it."""

    key: str
    label: str
    atoms: frozenset[int]  # (sorted where they are shown: see legal.generic)
    words: str
    check: Check = COVERED


@dataclass(slots=True)
class Embedding:
    """The verdict on one placement of the core.

    The words of the parts (:attr:`Part.words`) are written only for a placement that is covered: no
    other placement's words reach a verdict (a miss is explained by its failures and its atoms).
    """

    variant: CoreVariant
    match: tuple[int, ...]
    parts: list[Part] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    progress: int = 0
    stopped: bool = False
    quick_exit: bool = False
    #: names of the positions whose ring closures are covered / that ring closures touch
    closed: AbstractSet[str] = frozenset()
    touched: AbstractSet[str] = frozenset()

    @property
    def core_atoms(self) -> tuple[int, ...]:
        """The core's atoms, in ascending order."""
        return tuple(sorted(self.match))

    @property
    def outcome(self) -> Outcome:
        """Overall outcome: not beats undecided beats covered."""
        return _outcome(self.checks)

    @property
    def failures(self) -> list[str]:
        """Reasons for NOT outcomes."""
        return [c.reason for c in self.checks if c.outcome is Outcome.NOT]

    @property
    def doubts(self) -> list[str]:
        """Reasons for UNDECIDED outcomes."""
        return [c.reason for c in self.checks if c.outcome is Outcome.UNDECIDED]


def _outcome(checks: list[Check]) -> Outcome:
    """The outcome of :func:`~crystal_palace.legal.pieces.worst` (one pass, no key function)."""
    found = Outcome.COVERED
    for c in checks:
        outcome = c.outcome
        if outcome is Outcome.NOT:
            return outcome
        if outcome is Outcome.UNDECIDED:
            found = outcome
    return found


def fmt_atoms(atoms: tuple[int, ...] | list[int] | frozenset[int]) -> str:
    """Compact atom list: 3-11,14 (RDKit indices, 0-based).

    Remembered by the atoms (the same groups and placements are worded again and again in a screen).
    """
    key = atoms if not isinstance(atoms, list) else tuple(atoms)
    found = _FMT.get(key)
    if found is None:
        found = _fmt_atoms(atoms)
        if len(_FMT) >= _FMT_MAX:
            _FMT.clear()
        _FMT[key] = found
    return found


_FMT: dict[tuple[int, ...] | frozenset[int], str] = {}
_FMT_MAX = 50_000


def _fmt_atoms(atoms: tuple[int, ...] | list[int] | frozenset[int]) -> str:
    if not atoms:
        return "-"
    items = iter(sorted(atoms))
    start = prev = next(items)
    runs: list[str] = []
    for a in items:
        if a == prev + 1:
            prev = a
        else:
            runs.append(f"{start}-{prev}" if prev > start else str(start))
            start = prev = a
    runs.append(f"{start}-{prev}" if prev > start else str(start))
    return ",".join(runs)


def _ring_system_atoms(mol: Chem.Mol, anchors: list[int], core: set[int]) -> frozenset[int]:
    """Ring system through the anchors, leaving out rings that contain other core atoms."""
    others = core.difference(anchors)
    rings = [r for r in graph_of(mol).rings if r.isdisjoint(others)]
    if len(anchors) > 1:
        chosen = [r for r in rings if r.issuperset(anchors)]
    else:
        chosen = [r for r in rings if not r.isdisjoint(anchors)]
    atoms: set[int] = set().union(*chosen) if chosen else set()
    grown = True
    while grown:
        grown = False
        for r in rings:  # a ring sharing a non-anchor atom with the system joins it
            if not r <= atoms and not r.isdisjoint(atoms.difference(anchors)):
                atoms |= r
                grown = True
    return frozenset(atoms)


def _judge_linked(mol: Chem.Mol, piece: Piece, pos: Position) -> Verdict:
    """A position whose piece must start with one of the linkers, the rest being residues."""
    core_atom = piece.anchors[0][0]
    found: list[Verdict] = []
    assert pos.residue is not None  # noqa: S101 - enforced by the loader
    for linker in pos.linkers:
        for m in piece.graph.substruct(mol, linker.query):
            if m[0] != core_atom or not set(m[1:]) <= piece.atoms:
                continue
            link = frozenset(m[1:])
            if any(inside not in link for _, inside in piece.anchors):
                continue
            residues = []
            ok = True
            for comp in piece.components(piece.atoms - link):
                anchors = [(n, a) for a in sorted(comp) for n in piece.nbrs(a) if n in link]
                if not anchors:
                    ok = False
                residues.append(piece.child(comp, anchors))
            if not ok:
                found.append(Verdict(not_(f"the residue on the {linker.text} bridge is attached elsewhere")))
                continue
            if not residues and pos.residue_required:
                found.append(Verdict(not_(f"the {linker.text} bridge carries no residue"), linker.text))
                continue
            checks = [judge(r, pos.residue).check for r in residues]
            total = sum(r.mass for r in residues)
            if pos.residue.max_mass is not None and total > pos.residue.max_mass + 1e-6:
                checks.append(not_(f"residue mass {total:.1f} u > {pos.residue.max_mass:g} u"))
            found.append(Verdict(worst(checks), f"{linker.text} bridge with residue ({total:.1f} u)"))
    if not found:
        return Verdict(not_(f"{piece.describe()} does not start with an allowed bridge "
                            f"({', '.join(lk.text for lk in pos.linkers)})"))
    order = {Outcome.COVERED: 0, Outcome.UNDECIDED: 1, Outcome.NOT: 2}
    return sorted(found, key=lambda v: order[v.check.outcome])[0]


def judge_position(mol: Chem.Mol, piece: Piece, pos: Position) -> tuple[Verdict, bool]:
    """Judge a piece at a position; the flag says it was allowed only as an 'extra' substituent."""
    if pos.linkers:
        v = _judge_linked(mol, piece, pos)
        extra = False
    else:
        v = judge(piece, pos.rule)
        extra = False
        if not v.check.ok and pos.extra is not None:
            v2 = judge(piece, pos.extra)
            if v2.check.ok or (v2.check.outcome is Outcome.UNDECIDED and v.check.outcome is Outcome.NOT):
                v, extra = v2, True
    if v.check.ok and pos.undecided:
        v = Verdict(undecided(f"{pos.label}: {pos.undecided}"), v.label)
    return v, extra


def _closure_verdict(piece: Piece, touched: dict[int, list[Position]], closures: tuple[Closure, ...]) -> Verdict:
    names_by_atom = {a: {p.name for p in ps} for a, ps in touched.items()}
    union = set().union(*names_by_atom.values()) if names_by_atom else set()
    found: list[Verdict] = []
    for c in closures:
        if not all(names & c.between for names in names_by_atom.values()) or not c.all_of <= union:
            continue
        if c.ring_size is not None:
            sizes = [len(r) for r in piece.closing_rings]
            if not sizes or min(sizes) < c.ring_size[0] or min(sizes) > c.ring_size[1]:
                found.append(Verdict(not_(f"ring formed has {min(sizes) if sizes else '?'} atoms; "
                                          f"{c.text.split('.')[0]} allows {c.ring_size[0]}-{c.ring_size[1]}")))
                continue
        v = judge(piece, c.rule) if c.verdict != "excluded" else Verdict(COVERED)
        fused = [r for r in piece.own_rings if any(len(r & ring) >= 2 for ring in piece.closing_rings)]
        if v.check.ok and c.polycyclic and fused:
            v = Verdict(undecided(f"ring closure ({_short(c.text)}): {c.polycyclic}"), v.label)
        if v.check.ok and c.verdict == "undecided":
            v = Verdict(undecided(f"ring closure ({_short(c.text)}): not fully checked by the encoding"), v.label)
        if c.verdict == "excluded":
            found.append(Verdict(not_(f"excluded: {' '.join(c.text.split())}")))
            continue
        found.append(Verdict(v.check, f"allowed ({_short(c.text)})" if v.check.ok else v.label))
    if not found:
        where = ", ".join(sorted(union)) or "unnamed core atoms"
        return Verdict(not_(f"{piece.describe()} closes a ring across the core ({where}); "
                            f"the definition provides for no such ring"))
    order = {Outcome.COVERED: 0, Outcome.UNDECIDED: 1, Outcome.NOT: 2}
    return sorted(found, key=lambda v: order[v.check.outcome])[0]


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


@dataclass
class _Plan:
    """What evaluate_embedding needs of a rule and one of its core variants, gathered once per pair.

    Which map numbers a placement names depends on the variant only (every placement maps every query
    atom), so the anchors of the ring-system positions and the core atoms of the other positions are
    kept as query atom indices; a position placed on a ring system keeps the system's name.
    """

    #: ring-system positions whose anchors the variant maps, with the anchors' query atom indices
    ring_positions: list[tuple[Position, RingSystemSpec, tuple[int, ...]]]
    #: positions on atoms: (position, only_on, targets); a target is a query atom index (int) or the
    #: name of a ring-system position (str)
    atom_positions: list[tuple[Position, frozenset[str] | None, tuple[int | str, ...]]]
    #: positions whose own conditions are checked: (position, on a mapped core atom, ring systems named)
    checked: list[tuple[Position, bool, tuple[str, ...]]]
    #: the checked positions present when no ring system was found
    plain: list[Position]


_PLANS: dict[tuple[int, int], tuple[GenericRule, CoreVariant, _Plan]] = {}
_SYNTHETIC: dict[tuple[str, int], tuple[SubstituentRule, Position]] = {}
#: rank of an outcome among the options of a piece (the most favourable first)
_OPTION_RANK = {Outcome.COVERED: 0, Outcome.UNDECIDED: 1, Outcome.NOT: 2}


def _plan(rule: GenericRule, variant: CoreVariant) -> _Plan:
    known = _PLANS.get((id(rule), id(variant)))
    if known is not None and known[0] is rule and known[1] is variant:
        return known[2]
    maps = variant.maps
    ring_positions = [(p, p.ring_system, tuple(maps[a] for a in p.ring_system.anchor))
                      for p in rule.positions
                      if p.ring_system is not None and all(a in maps for a in p.ring_system.anchor)]
    atom_positions = [(p, p.on, tuple(maps[a] if isinstance(a, int) and a in maps else str(a) for a in p.atoms))
                      for p in rule.positions if p.atoms]
    checked = [(p, any(isinstance(a, int) and a in maps for a in p.atoms),
                tuple(a for a in p.atoms if isinstance(a, str)))
               for p in rule.positions if p.ring_system is None]
    plan = _Plan(ring_positions, atom_positions, checked, [p for p, mapped, _ in checked if mapped])
    _PLANS[(id(rule), id(variant))] = (rule, variant, plan)
    return plan


def _synthetic(name: str, rule: SubstituentRule) -> Position:
    """The position of a ring nitrogen's free valence (the same object for the same system and rule)."""
    known = _SYNTHETIC.get((name, id(rule)))
    if known is not None and known[0] is rule:
        return known[1]
    position = Position(f"{name} (N)", f"{name} ring nitrogen", (), rule, text="free valence of a ring nitrogen")
    _SYNTHETIC[(name, id(rule))] = (rule, position)
    return position


def _pieces(mol: Chem.Mol, graph: MolGraph, core: set[int]) -> Iterator[tuple[frozenset[int], Piece, list[int]]]:
    """The groups outside the core, by their lowest atom: (atoms, piece, core atoms it is bonded to).

    The groups are found all at once (by the C extension when it is built); their pieces are made one by
    one, so that a fail-fast judgement stopping at a group does not make the others.
    """
    for atoms, anchors, touched in _PIECES(graph.neighbours, core):
        yield atoms, Piece(mol, atoms, anchors, graph), touched


def pieces_of(neighbours: list[list[int]], core: set[int] | frozenset[int]
              ) -> list[tuple[frozenset[int], tuple[tuple[int, int], ...], list[int]]]:
    """The groups outside ``core``: (atoms, anchor bonds, core atoms bonded to), by lowest atom.

    A group's anchor bonds (core atom, group atom) are listed by its atom, then in the order of the atom's
    neighbours. The reference reading, in Python, of the C extension's ``pieces`` (tests compare them).
    """
    out = []
    seen = set(core)
    for start in range(len(neighbours)):
        if start in seen:
            continue
        seen.add(start)
        comp = [start]
        stack = [start]
        anchors: list[tuple[int, int]] = []
        while stack:
            a = stack.pop()
            for n in neighbours[a]:
                if n in core:
                    anchors.append((n, a))
                elif n not in seen:
                    seen.add(n)
                    comp.append(n)
                    stack.append(n)
        if len(anchors) == 1:
            touched = [anchors[0][0]]
        else:
            anchors.sort(key=_piece_atom)  # (stable: each atom's bonds stay in its neighbours' order)
            touched = sorted({o for o, _ in anchors})
        out.append((frozenset(comp), tuple(anchors), touched))
    return out


def _piece_atom(anchor: tuple[int, int]) -> int:
    return anchor[1]


_PIECES: Callable[[list[list[int]], set[int]], list[tuple[frozenset[int], tuple[tuple[int, int], ...], list[int]]]] = (
    _molview_pieces if _molview_pieces is not None else pieces_of)


def evaluation_key(rule: GenericRule, variant: CoreVariant, match: tuple[int, ...]) -> object:
    """What :func:`evaluate_embedding` reads of a placement: two placements with one key are judged alike.

    The judgement reads the core's atoms as a set, the anchors of each ring-system position (in order)
    and, for each position on core atoms, the set of atoms it lands on; the placement's own atom order
    only ever reaches words sorted. A ring whose positions are one part of the definition ("ring",
    atoms 11-15) is matched both ways round, and both placements have one key: the second is skipped,
    which changes no verdict and no explanation (the first of equally close placements explains a miss).
    """
    plan = _plan(rule, variant)
    return (id(variant), frozenset(match),
            tuple([tuple([match[q] for q in anchor_qs]) for _, _, anchor_qs in plan.ring_positions]),
            tuple([frozenset([match[a] for a in refs if isinstance(a, int)]) for _, _, refs in plan.atom_positions]))


def evaluate_embedding(mol: Chem.Mol, rule: GenericRule, variant: CoreVariant, match: tuple[int, ...],
                       fail_fast: bool = False, quick: bool = False) -> Embedding:
    """Judge the molecule with the core placed at ``match`` (query atom order).

    With ``fail_fast`` the evaluation stops at the first part that is certainly not covered (the
    engine re-evaluates the closest placement in full to explain a miss). With ``quick`` as well, it
    also stops at a missing ring system (fail-fast goes on to the groups then): the outcome is the same,
    ``quick_exit`` says that the failures and the progress are not those of a fail-fast judgement.
    """
    emb = Embedding(variant, match)
    graph = graph_of(mol)
    symbols = graph.symbols
    explaining = EXPLAINING.get()
    memo = graph.judged
    plan = _plan(rule, variant)
    if variant.verdict == "undecided":
        emb.checks.append(undecided(variant.note))
    core = set(match)
    # 1. ring-system positions
    ring_atoms_of: dict[str, frozenset[int]] = {}
    system_of: dict[str, SystemSpec] = {}
    for pos, rs, anchor_qs in plan.ring_positions:
        anchor_atoms = [match[q] for q in anchor_qs]
        atoms = _ring_system_atoms(mol, anchor_atoms, core)
        if not atoms:
            if rs.required:
                emb.checks.append(not_(f"{pos.label}: no ring system at atoms {fmt_atoms(anchor_atoms)}"))
                if quick:
                    emb.stopped = emb.quick_exit = True
                    return emb
            continue
        attach = anchor_atoms[0] if len(anchor_atoms) == 1 else None
        spec = next((s for s in rs.systems if match_system(mol, atoms, attach, s)), None)
        if spec is None:
            emb.checks.append(not_(f"{pos.label}: the ring system at atoms {fmt_atoms(atoms)} is not one of: "
                                   + ", ".join(s.label for s in rs.systems)))
            if fail_fast:
                emb.stopped = True
                return emb
            continue
        emb.progress += 1
        ring_atoms_of[pos.name] = atoms
        system_of[pos.name] = spec
        core |= atoms
        emb.parts.append(Part(pos.name, pos.label, atoms, f"{pos.label} = {spec.label}"))
    # 2. which positions apply to which atom
    at: dict[int, list[Position]] = {}
    for pos, on, refs in plan.atom_positions:
        for a in refs:
            targets: Iterable[int] = (match[a],) if isinstance(a, int) else sorted(ring_atoms_of.get(a, ()))
            for t in targets:
                if on is None or symbols[t] in on:
                    found = at.get(t)
                    if found is None:
                        at[t] = [pos]
                    else:
                        found.append(pos)
    for name, spec in system_of.items():
        n_rule = spec.n_substituents
        if n_rule is not None:
            synthetic = _synthetic(name, n_rule)
            for t in ring_atoms_of[name]:
                if symbols[t] == "N":
                    at[t] = [synthetic]
    # 3. pieces, judged as they are found
    singles: list[tuple[Piece, list[tuple[Position, Verdict, bool]]]] = []
    for comp, piece, touched_atoms in _pieces(mol, graph, core):
        if len(touched_atoms) == 1:
            cands = at.get(touched_atoms[0])
            if not cands:
                owner = next((n for n, atoms in ring_atoms_of.items() if touched_atoms[0] in atoms), "core")
                emb.checks.append(not_(f"{piece.describe()} (atoms {fmt_atoms(comp)}) sits on {owner} atom "
                                       f"{touched_atoms[0]}, where the definition allows no substituent"))
                emb.parts.append(Part("unallowed", "unallowed", comp, "not allowed here",
                                      not_("no substituent allowed")))
                if fail_fast:
                    emb.stopped = True
                    return emb
                continue
            if explaining:
                judged = [(pos, *judge_position(mol, piece, pos)) for pos in cands]
            else:
                # judge_position, its commonest case read here: a verdict the molecule already has for the
                # group, with no words to pass on, that no 'extra' or 'undecided' of the position changes
                judged = []
                anchors = piece.anchors
                for pos in cands:
                    rule_ = pos.rule
                    known = None if pos.linkers else memo.get((comp, anchors, id(rule_)))
                    if known is not None and known[0] is rule_ and not known[2]:
                        verdict: Verdict = known[1]
                        if (not pos.undecided) if verdict.check.outcome is Outcome.COVERED else pos.extra is None:
                            judged.append((pos, verdict, False))
                            continue
                    judged.append((pos, *judge_position(mol, piece, pos)))
            if fail_fast:
                for _, v, _ in judged:
                    if v.check.outcome is not Outcome.NOT:
                        break
                else:
                    emb.checks.append(judged[0][1].check)
                    emb.stopped = True
                    return emb
            emb.progress += 1
            singles.append((piece, judged))
        else:
            around = {t: at.get(t, []) for t in touched_atoms}
            v = _closure_verdict(piece, around, rule.closures)
            emb.checks.append(v.check)
            names_touched = {p.name for ps in around.values() for p in ps}
            if fail_fast and v.check.outcome is Outcome.NOT:
                emb.stopped = True
                return emb
            emb.progress += 1
            emb.touched = emb.touched | names_touched
            if v.check.ok:
                emb.closed = emb.closed | names_touched
            names = "/".join(sorted({p.label for ps in around.values() for p in ps})) or "core"
            emb.parts.append(Part(f"closure {names}", f"ring closure {names}", comp,
                                  f"ring closure {names} = {v.label} (atoms {fmt_atoms(comp)})", v.check))
    if ring_atoms_of:
        present = [pos for pos, mapped, named in plan.checked
                   if mapped or any(name in ring_atoms_of for name in named)]
    else:
        present = plan.plain
    _assign(emb, singles, present)
    return emb


def _assign(emb: Embedding, singles: list[tuple[Piece, list[tuple[Position, Verdict, bool]]]],
            present: list[Position]) -> None:
    """Choose a position for each single-anchored piece and check the positions' own conditions."""
    options = [j if len(j) == 1 else sorted(j, key=lambda t: _OPTION_RANK[t[1].check.outcome]) for _, j in singles]
    if all(len(o) == 1 for o in options):  # one way to assign the pieces
        best_choice: tuple[int, ...] = (0,) * len(singles)
        best_checks = [o[0][1].check for o in options]
        best_checks += _position_checks(singles, options, best_choice, present, emb.closed, emb.touched)
    else:
        best_score: tuple[int, int] | None = None
        best_choice = tuple(0 for _ in singles)
        best_checks = []
        for n, choice in enumerate(itertools.product(*[range(len(o)) for o in options])):
            if n >= MAX_ASSIGNMENTS:
                break
            checks = [options[i][c][1].check for i, c in enumerate(choice)]
            checks += _position_checks(singles, options, choice, present, emb.closed, emb.touched)
            score = _score(checks)
            if best_score is None or score < best_score:
                best_score, best_choice, best_checks = score, choice, checks
                if score == (0, 0):
                    break
    emb.checks.extend(best_checks)
    if not singles:  # (the position checks are counted a second time here, as they always were)
        emb.checks.extend(_position_checks([], [], (), present, emb.closed, emb.touched))
    worded = _outcome(emb.checks) is Outcome.COVERED  # (no other placement's words reach a verdict)
    for i, c in enumerate(best_choice):
        piece = singles[i][0]
        pos, v, extra = options[i][c]
        words = ""
        if worded:
            words = f"{pos.label} = {v.label or piece.describe()} (atoms {fmt_atoms(piece.atoms)})"
            if not v.check.ok:
                words = f"{pos.label}: {v.check.reason}"
        emb.parts.append(Part(pos.name, pos.label, piece.atoms, words, v.check))


def _score(checks: list[Check]) -> tuple[int, int]:
    misses = sum(1 for c in checks if c.outcome is Outcome.NOT)
    return misses, sum(1 for c in checks if c.outcome is Outcome.UNDECIDED)


def _position_checks(singles: list[tuple[Piece, list[tuple[Position, Verdict, bool]]]],
                     options: list[list[tuple[Position, Verdict, bool]]], choice: tuple[int, ...],
                     present: list[Position], closed: AbstractSet[str], touched: AbstractSet[str]) -> list[Check]:
    out: list[Check] = []
    assigned: dict[str, list[tuple[Piece, Verdict, bool]]] = {}
    for i, c in enumerate(choice):
        pos, v, extra = options[i][c]
        got = assigned.get(pos.name)
        if got is None:
            assigned[pos.name] = [(singles[i][0], v, extra)]
        else:
            got.append((singles[i][0], v, extra))
    for pos in present:
        got = assigned.get(pos.name, [])
        if pos.max_count is not None and len(got) > pos.max_count:
            msg = f"{pos.label}: {len(got)} substituents, the text allows {pos.max_count}"
            out.append(undecided(msg) if pos.count_beyond == "undecided" else not_(msg))
        if not got:
            if pos.name in touched:
                pass
            elif pos.hydrogen == "forbidden":
                out.append(not_(f"{pos.label}: a substituent is required here"))
            elif pos.hydrogen == "undecided":
                out.append(undecided(f"{pos.label}: hydrogen is not listed for this position; whether the general "
                                     f"rule 'a hydrogen atom is a possible substituent' applies is not decided"))
        if pos.requires_listed or got:
            listed = any_extra = False
            for _, v, extra in got:
                if extra:
                    any_extra = True
                elif v.check.outcome is Outcome.COVERED:
                    listed = True
            listed = listed or pos.name in closed
            if pos.requires_listed and not listed:
                out.append(not_(f"{pos.label}: none of the required substituents ({pos.rule.describe()}) is present"))
            if any_extra and not listed:
                out.append(not_(f"{pos.label}: other substituents are allowed only in addition to one of: "
                                f"{pos.rule.describe()}"))
        if pos.rule.max_mass is not None and got:
            total = sum(p.mass for p, _, _ in got)
            if total > pos.rule.max_mass + 1e-6:
                out.append(not_(f"{pos.label}: mass {total:.1f} u > {pos.rule.max_mass:g} u"))
    return out


def rule_positions_text(rule: GenericRule) -> dict[str, SubstituentRule]:
    """Position name -> allowed rule (for documentation)."""
    return {p.name: p.rule for p in rule.positions}

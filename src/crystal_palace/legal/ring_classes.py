"""Ring vocabulary: named ring systems, rings closed on or across core atoms, rings reached by a linker.

Legal texts describe rings in three ways, each a class here:

* a ring *system* by name ("Phenyl-, Thienyl-, ... Pyridylring"), possibly substituted
  (:func:`ring`, and :func:`match_system` for ring systems that are part of a core);
* a ring closed *on* one core atom ("das Stickstoffatom Bestandteil eines Pyrrolidinyl-Ringsystems",
  spiro rings: :func:`cyclic`) or *across* two core atoms ("zwei benachbarte Kohlenstoffatome ... mit
  einer Methylendioxygruppe überbrückt": :func:`fused`, :func:`alkylenedioxy`);
* a ring *reached through a linker* ("über eine Kohlenwasserstoffbrücke ... mit insgesamt ein bis vier
  Kohlenstoffatomen gekoppelte ... Ringstrukturen": :func:`linked_ring`, :func:`acyl_ring`).
"""

from __future__ import annotations

from functools import cache

from rdkit import Chem

from crystal_palace.legal.pieces import COVERED, Check, Piece, count_check, not_, worst
from crystal_palace.legal.ring_systems import SystemSpec, match_system, rings_in, system_atoms
from crystal_palace.legal.substituent_rules import (
    ClassDef,
    Params,
    ParamSpec,
    SubstituentRule,
    SubstituentSpec,
    judge,
)

SINGLE = Chem.BondType.SINGLE

@cache
def _via_query(smarts: str) -> Chem.Mol:
    q = Chem.MolFromSmarts(smarts)
    if q is None:
        raise ValueError(f"bad SMARTS {smarts}")
    return q


@cache
def _via_open(smarts: str) -> list[int]:
    return [a.GetIdx() for a in _via_query(smarts).GetAtoms() if a.GetAtomMapNum() == 1]


def _systems(params: Params) -> list[SystemSpec]:
    value = params.get("systems", ())
    return [s for s in value if isinstance(s, SystemSpec)] if isinstance(value, tuple) else []


def judge_ring_substituents(piece: Piece, ring: frozenset[int], rest: frozenset[int],
                            substituents: SubstituentRule | None, n_rule: SubstituentRule | None,
                            forbidden_anchor: frozenset[int] = frozenset()) -> Check:
    """Judge the groups hanging on a ring system (``rest`` = the piece's atoms outside the ring)."""
    checks: list[Check] = []
    for comp in piece.components(rest):
        anchors = [(n, a) for a in sorted(comp) for n in piece.nbrs(a) if n not in comp]
        if any(n in forbidden_anchor for n, _ in anchors) or any(n not in ring for n, _ in anchors):
            checks.append(not_("a group bridges the ring and the linker"))
            continue
        sub = piece.child(comp, anchors)
        on_n = any(piece.symbol(n) == "N" for n, _ in anchors)
        rule = n_rule if on_n and n_rule is not None else substituents
        if rule is None:
            # (no SMILES here: a class check's "not covered" reason is never shown, see SubstituentSpec.check,
            # and writing a canonical SMILES costs a round trip through RDKit)
            checks.append(not_(f"no substituent allowed on the ring (atoms {sorted(comp)})"))
            continue
        if rule is _ANY_RULE:  # (what judge would say, without a context key and a verdict to remember)
            checks.append(COVERED)
            continue
        v = judge(sub, rule)
        checks.append(v.check)
    return worst(checks)


def _ring(piece: Piece, params: Params) -> Check:
    """A named (or described) ring system, attached directly or through ``via``, with its substituents."""
    if not (piece.single and piece.anchor_bond() == SINGLE):
        return not_("not a ring substituent")
    via = params.get("via")
    via_atoms: frozenset[int] = frozenset()
    attach = piece.root
    if isinstance(via, str):
        q = _via_query(via)
        open_idx = _via_open(via)
        hits = [m for m in piece.graph.substruct(piece.mol, q)
                if m[0] == piece.root and set(m) <= piece.atoms]
        if not hits or not open_idx:
            return not_("not attached through the required linker")
        m = hits[0]
        attach = m[open_idx[0]]
        via_atoms = frozenset(m) - {attach}
    if attach not in piece.ring_atoms:
        return not_("not a ring")
    ring = system_atoms(piece.mol, [attach], piece.atoms - via_atoms)
    specs = _systems(params)
    chosen = next((s for s in specs if match_system(piece.mol, ring, attach, s)), None)
    if chosen is None:
        return not_("ring system not one of: " + ", ".join(s.label for s in specs))
    subs = params.get("substituents")
    n_rule = params.get("n_substituents")
    return judge_ring_substituents(piece, ring, piece.atoms - ring - via_atoms,
                                   subs if isinstance(subs, SubstituentRule) else None,
                                   n_rule if isinstance(n_rule, SubstituentRule) else chosen.n_substituents,
                                   via_atoms)


def _ring_base(piece: Piece, params: Params) -> bool:
    if not (piece.single and piece.anchor_bond() == SINGLE) or piece.root not in piece.ring_atoms:
        return False
    ring = system_atoms(piece.mol, [piece.root], piece.atoms)
    return any(match_system(piece.mol, ring, piece.root, s) for s in _systems(params))


def _closed_rings(piece: Piece) -> tuple[frozenset[int], ...]:
    return piece.closing_rings


def _cyclic(piece: Piece, params: Params) -> Check:
    """The core atom is a member of a ring formed with the piece (N in pyrrolidine, spiro rings)."""
    outside = piece.outside
    if len(outside) != 1 or len(piece.anchors) < 2:
        return not_("not a ring closed on the core atom")
    core = next(iter(outside))
    closing = [r for r in _closed_rings(piece) if core in r and r - {core} <= piece.atoms]
    if not closing:
        return not_("not a ring closed on the core atom")
    ring_atoms = frozenset().union(*closing) - {core}
    # rings of the piece fused to the closing ring(s) belong to the same system
    ring_atoms = system_atoms(piece.mol, list(ring_atoms), piece.atoms) | ring_atoms
    checks = [_ring_limits(piece, r, params) for r in closing]
    for r in piece.own_rings:
        if r <= ring_atoms:
            checks.append(_ring_limits(piece, r, params, closing_ring=False))
    arom = params.get("aromatic", "any")
    core_arom = piece.aromatic(core)
    if arom == "no" and core_arom:
        checks.append(not_("the ring is aromatic"))
    if arom == "yes" and not core_arom:
        checks.append(not_("the ring is not aromatic"))
    need = params.get("require")
    if isinstance(need, frozenset) and not any(piece.symbol(a) in need for r in closing for a in r if a != core):
        checks.append(not_(f"the ring contains no {'/'.join(sorted(need))}"))
    checks.extend(_ring_substituent_checks(piece, ring_atoms, params))
    return worst(checks)


def _ring_substituent_checks(piece: Piece, ring_atoms: frozenset[int], params: Params) -> list[Check]:
    """What sits on a ring besides the ring itself, judged against the rule's substituent limits."""
    rest = piece.atoms - ring_atoms
    if not rest:
        return []
    subs = params.get("substituents")
    n_rule = params.get("n_substituents")
    return [judge_ring_substituents(piece, ring_atoms, rest, subs if isinstance(subs, SubstituentRule) else None,
                                    n_rule if isinstance(n_rule, SubstituentRule) else None)]


def _ring_limits(piece: Piece, ring: frozenset[int], params: Params, closing_ring: bool = True) -> Check:
    lo = params.get("min_size", 3)
    hi = params.get("max_size")
    c = count_check(len(ring), lo if isinstance(lo, int) else 3, hi if isinstance(hi, int) else None, None,
                    "ring size")
    if not c.ok:
        return c
    elements = params.get("ring_elements")
    if isinstance(elements, frozenset):
        bad = {piece.symbol(a) for a in ring if a in piece.atoms and piece.symbol(a) not in elements}
        if bad:
            return not_(f"ring contains {', '.join(sorted(bad))}")
    return COVERED


def _cyclic_base(piece: Piece, params: Params) -> bool:
    """The piece starts with the ring: :func:`_cyclic` with any substituent allowed on the ring.

    The parameters so reduced are made once per parameter set, and the rule allowing anything is one
    object (a new rule per call was a new key for every verdict on the ring's substituents).
    """
    known = _REDUCED.get(id(params))
    if known is not None and known[0] is params:
        return _cyclic(piece, known[1]).ok
    reduced = dict(params)
    reduced["substituents"] = _ANY_RULE
    _REDUCED[id(params)] = (params, reduced)
    return _cyclic(piece, reduced).ok


def _fused(piece: Piece, params: Params) -> Check:
    """A ring closed across two core atoms (anellated ring), with its own substituents."""
    if len(piece.outside) < 2:
        return not_("not a ring across two core atoms")
    closing = list(_closed_rings(piece))
    if not closing:
        return not_("not a ring across two core atoms")
    ring_atoms = frozenset().union(*closing) & piece.atoms
    ring_atoms = system_atoms(piece.mol, list(ring_atoms), piece.atoms) | ring_atoms
    checks = [_ring_limits(piece, r, params) for r in closing]
    max_c = params.get("max_c")
    if isinstance(max_c, int):
        n_c = sum(1 for a in ring_atoms if piece.symbol(a) == "C")
        checks.append(count_check(n_c, 0, max_c, None, "ring carbons"))
    arom = params.get("aromatic", "any")
    is_arom = any(piece.aromatic(a) for a in ring_atoms)
    if arom == "no" and is_arom:
        checks.append(not_("the fused ring is aromatic"))
    need = params.get("require")
    if isinstance(need, frozenset) and not any(piece.symbol(a) in need for a in ring_atoms):
        checks.append(not_(f"the fused ring contains no {'/'.join(sorted(need))}"))
    checks.extend(_ring_substituent_checks(piece, ring_atoms, params))
    return worst(checks)


def _alkylenedioxy(piece: Piece, params: Params) -> Check:
    """-O-(alkylene)-O- across two core atoms."""
    if len(piece.outside) != 2 or len(piece.anchors) != 2:
        return not_("not a bridge across two core atoms")
    ends = {inside for _, inside in piece.anchors}
    if len(ends) != 2 or any(piece.symbol(e) != "O" for e in ends):
        return not_("not an alkylenedioxy bridge")
    carbons = piece.atoms - ends
    if not carbons or any(piece.symbol(a) != "C" for a in carbons):
        return not_("not an alkylenedioxy bridge")
    if any(bt != SINGLE for _, _, bt in piece.internal_bonds()) or any(piece.aromatic(a) for a in carbons):
        return not_("not an alkylenedioxy bridge")
    if any(len([n for n in piece.nbrs(e) if n in carbons]) != 1 for e in ends):
        return not_("not an alkylenedioxy bridge")
    lo, hi = params.get("min_c", 1), params.get("max_c")
    return count_check(len(carbons), lo if isinstance(lo, int) else 1, hi if isinstance(hi, int) else None, None,
                       "alkylene carbons")


def _linker_ok(piece: Piece, linker: frozenset[int], params: Params) -> Check:
    """The hydrocarbon bridge of :func:`_linked_ring` (or one of the named alternative linkers)."""
    root = piece.root
    names = params.get("linkers", frozenset({"hydrocarbon"}))
    allowed = names if isinstance(names, frozenset) else frozenset({"hydrocarbon"})
    symbols = {a: piece.symbol(a) for a in linker}
    oxo = [a for a in linker if symbols[a] == "O" and len(piece.nbrs(a)) == 1
           and piece.bond(a, piece.nbrs(a)[0]) == Chem.BondType.DOUBLE]
    checks: list[Check] = []
    if "hydrocarbon" in allowed:
        carbons = linker - set(oxo)
        ok = all(symbols[a] == "C" for a in carbons)
        if ok and oxo:
            second = [n for n in piece.nbrs(root) if n in carbons]
            ok = bool(params.get("oxo_at_2")) and len(oxo) == 1 and piece.nbrs(oxo[0])[0] in second
        if ok:
            multiple = [bt for i, j, bt in piece.internal_bonds() if i in carbons and j in carbons and bt != SINGLE]
            ok = len(multiple) <= 1
        if ok:
            hi = params.get("max_linker_c", 4)
            checks.append(count_check(len(carbons), 1, hi if isinstance(hi, int) else None, None, "bridge carbons"))
    acyl_hi = params.get("max_acyl_alkyl_c", 4)
    acyl_max = acyl_hi if isinstance(acyl_hi, int) else None
    if symbols.get(root) == "C" and len(oxo) == 1 and oxo[0] in piece.nbrs(root):
        rest = linker - {root, oxo[0]}
        if not rest and "carbonyl" in allowed:
            checks.append(COVERED)
        if rest and "alkylcarbonyl" in allowed and all(symbols[a] == "C" for a in rest) and \
                all(bt == SINGLE for i, j, bt in piece.internal_bonds() if i in rest and j in rest):
            checks.append(count_check(len(rest), 1, acyl_max, None, "alkyl carbons of the alkylcarbonyl bridge"))
        ox = [a for a in rest if symbols[a] == "O" and a in piece.nbrs(root)]
        if ox and "alkyloxycarbonyl" in allowed and all(symbols[a] == "C" for a in rest - set(ox)) and rest - set(ox):
            checks.append(count_check(len(rest - set(ox)), 1, acyl_max, None,
                                      "alkyl carbons of the alkyloxycarbonyl bridge"))
    oxygens = {a for a in linker if symbols[a] == "O"}
    if symbols.get(root) == "S" and "sulfonyl" in allowed and linker == {root, *oxygens}:
        if len(linker) == 3:
            checks.append(COVERED)
    if not checks:
        return not_("the bridge to the ring is not one of the allowed bridges")
    return max(checks, key=lambda c: {"covered": 2, "undecided": 1, "not covered": 0}[c.outcome.value])


def _linked_ring(piece: Piece, params: Params) -> Check:
    """Ring structures attached directly or through a short bridge, any substitution on the ring."""
    if not (piece.single and piece.anchor_bond() == SINGLE) or not piece.ring_atoms:
        return not_("no ring structure")
    root = piece.root
    if root in piece.ring_atoms:
        linker: frozenset[int] = frozenset()
        start = [root]
    else:
        seen = {root}
        stack = [root]
        while stack:
            cur = stack.pop()
            for n in piece.nbrs(cur):
                if n not in seen and n not in piece.ring_atoms:
                    seen.add(n)
                    stack.append(n)
        linker = frozenset(seen)
        start = [n for a in linker for n in piece.nbrs(a) if n in piece.ring_atoms]
        c = _linker_ok(piece, linker, params)
        if not c.ok:
            return c
    ring = system_atoms(piece.mol, start, piece.atoms)
    checks: list[Check] = []
    for r in rings_in(piece.mol, ring):
        checks.append(_ring_limits(piece, r, params))
    n_rule = params.get("n_substituents")
    for a in ring:
        if piece.symbol(a) == "N":
            for n in piece.nbrs(a):
                if n in ring or n in linker:
                    continue
                side = _side_atoms(piece, n, a)
                if isinstance(n_rule, SubstituentRule):
                    checks.append(judge(piece.child(side, [(a, n)]), n_rule).check)
    return worst(checks)


def _side_atoms(piece: Piece, start: int, blocked: int) -> frozenset[int]:
    seen = {start}
    stack = [start]
    while stack:
        cur = stack.pop()
        for n in piece.nbrs(cur):
            if n != blocked and n not in seen:
                seen.add(n)
                stack.append(n)
    return frozenset(seen)


def _acyl_ring(piece: Piece, params: Params) -> Check:
    """C(=O), an optional alkyl linker of ``linker_c`` carbons, then an unsubstituted ring system."""
    if not (piece.single and piece.anchor_bond() == SINGLE):
        return not_("not an acyl group")
    root = piece.root
    oxo = [n for n in piece.nbrs(root) if piece.symbol(n) == "O" and piece.bond(root, n) == Chem.BondType.DOUBLE]
    if piece.symbol(root) != "C" or len(oxo) != 1 or not piece.ring_atoms:
        return not_("not a ring-carbonyl group")
    chain = piece.atoms - piece.ring_atoms - {root, oxo[0]}
    want = params.get("linker_c", 0)
    if any(piece.symbol(a) != "C" for a in chain) or len(chain) != (want if isinstance(want, int) else 0):
        return not_("the linker to the ring does not fit")
    ring = system_atoms(piece.mol, list(piece.ring_atoms), piece.atoms)
    if ring != piece.ring_atoms:
        return not_("more than one ring system")
    return worst(_ring_limits(piece, r, params) for r in rings_in(piece.mol, ring)) if all(
        _ring_arom_ok(piece, r, params) for r in rings_in(piece.mol, ring)) else not_("ring aromaticity does not fit")


def _ring_arom_ok(piece: Piece, ring: frozenset[int], params: Params) -> bool:
    arom = params.get("aromatic", "any")
    flags = [piece.aromatic(a) for a in ring]
    if arom == "yes":
        return all(flags)
    if arom == "no":
        return not any(flags)
    return True


def _arylcarbonyl(piece: Piece, params: Params) -> Check:
    """C(=O)-aryl, aryl an aromatic carbocycle of at most ``max_c`` carbons."""
    if not (piece.single and piece.anchor_bond() == SINGLE):
        return not_("not an arylcarbonyl group")
    root = piece.root
    oxo = [n for n in piece.nbrs(root) if piece.symbol(n) == "O" and piece.bond(root, n) == Chem.BondType.DOUBLE]
    aryl = piece.atoms - {root, *oxo}
    if piece.symbol(root) != "C" or len(oxo) != 1 or not aryl or aryl != piece.ring_atoms:
        return not_("not an arylcarbonyl group")
    if not all(piece.symbol(a) == "C" and piece.aromatic(a) for a in aryl):
        return not_("not an arylcarbonyl group")
    hi = params.get("max_c")
    return count_check(len(aryl), 6, hi if isinstance(hi, int) else None, None, "aryl carbons")


def _arylcarbonyl_base(piece: Piece, params: Params) -> bool:
    root = piece.root
    return (piece.single and piece.symbol(root) == "C"
            and any(piece.symbol(n) == "O" and piece.bond(root, n) == Chem.BondType.DOUBLE for n in piece.nbrs(root))
            and any(piece.aromatic(n) and piece.symbol(n) == "C" for n in piece.nbrs(root)))


_ANY_SPEC = SubstituentSpec(ClassDef("any", lambda p, q: COVERED), {})
#: any substituent (the ring of a cyclic base); judge_ring_substituents covers its groups without judging them
_ANY_RULE = SubstituentRule(allowed=(_ANY_SPEC,))
#: the parameters of a cyclic entry with any substituent allowed, by id of the entry's parameters
_REDUCED: dict[int, tuple[Params, Params]] = {}

INT = ParamSpec("int")
RING_PARAMS = {"min_size": INT, "max_size": INT, "ring_elements": ParamSpec("elements"), "aromatic": ParamSpec("str"),
               "require": ParamSpec("elements"), "substituents": ParamSpec("rule"), "n_substituents": ParamSpec("rule")}

RING_CLASSES: list[ClassDef] = [
    ClassDef("ring", _ring, {"systems": ParamSpec("systems", required=True), "substituents": ParamSpec("rule"),
                             "n_substituents": ParamSpec("rule"), "via": ParamSpec("smarts")}, _ring_base,
             lambda p: "ring system (" + ", ".join(s.label for s in _systems(p)) + ")"),
    ClassDef("cyclic", _cyclic, RING_PARAMS, _cyclic_base,
             lambda p: f"ring of {p.get('min_size', 3)}-{p.get('max_size', 'any')} atoms including the core atom",
             multi=True),
    ClassDef("fused", _fused, {**RING_PARAMS, "max_c": INT}, None,
             lambda p: f"anellated ring of {p.get('min_size', 3)}-{p.get('max_size', 'any')} atoms", multi=True),
    ClassDef("alkylenedioxy", _alkylenedioxy, {"min_c": INT, "max_c": INT}, None, lambda p: "alkylenedioxy",
             multi=True),
    ClassDef("linked_ring", _linked_ring,
             {"max_linker_c": INT, "oxo_at_2": ParamSpec("bool"), "min_size": INT, "max_size": INT,
              "ring_elements": ParamSpec("elements"), "linkers": ParamSpec("names"), "max_acyl_alkyl_c": INT,
              "n_substituents": ParamSpec("rule")}, None,
             lambda p: f"ring structure ({p.get('min_size', 3)}-{p.get('max_size', 7)} ring atoms), attached "
                       f"directly or through a bridge"),
    ClassDef("acyl_ring", _acyl_ring,
             {"linker_c": INT, "min_size": INT, "max_size": INT, "ring_elements": ParamSpec("elements"),
              "aromatic": ParamSpec("str")}, None,
             lambda p: f"ring-carbonyl (linker C{p.get('linker_c', 0)}, rings {p.get('min_size', 3)}-"
                       f"{p.get('max_size', 7)})"),
    ClassDef("arylcarbonyl", _arylcarbonyl, {"max_c": INT}, _arylcarbonyl_base,
             lambda p: f"arylcarbonyl (aryl up to C{p.get('max_c')})"),
]

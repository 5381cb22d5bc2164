"""The shared substituent vocabulary of the generic definitions: named classes with parameters.

Rule files name substituents with words the legal texts use ("Alkyl- (bis C6)" is ``alkyl(max_c=6)``,
"Methylendioxy" is ``methylenedioxy``); this module says what each word means as a graph test on a
:class:`~crystal_palace.legal.pieces.Piece`. Fixed groups are templates (SMILES with ``*`` for the core
atom) compared by canonical SMILES; families (alkyl, alkoxy, acyl, ...) are small graph tests whose
limits are parameters, so the limit lives in the rule file next to the legal text, not here.

Ring-based classes (ring systems, rings closed on a core atom, fused rings, linkers to rings) are in
:mod:`crystal_palace.legal.ring_classes` and are merged into :data:`VOCABULARY` at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

from rdkit import Chem

from crystal_palace.legal.pieces import (
    Check,
    Piece,
    best,
    count_check,
    not_,
    undecided,
)
from crystal_palace.legal.substituent_rules import ClassDef, Params, ParamSpec
from crystal_palace.legal.substituent_templates import TEMPLATES, anchored_matches, template_base, template_check

SINGLE = Chem.BondType.SINGLE
HALOGENS = frozenset({"F", "Cl", "Br", "I"})

# -- helpers ----------------------------------------------------------------------------------------
def _singly_bonded(piece: Piece) -> bool:
    return piece.single and piece.anchor_bond() == SINGLE


def _saturated(piece: Piece) -> bool:
    return (all(bt == SINGLE for _, _, bt in piece.internal_bonds())
            and not any(piece.aromatic(i) for i in piece.atoms))


_CARBON = frozenset({"C"})


def _hydrocarbon(piece: Piece) -> bool:
    return piece.elements <= _CARBON and not piece.ring_atoms and not any(piece.aromatic(i)
                                                                         for i in piece.atoms)


def _i(params: Params, key: str, default: int | None = None) -> int | None:
    value = params.get(key, default)
    return value if isinstance(value, int) else default


def _limits(params: Params, what: str, value: int) -> Check:
    return count_check(value, _i(params, "min_c", 1) or 1, _i(params, "max_c"), _i(params, "undecided_max_c"), what)


def _range(params: Params, lo: str = "min_c", hi: str = "max_c", prefix: str = "C") -> str:
    default = 3 if lo == "min_ring" else 1
    low, high = _i(params, lo) or default, _i(params, hi)
    unit = "ring size " if lo == "min_ring" else prefix
    if high is None:
        return "" if low <= default else f" (from {unit}{low})"
    return f" ({unit}{low}-{high})"


def strip_leaves(piece: Piece, is_leaf: Callable[[Piece, int], frozenset[int] | None]) -> tuple[Piece, int]:
    """Remove leaf groups (found by ``is_leaf`` from an atom) and return what is left and how many went."""
    removed: set[int] = set()
    count = 0
    for i in sorted(piece.atoms):
        if i in removed or i == piece.root:
            continue
        leaf = is_leaf(piece, i)
        if leaf is not None and piece.root not in leaf and not (leaf & removed):
            removed |= leaf
            count += 1
    rest = piece.child(piece.atoms - removed, [a for a in piece.anchors if a[1] not in removed])
    return rest, count


def _halogen_leaf(piece: Piece, i: int) -> frozenset[int] | None:
    return frozenset([i]) if piece.symbol(i) in HALOGENS else None


def _hydroxy_leaf(piece: Piece, i: int) -> frozenset[int] | None:
    if piece.symbol(i) == "O" and len(piece.nbrs(i)) == 1 and piece.graph.total_h[i] == 1:
        return frozenset([i])
    return None


def _cyano_leaf(piece: Piece, i: int) -> frozenset[int] | None:
    if piece.symbol(i) == "N" and len(piece.nbrs(i)) == 1:
        c = piece.nbrs(i)[0]
        if piece.symbol(c) == "C" and piece.bond(i, c) == Chem.BondType.TRIPLE:
            return frozenset([i, c])
    return None


def after_prefix(piece: Piece, smarts: str) -> list[list[Piece]]:
    """For each way a prefix (SMARTS, first atom = root, map 1 = open atoms) starts the piece, the rest.

    The rest is split into pieces anchored on the prefix; a rest attached to a prefix atom that is
    not open disqualifies that reading.
    """
    query = _smarts(smarts)
    readings: list[list[Piece]] = []
    if not piece.single:
        return readings
    open_q = _open_atoms(smarts)
    for m in anchored_matches(piece, query, dummy_first=False):
        prefix = set(m)
        open_atoms = {m[q] for q in open_q}
        rests: list[Piece] = []
        ok = True
        for comp in piece.components(piece.atoms - prefix):
            anchors = [(n, a) for a in sorted(comp) for n in piece.nbrs(a) if n in prefix]
            if any(n not in open_atoms for n, _ in anchors):
                ok = False
                break
            rests.append(piece.child(comp, anchors))
        if ok:
            readings.append(rests)
    return readings


@cache
def _open_atoms(smarts: str) -> frozenset[int]:
    """Query atoms of a prefix mapped :1 (where the rest of the group may hang)."""
    return frozenset(a.GetIdx() for a in _smarts(smarts).GetAtoms() if a.GetAtomMapNum() == 1)


@cache
def _smarts(smarts: str) -> Chem.Mol:
    query = Chem.MolFromSmarts(smarts)
    if query is None:
        raise ValueError(f"bad built-in SMARTS {smarts}")
    return query


def _prefixed_alkyl(prefixes: Sequence[str], what: str,
                    n_rest: tuple[int, ...] = (1,)) -> Callable[[Piece, Params], Check]:
    """A prefix followed by alkyl group(s) whose carbons are limited by min_c/max_c."""
    def check(piece: Piece, params: Params) -> Check:
        if not _singly_bonded(piece):
            return not_(f"not {what}")
        found: list[Check] = []
        for prefix in prefixes:
            for rests in after_prefix(piece, prefix):
                if len(rests) not in n_rest or not rests:
                    continue
                if not all(r.single and _hydrocarbon(r) and _saturated(r) for r in rests):
                    continue
                c = best([_limits(params, f"{what} alkyl carbons", r.carbons) for r in rests])
                if len(rests) > 1 and c.ok:
                    c = undecided(f"{what} with {len(rests)} alkyl groups: the text names one")
                found.append(c)
        return best(found) if found else not_(f"not {what}")
    return check


def _prefix_base(prefixes: Sequence[str]) -> Callable[[Piece, Params], bool]:
    def base(piece: Piece, params: Params) -> bool:
        return _singly_bonded(piece) and any(anchored_matches(piece, _smarts(p), dummy_first=False) for p in prefixes)
    return base


# -- parametric classes -----------------------------------------------------------------------------
def _alkyl(piece: Piece, params: Params) -> Check:
    if not (_singly_bonded(piece) and _hydrocarbon(piece) and _saturated(piece)):
        return not_("not an alkyl group")
    return _limits(params, "alkyl carbons", piece.carbons)


def _alkenyl(piece: Piece, params: Params) -> Check:
    bonds = [bt for _, _, bt in piece.internal_bonds()]
    if not (_singly_bonded(piece) and _hydrocarbon(piece) and Chem.BondType.DOUBLE in bonds
            and Chem.BondType.TRIPLE not in bonds):
        return not_("not an alkenyl group")
    return _limits(params, "alkenyl carbons", piece.carbons)


def _alkynyl(piece: Piece, params: Params) -> Check:
    bonds = [bt for _, _, bt in piece.internal_bonds()]
    if not (_singly_bonded(piece) and _hydrocarbon(piece) and Chem.BondType.TRIPLE in bonds):
        return not_("not an alkynyl group")
    return _limits(params, "alkynyl carbons", piece.carbons)


def _hydrocarbon_chain(piece: Piece, params: Params) -> Check:
    if not (_singly_bonded(piece) and _hydrocarbon(piece)):
        return not_("not a carbon chain")
    return _limits(params, "chain carbons", piece.carbons)


def _acyclic_carbon_base(piece: Piece, params: Params) -> bool:
    return (_singly_bonded(piece) and piece.symbol(piece.root) == "C" and piece.root not in piece.ring_atoms
            and not piece.aromatic(piece.root))


def _unsaturated_base(order: Chem.BondType) -> Callable[[Piece, Params], bool]:
    def base(piece: Piece, params: Params) -> bool:
        if not _acyclic_carbon_base(piece, params):
            return False
        seen, stack = {piece.root}, [piece.root]
        while stack:
            cur = stack.pop()
            for n in piece.nbrs(cur):
                if piece.symbol(n) != "C" or n in piece.ring_atoms:
                    continue
                if piece.bond(cur, n) == order:
                    return True
                if n not in seen:
                    seen.add(n)
                    stack.append(n)
        return False
    return base


def _stripped_alkyl(leaf: Callable[[Piece, int], frozenset[int] | None], what: str) -> Callable[[Piece, Params], Check]:
    def check(piece: Piece, params: Params) -> Check:
        if not _singly_bonded(piece):
            return not_(f"not {what}")
        rest, n = strip_leaves(piece, leaf)
        if n == 0:
            return not_(f"not {what}")
        if not (_hydrocarbon(rest) and _saturated(rest)):
            return not_(f"not {what}")
        return _limits(params, f"{what} carbons", rest.carbons)
    return check


def _cycloalkyl_ring(piece: Piece) -> int | None:
    """Ring size when the piece is exactly one saturated carbocycle; else None."""
    if piece.elements != {"C"} or len(piece.own_rings) != 1 or piece.ring_atoms != piece.atoms:
        return None
    if not _saturated(piece):
        return None
    return len(piece.atoms)


def _cycloalkyl(piece: Piece, params: Params) -> Check:
    size = _cycloalkyl_ring(piece) if _singly_bonded(piece) else None
    if size is None:
        return not_("not a cycloalkyl group")
    return count_check(size, _i(params, "min_ring", 3) or 3, _i(params, "max_ring"), None, "cycloalkyl ring size")


def _cycloalkyl_base(piece: Piece, params: Params) -> bool:
    if not _singly_bonded(piece) or piece.root not in piece.ring_atoms or piece.symbol(piece.root) != "C":
        return False
    high = _i(params, "max_ring")
    for ring in piece.own_rings:
        if piece.root in ring and all(piece.symbol(a) == "C" and not piece.aromatic(a) for a in ring):
            if high is None or len(ring) <= high:
                return True
    return False


def _cycloalkylalkyl(piece: Piece, params: Params) -> Check:
    if not _singly_bonded(piece):
        return not_("not a cycloalkylalkyl group")
    chain = piece.atoms - piece.ring_atoms
    ring = piece.sub(piece.ring_atoms)
    linker = _i(params, "linker_c", 1) or 1
    if not chain or any(piece.symbol(a) != "C" for a in chain) or len(chain) != linker:
        return not_(f"not a cycloalkyl group on a C{linker} alkyl linker")
    link_piece = piece.child(chain, piece.anchors)
    if not _saturated(link_piece) or len(ring.anchors) != 1:
        return not_("not a cycloalkylalkyl group")
    size = _cycloalkyl_ring(ring)
    if size is None:
        return not_("the ring is not a cycloalkyl ring")
    return count_check(size, _i(params, "min_ring", 3) or 3, _i(params, "max_ring"), None, "cycloalkyl ring size")


def _phenylalkyl(piece: Piece, params: Params) -> Check:
    if not _singly_bonded(piece) or len(piece.own_rings) != 1:
        return not_("not a phenylalkyl group")
    ring = next(iter(piece.own_rings))
    if len(ring) != 6 or not all(piece.symbol(a) == "C" and piece.aromatic(a) for a in ring):
        return not_("not a phenylalkyl group")
    rest = piece.child(piece.atoms - ring, piece.anchors)
    if not rest.atoms or piece.root in ring or not (_hydrocarbon(rest) and _saturated(rest)):
        return not_("not a phenylalkyl group")
    if any(n not in rest.atoms for a in ring for n in piece.nbrs(a) if n not in ring and piece.symbol(n) != "C"):
        return not_("not a phenylalkyl group")
    return _limits(params, "phenylalkyl chain carbons", rest.carbons)


def _trialkylsilyl_parts(piece: Piece) -> list[Piece] | None:
    root = piece.root
    if piece.symbol(root) != "Si" or piece.hydrogens(root) != 0:
        return None
    parts = [piece.child(comp, [(root, a) for a in comp if (root, a) in piece.graph.bond_code])
             for comp in piece.components(piece.atoms - {root})]
    if len(parts) != 3 or not all(p.single and _hydrocarbon(p) and _saturated(p) for p in parts):
        return None
    return parts


def _trialkylsilyl(piece: Piece, params: Params) -> Check:
    parts = _trialkylsilyl_parts(piece) if _singly_bonded(piece) else None
    if parts is None:
        return not_("not a trialkylsilyl group")
    return count_check(sum(p.carbons for p in parts), 3, _i(params, "max_c"), None, "trialkylsilyl carbons")


def _trialkylsilylalkylcarbonyl(piece: Piece, params: Params) -> Check:
    for rests in after_prefix(piece, "[CX3:1]=O"):
        if len(rests) != 1:
            continue
        rest = rests[0]
        silicons = [a for a in rest.atoms if rest.symbol(a) == "Si"]
        if len(silicons) != 1:
            continue
        si = silicons[0]
        comps = rest.components(rest.atoms - {si})
        linker = [c for c in comps if rest.root in c]
        others = [c for c in comps if rest.root not in c]
        if len(linker) != 1 or len(others) != 3:
            continue
        link = rest.child(linker[0], rest.anchors)
        alkyls = [rest.child(c, [(si, a) for a in c if (si, a) in rest.graph.bond_code]) for c in others]
        if not (_hydrocarbon(link) and _saturated(link)) or not all(_hydrocarbon(p) and _saturated(p) for p in alkyls):
            continue
        silyl = count_check(sum(p.carbons for p in alkyls), 3, _i(params, "max_silyl_c"), None, "trialkylsilyl carbons")
        alkyl = count_check(link.carbons, 1, _i(params, "max_alkyl_c"), None, "alkyl carbons")
        return alkyl if not alkyl.ok else silyl
    return not_("not a (trialkylsilyl)alkylcarbonyl group")


def _alkoxycarbonylalkyl(piece: Piece, params: Params) -> Check:
    if not _singly_bonded(piece):
        return not_("not an alkoxycarbonylalkyl group")
    query = _smarts("[CX4]-[CX3](=O)-[OX2]-[CX4]")
    for m in piece.graph.substruct(piece.mol, query):
        if not set(m) <= piece.atoms:
            continue
        ester = {m[1], m[2], m[3]}
        comps = piece.components(piece.atoms - ester)
        alkylene = [c for c in comps if piece.root in c]
        alkoxy = [c for c in comps if m[4] in c]
        if len(comps) != 2 or len(alkylene) != 1 or len(alkoxy) != 1 or m[0] not in alkylene[0]:
            continue
        a1 = piece.child(alkylene[0], piece.anchors)
        a2 = piece.child(alkoxy[0], [(m[3], m[4])])
        if not (_hydrocarbon(a1) and _saturated(a1) and _hydrocarbon(a2) and _saturated(a2)):
            continue
        c1 = count_check(a1.carbons, 1, _i(params, "max_alkyl_c"), None, "alkyl carbons")
        c2 = count_check(a2.carbons, 1, _i(params, "max_alkoxy_c"), None, "alkoxy carbons")
        return c1 if not c1.ok else c2
    return not_("not an alkoxycarbonylalkyl group")


def _describe(words: str, lo: str = "min_c", hi: str = "max_c") -> Callable[[Params], str]:
    if words.endswith(", alkyl"):
        head = words[: -len(", alkyl")]
        return lambda params: head + _range(params, lo, hi, "alkyl C")
    return lambda params: words + _range(params, lo, hi)


INT = ParamSpec("int")
CARBONS = {"min_c": INT, "max_c": INT, "undecided_max_c": INT}

_PARAMETRIC: list[ClassDef] = [
    ClassDef("alkyl", _alkyl, CARBONS, _acyclic_carbon_base, _describe("alkyl")),
    ClassDef("alkenyl", _alkenyl, CARBONS, _unsaturated_base(Chem.BondType.DOUBLE), _describe("alkenyl")),
    ClassDef("alkynyl", _alkynyl, CARBONS, _unsaturated_base(Chem.BondType.TRIPLE), _describe("alkynyl")),
    ClassDef("hydrocarbon_chain", _hydrocarbon_chain, CARBONS, _acyclic_carbon_base,
             _describe("carbon chain (saturated or not, branched or not)")),
    ClassDef("haloalkyl", _stripped_alkyl(_halogen_leaf, "haloalkyl"), CARBONS, None, _describe("haloalkyl")),
    ClassDef("hydroxyalkyl", _stripped_alkyl(_hydroxy_leaf, "hydroxyalkyl"), CARBONS, None, _describe("hydroxyalkyl")),
    ClassDef("cyanoalkyl", _stripped_alkyl(_cyano_leaf, "cyanoalkyl"), CARBONS, None, _describe("cyanoalkyl")),
    ClassDef("cycloalkyl", _cycloalkyl, {"min_ring": INT, "max_ring": INT}, _cycloalkyl_base,
             _describe("cycloalkyl", "min_ring", "max_ring")),
    ClassDef("cycloalkylalkyl", _cycloalkylalkyl, {"min_ring": INT, "max_ring": INT, "linker_c": INT}, None,
             lambda p: f"cycloalkyl-C{_i(p, 'linker_c', 1)}-alkyl (ring {_i(p, 'min_ring', 3)}-{_i(p, 'max_ring')})"),
    ClassDef("phenylalkyl", _phenylalkyl, CARBONS, None, _describe("phenylalkyl")),
    ClassDef("alkoxy", _prefixed_alkyl(["[OX2;!R:1]"], "alkoxy"), CARBONS, _prefix_base(["[OX2]-[CX4]"]),
             _describe("alkoxy")),
    ClassDef("alkylsulfanyl", _prefixed_alkyl(["[SX2;!R:1]"], "alkylsulfanyl"), CARBONS,
             _prefix_base(["[SX2]-[CX4]"]), _describe("alkylsulfanyl")),
    ClassDef("alkylcarbonyl", _prefixed_alkyl(["[CX3:1]=O"], "alkylcarbonyl"), CARBONS,
             _prefix_base(["[CX3](=O)-[CX4]"]), _describe("alkylcarbonyl, alkyl")),
    ClassDef("alkyloxycarbonyl", _prefixed_alkyl(["[CX3](=O)[OX2:1]"], "alkyloxycarbonyl"), CARBONS,
             _prefix_base(["[CX3](=O)-[OX2]-[CX4]"]), _describe("alkyloxycarbonyl, alkyl")),
    ClassDef("alkylthiocarbonyl",
             _prefixed_alkyl(["[CX3](=O)[SX2:1]", "[CX3](=S)[OX2:1]", "[CX3](=S)[SX2:1]"], "alkylthiocarbonyl"),
             CARBONS, _prefix_base(["[CX3](=O)-[SX2]-[CX4]", "[CX3](=S)-[OX2,SX2]-[CX4]"]),
             _describe("alkylthiocarbonyl, alkyl")),
    ClassDef("alkylcarbamoyl", _prefixed_alkyl(["[CX3](=O)[NX3:1]"], "alkylcarbamoyl", (1, 2)), CARBONS,
             _prefix_base(["[CX3](=O)-[NX3]-[CX4]"]), _describe("alkylcarbamoyl, alkyl")),
    ClassDef("alkylsulfonyl", _prefixed_alkyl(["[SX4:1](=O)=O"], "alkylsulfonyl"), CARBONS, None,
             _describe("alkylsulfonyl, alkyl")),
    ClassDef("alkylcarbonyloxy", _prefixed_alkyl(["[OX2][CX3:1]=O"], "alkylcarbonyloxy"), CARBONS, None,
             _describe("alkylcarbonyloxy, alkyl")),
    ClassDef("alkoxycarbonyloxy", _prefixed_alkyl(["[OX2][CX3](=O)[OX2:1]"], "alkoxycarbonyloxy"), CARBONS, None,
             _describe("alkoxycarbonyloxy, alkyl")),
    ClassDef("alkoxycarbonylalkyl", _alkoxycarbonylalkyl, {"max_alkoxy_c": INT, "max_alkyl_c": INT}, None,
             lambda p: (f"alkoxycarbonylalkyl (alkoxy up to C{_i(p, 'max_alkoxy_c')}, "
                        f"alkyl up to C{_i(p, 'max_alkyl_c')})")),
    ClassDef("trialkylsilyl", _trialkylsilyl, {"max_c": INT}, None,
             lambda p: f"trialkylsilyl (up to C{_i(p, 'max_c')} in the alkyl groups)"),
    ClassDef("trialkylsilylalkylcarbonyl", _trialkylsilylalkylcarbonyl, {"max_alkyl_c": INT, "max_silyl_c": INT},
             None, lambda p: "(trialkylsilyl)alkylcarbonyl"),
]


def _build() -> dict[str, ClassDef]:
    from crystal_palace.legal.ring_classes import RING_CLASSES
    from crystal_palace.legal.substituent_chains import CHAIN_CLASSES

    vocab: dict[str, ClassDef] = {}
    for name, (templates, words) in TEMPLATES.items():
        multi = any(t.count("*") > 1 or "*1" in t for t in templates)
        vocab[name] = ClassDef(name, template_check(name), {}, None if multi else template_base(name),
                               (lambda w: lambda p: w)(words), multi=multi)
    for cls in [*_PARAMETRIC, *CHAIN_CLASSES, *RING_CLASSES]:
        if cls.name in vocab:
            raise ValueError(f"duplicate vocabulary name {cls.name}")
        vocab[cls.name] = cls
    return vocab


VOCABULARY: Mapping[str, ClassDef] = _build()

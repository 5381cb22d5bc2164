"""Chain-shaped and open-ended substituent classes: chains, bridge residues, "any", "univalent".

Definitions of synthetic cannabinoids and lysergamides describe parts by shape rather than by name
("beliebig substituierte Kettenstrukturen ... durchgehende Kettenlänge von drei bis maximal zehn Atomen",
"Ringstrukturen ... oder Kettenstrukturen ... maximal zwölf Atomen"); the UK generics allow "any univalent
substituent". Where "chain length" can be read two ways (from the attachment or anywhere, rings breaking
the chain or not), a limit that only one reading meets gives "undecided".
"""

from __future__ import annotations

from rdkit import Chem

from crystal_palace.legal.pieces import COVERED, Check, Piece, not_, undecided
from crystal_palace.legal.substituent_rules import ClassDef, Params, ParamSpec, longest_chain, longest_from

SINGLE = Chem.BondType.SINGLE


def _i(params: Params, key: str, default: int | None = None) -> int | None:
    value = params.get(key, default)
    return value if isinstance(value, int) else default


def _singly_bonded(piece: Piece) -> bool:
    return piece.single and piece.anchor_bond() == SINGLE


def _starts_with_chain_carbon(piece: Piece, params: Params) -> bool:
    root = piece.root
    return (_singly_bonded(piece) and piece.symbol(root) == "C" and root not in piece.ring_atoms
            and not piece.aromatic(root))


def _chain(piece: Piece, params: Params) -> Check:
    """A chain structure: no rings; backbone atoms only from ``backbone``; length from the root."""
    if not piece.single or piece.ring_atoms or piece.carbons == 0:
        return not_("not a chain structure")
    backbone = params.get("backbone")
    allowed = frozenset(backbone) if isinstance(backbone, frozenset) else frozenset({"C", "O", "S", "Si"})
    atoms = {a for a in piece.atoms if piece.symbol(a) in allowed}
    if piece.root not in atoms:
        return not_("the chain does not start with a chain atom")
    # longest path from the root through backbone atoms (lower reading), and anywhere (upper reading)
    low = _longest_from(piece, piece.root, atoms)
    high = longest_chain(piece, atoms)
    lo_lim = _i(params, "min_len", 1) or 1
    hi_lim = _i(params, "max_len")
    if high < lo_lim:
        return not_(f"chain of {high} atoms < {lo_lim}")
    if hi_lim is not None and low > hi_lim:
        return not_(f"chain of {low} atoms > {hi_lim}")
    if low >= lo_lim and (hi_lim is None or high <= hi_lim):
        return COVERED
    return undecided(f"chain length {low} counted from the attachment, {high} overall: the limit "
                     f"{lo_lim}-{hi_lim} does not say which")


def _longest_from(piece: Piece, start: int, allowed: set[int]) -> int:
    """The most atoms on a simple path from ``start`` through ``allowed`` atoms of the piece.

    Through a tree, the depth of a breadth-first search; otherwise every path is tried.
    """
    found = longest_from(start, piece.atoms & allowed, piece.graph.neighbours)
    if found is not None:
        return found
    best_len = 0
    stack: list[tuple[int, frozenset[int]]] = [(start, frozenset([start]))]
    while stack:
        cur, seen = stack.pop()
        best_len = max(best_len, len(seen))
        for n in piece.nbrs(cur):
            if n in allowed and n not in seen:
                stack.append((n, seen | {n}))
    return best_len


def _residue(piece: Piece, params: Params) -> Check:
    """NpSG 2.1.3 a: ring structures (any substitution), or chains of at most max_chain atoms."""
    if piece.carbons == 0:
        return not_("a residue needs at least one carbon atom")
    if piece.ring_atoms:
        return COVERED
    limit = _i(params, "max_chain")
    if limit is None:
        return COVERED
    low = _longest_from(piece, piece.root, set(piece.atoms))
    high = longest_chain(piece)
    if high <= limit:
        return COVERED
    if low > limit:
        return not_(f"chain of {low} atoms > {limit}")
    return undecided(f"chain length {low} from the bridge, {high} overall; limit {limit}")


def _carbon_attached(piece: Piece, params: Params) -> Check:
    """Any group bonded to the core through a carbon atom (e.g. the rest of an acyl group R-C(=O)-)."""
    return COVERED if _singly_bonded(piece) and piece.symbol(piece.root) == "C" else not_("not attached through carbon")


def _ether(piece: Piece, params: Params) -> Check:
    """An acyclic carbon group containing ether oxygen(s) only (C-O-C), e.g. methoxymethyl."""
    if not _singly_bonded(piece) or piece.ring_atoms or piece.symbol(piece.root) != "C":
        return not_("not an ether group")
    if not piece.elements <= {"C", "O"} or "O" not in piece.elements:
        return not_("not an ether group")
    for i in piece.atoms:
        if piece.symbol(i) == "O":
            nbrs = piece.nbrs(i)
            if len(nbrs) != 2 or any(piece.symbol(n) != "C" or piece.bond(i, n) != SINGLE for n in nbrs):
                return not_("not an ether group")
    if any(bt != SINGLE for _, _, bt in piece.internal_bonds()):
        return not_("not an ether group")
    return COVERED


def _any(piece: Piece, params: Params) -> Check:
    return COVERED


def _univalent(piece: Piece, params: Params) -> Check:
    return COVERED if _singly_bonded(piece) else not_("not a univalent substituent")


def _hydrogen(piece: Piece, params: Params) -> Check:
    return not_("hydrogen is the absence of a substituent")


INT = ParamSpec("int")

CHAIN_CLASSES: list[ClassDef] = [
    ClassDef("chain", _chain, {"min_len": INT, "max_len": INT, "backbone": ParamSpec("elements")},
             _starts_with_chain_carbon,
             lambda p: f"chain structure of {_i(p, 'min_len', 1)}-{_i(p, 'max_len')} atoms"),
    ClassDef("residue", _residue, {"max_chain": INT}, None,
             lambda p: f"ring structure, or chain of at most {_i(p, 'max_chain')} atoms"),
    ClassDef("any", _any, {}, None, lambda p: "any group"),
    ClassDef("carbon_attached", _carbon_attached, {}, None, lambda p: "any group attached through carbon"),
    ClassDef("ether", _ether, {}, None, lambda p: "ether group (C-O-C)"),
    ClassDef("univalent", _univalent, {}, None, lambda p: "any univalent substituent"),
    ClassDef("hydrogen", _hydrogen, {}, None, lambda p: "hydrogen"),
]

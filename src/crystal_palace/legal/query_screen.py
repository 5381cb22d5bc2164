"""A sound, cheap screen in front of substructure searches: atoms a query cannot do without.

A generic rule is tried on every structure of a screen, and most structures lack most cores: asking
RDKit whether each core (or prefilter) occurs costs a few microseconds a query, dozens of queries a
structure. Many queries need atoms the structure does not have (an aromatic nitrogen, a nitrogen in a
ring, a sulfur, six aliphatic ring carbons): this module reads from each query atom what any matching
atom must be (element, aromatic or not, in a ring or not) and compares the counts with the atom kinds
the structure has, so that such a query is answered "no" without a search.

The screen is *sound*: a requirement is taken only from a chain of AND-ed, non-negated primitives that
fix the element (``AtomAtomicNum``, ``AtomType``), the aromaticity (``AtomIsAromatic``, ``AtomType``)
or ring membership (``AtomInNRings``, ``AtomMinRingSize``), or from the query's own rings (a query ring
can only map onto a ring of the structure). Anything else (OR, recursive SMARTS, unknown primitives)
adds no requirement. Distinct query atoms map onto distinct atoms, so the query atoms whose kind implies
a given kind are at most as many as the structure's atoms of that kind. A query that passes the screen
is searched as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdkit import Chem

#: an atom kind: (atomic number or None, aromatic 1/0 or None, in a ring 1/0 or None); None = any
Kind = tuple[int | None, int | None, int | None]

_LEAF = re.compile(r"^(\w+) (-?\d+) (=|!=) val$")
_NEEDS: dict[int, tuple[Chem.Mol, tuple[tuple[Kind, int], ...]]] = {}


def _parse(lines: list[tuple[int, str]], start: int) -> tuple[tuple[str, list[object]], int]:
    """One node of RDKit's DescribeQuery() text (indented two spaces a level) and the next line index."""
    depth, text = lines[start]
    children: list[object] = []
    k = start + 1
    while k < len(lines) and lines[k][0] > depth:
        child, k = _parse(lines, k)
        children.append(child)
    return (text, children), k


def _constraints(node: tuple[str, list[object]]) -> dict[str, int] | None:
    """Fields fixed by a node that must hold for every matching atom; None when the node is not understood."""
    text, children = node
    if text == "AtomAnd":
        out: dict[str, int] = {}
        for child in children:
            found = _constraints(child)  # type: ignore[arg-type]
            if found is None:
                continue  # an unknown conjunct only weakens the screen
            for key, value in found.items():
                if out.get(key, value) != value:
                    return None  # contradictory: leave such a query to RDKit
                out[key] = value
        return out
    match = _LEAF.match(text)
    if match is None or children:
        return None
    name, value, op = match.group(1), int(match.group(2)), match.group(3)
    if name == "AtomAtomicNum" and op == "=":
        return {"z": value}
    if name == "AtomType" and op == "=":
        return {"z": value % 1000, "arom": int(value >= 1000)}
    if name == "AtomIsAromatic" and value == 1:
        return {"arom": int(op == "=")}
    if name == "AtomIsAliphatic" and value == 1:
        return {"arom": int(op != "=")}
    if name == "AtomInNRings" and value == -1:
        return {"ring": int(op == "=")}
    if name == "AtomInNRings" and value > 0 and op == "=":
        return {"ring": 1}
    if name == "AtomMinRingSize" and value > 0 and op == "=":
        return {"ring": 1}
    return None


def atom_kind(atom_description: str) -> Kind | None:
    """What every atom matching a query atom must be (from its DescribeQuery() text), or None."""
    lines = [((len(line) - len(line.lstrip(" "))) // 2, line.strip()) for line in atom_description.splitlines()
             if line.strip()]
    if not lines:
        return None
    node, end = _parse(lines, 0)
    if end != len(lines):
        return None
    found = _constraints(node)
    if not found:
        return None
    return found.get("z"), found.get("arom"), found.get("ring")


def _general(kind: Kind) -> list[Kind]:
    """The kind and every kind it implies (each field kept or made 'any')."""
    z, a, r = kind
    return [(zz, aa, rr) for zz in {z, None} for aa in {a, None} for rr in {r, None}]


def query_needs(query: Chem.Mol) -> tuple[tuple[Kind, int], ...]:
    """(kind, count) pairs the query cannot match without (cached per query object)."""
    known = _NEEDS.get(id(query))
    if known is not None and known[0] is query:
        return known[1]
    in_ring = _ring_atoms(Chem.Mol(query))  # ring perception on a copy: the query itself is left as it is
    counts: dict[Kind, int] = {}
    for atom in query.GetAtoms():
        kind = atom_kind(atom.DescribeQuery()) or (None, None, None)
        if atom.GetIdx() in in_ring:
            kind = (kind[0], kind[1], 1) if kind[2] != 0 else kind  # a contradiction is left to RDKit
        for general in _general(kind):
            counts[general] = counts.get(general, 0) + 1
    # a need implied by a more specific one with at least the same count adds nothing
    kept = [(kind, n) for kind, n in counts.items()
            if not any(other != kind and n <= m and kind in _general(other) for other, m in counts.items())]
    # the most specific kinds first: they fail first on the structures that lack them
    needs = tuple(sorted(kept, key=lambda kv: (sum(f is None for f in kv[0]), -kv[1])))
    _NEEDS[id(query)] = (query, needs)
    return needs


def _ring_atoms(mol: Chem.Mol) -> set[int]:
    """The atoms in a ring (rings perceived here).

    The molecule is a parameter, alive for the whole call, because RDKit's ``GetRingInfo`` does not keep
    its molecule alive: compiled code (mypyc) releases a local at its last use, and the ring information
    of a released molecule reads freed memory.
    """
    Chem.FastFindRings(mol)
    return {a for ring in mol.GetRingInfo().AtomRings() for a in ring}


def kinds_present(numbers: Iterable[int], aromatic: Iterable[int], in_ring: Iterable[int]) -> dict[Kind, int]:
    """How many atoms of a molecule are of each kind (each field also as 'any').

    ``aromatic`` and ``in_ring`` are bools or the numbers 1 and 0 (as the binary reading gives them).
    """
    exact: dict[tuple[int, int, int], int] = {}
    get = exact.get
    for kind in zip(numbers, aromatic, in_ring, strict=True):  # (6, True, False) and (6, 1, 0) are the same key
        exact[kind] = get(kind, 0) + 1
    out: dict[Kind, int] = {}
    get = out.get
    for kind, n in exact.items():
        generals = _GENERALS.get(kind)
        if generals is None:
            generals = _GENERALS[kind] = tuple(_general((kind[0], int(kind[1]), int(kind[2]))))
        for general in generals:
            out[general] = get(general, 0) + n
    return out


_GENERALS: dict[Kind, tuple[Kind, ...]] = {}


def possible(needs: tuple[tuple[Kind, int], ...], present: dict[Kind, int]) -> bool:
    """False when the molecule has too few atoms of some kind the query needs (then it cannot match)."""
    get = present.get
    return all(get(kind, 0) >= n for kind, n in needs)

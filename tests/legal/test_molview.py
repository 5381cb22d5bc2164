"""The C reader of :mod:`crystal_palace.legal.molview` must read what RDKit's API reads, or say it cannot.

It reads RDKit's binary form of a molecule instead of asking RDKit atom by atom. A wrong value there would
change verdicts silently, so every value is compared with the API reading, on every structure of the
reference library and on awkward ones; and a binary form it does not know (another pickle version, query
atoms, cut short) must give None, never a wrong view or a crash.
"""

from __future__ import annotations

import os

import pytest
from awkward_molecules import zero_order_bond
from rdkit import Chem

from crystal_palace.chemistry.library import default_library
from crystal_palace.legal import molview
from crystal_palace.legal.generic_match import pieces_of
from crystal_palace.legal.pieces import MolGraph, components, context_key_of
from crystal_palace.legal.query_screen import _general

pytestmark = pytest.mark.skipif(not molview.available() and os.environ.get("CI") != "true",
                                reason="the C reader was not built (no C compiler); the API reading is used")

AWKWARD = [
    "CNC(C)Cc1ccc2OCOc2c1", "C[NH2+]C(C)Cc1ccccc1.[Cl-]", "C[N+](C)(C)[O-]", "[13CH3]NC", "[2H]C([2H])([2H])N",
    "CC(C)N->[Cu]", "c1ccccc1.[Na+].[Cl-]", "C#CC=C", "[H]OC([H])=O", "[H][H]", "[Fe+2].[O-]C=O.[O-]C=O",
    "C1CC2CCC1C2", "C1CCCCCCCCCCC1", "c1ccc2c(c1)[nH]c1ccccc12", "O=[N+]([O-])c1ccc([35Cl])cc1", "[Na]", "[U]",
    "F/C=C/F", "C[C@H](N)C(=O)O", "[CH3:7]C[NH2:200]", "[CH2]C", "C" * 300, "c1ccc2cc3ccccc3cc2c1",
]


def _api_bonds(mol: Chem.Mol) -> dict[tuple[int, int], Chem.BondType]:
    bonds: dict[tuple[int, int], Chem.BondType] = {}
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        bonds[(i, j)] = bonds[(j, i)] = b.GetBondType()
    return bonds


def _api_view(mol: Chem.Mol) -> molview.View:
    """The same facts read atom by atom and bond by bond through RDKit's API."""
    atoms = list(mol.GetAtoms())
    paths = tuple(tuple(r) for r in mol.GetRingInfo().AtomRings())
    ring_bonds = {frozenset((p[k], p[k - 1])) for p in paths for k in range(len(p))}
    code: dict[tuple[int, int], int] = {}
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        code[(i, j)] = code[(j, i)] = 2 * int(b.GetBondType()) + (frozenset((i, j)) in ring_bonds)
    charges = [a.GetFormalCharge() for a in atoms]
    contexts = [(a.GetAtomicNum(), a.GetIsAromatic(), a.GetTotalNumHs(), a.GetFormalCharge(), a.GetDegree(),
                 tuple(sorted(len(p) for p in paths if a.GetIdx() in p)), bool(a.GetIsotope())) for a in atoms]
    kinds: dict[tuple[int | None, int | None, int | None], int] = {}
    for a in atoms:
        in_ring = any(a.GetIdx() in p for p in paths)
        for general in _general((a.GetAtomicNum(), int(a.GetIsAromatic()), int(in_ring))):
            kinds[general] = kinds.get(general, 0) + 1
    return molview.View(
        numbers=[a.GetAtomicNum() for a in atoms], aromatic=[a.GetIsAromatic() for a in atoms],
        total_h=[a.GetTotalNumHs() for a in atoms], charges=charges if any(charges) else None,
        labelled=[a.GetIdx() for a in atoms if a.GetIsotope()],
        neighbours=[sorted(n.GetIdx() for n in a.GetNeighbors()) for a in atoms], ring_paths=paths,
        contexts=contexts, bond_code=code, kinds=kinds)


def _same(view: molview.View | None, expected: molview.View, bonds: dict[tuple[int, int], Chem.BondType]) -> None:
    assert view is not None
    assert {pair: molview.BOND_TYPES[code >> 1] for pair, code in view.bond_code.items()} == bonds
    for name in molview.View._fields:
        assert getattr(view, name) == getattr(expected, name), name
    assert all(type(f) is not bool for kind in view.kinds for f in kind)  # 0/1, as kinds_present keys them


def _awkward() -> list[Chem.Mol]:
    out = []
    for smiles in AWKWARD:
        mol = Chem.MolFromSmiles(smiles)
        assert mol is not None, smiles
        out.append(mol)
    out.append(zero_order_bond())
    return out


def test_the_reader_is_built_under_ci() -> None:
    # without it every screen silently pays the slow reading; CI installs a compiler, so it must be there
    assert molview.available()


@pytest.mark.parametrize("mol", _awkward(), ids=lambda m: Chem.MolToSmiles(m)[:40] or "empty")
def test_awkward_molecules_read_as_the_api_reads_them(mol: Chem.Mol) -> None:
    _same(molview.read(mol.ToBinary()), _api_view(mol), _api_bonds(mol))


def test_every_library_structure_reads_as_the_api_reads_it() -> None:
    read = unread = 0
    for entry in default_library().entries:
        mol = entry.mol
        if mol is None:
            continue
        view = molview.read(mol.ToBinary())
        if view is None:
            unread += 1
            continue
        _same(view, _api_view(mol), _api_bonds(mol))
        read += 1
    assert read == len(default_library().entries) > 800
    assert unread == 0


@pytest.mark.parametrize("make", [
    lambda: Chem.MolFromSmarts("[#6]-[#7;R]"),  # query atoms and bonds
    lambda: Chem.MolFromSmiles("*CC"),  # a dummy atom (its symbol is the API's to give)
    lambda: Chem.MolFromSmiles("[1*]c1ccccc1"),
    lambda: Chem.MolFromSmiles("CCO", sanitize=False),  # no ring information
    Chem.Mol,  # nor here
])
def test_what_the_reader_does_not_know_gives_none(make: object) -> None:
    mol = make()  # type: ignore[operator]
    assert molview.read(mol.ToBinary()) is None


def test_another_pickle_version_gives_none() -> None:
    binary = bytearray(Chem.MolFromSmiles("CCN").ToBinary())
    assert molview.read(bytes(binary)) is not None
    binary[8] = 15  # the major version
    assert molview.read(bytes(binary)) is None
    binary[8], binary[0] = 16, 0  # the endian id
    assert molview.read(bytes(binary)) is None


def test_a_cut_or_damaged_binary_never_crashes_or_misreads() -> None:
    mol = Chem.MolFromSmiles("C[NH2+]C(C)Cc1ccc2OCOc2c1.[2H]O/C=C/F")
    binary = mol.ToBinary()
    _same(molview.read(binary), _api_view(mol), _api_bonds(mol))
    ends = len(binary) - 25  # the rings end about here; what follows (conformers, end tag) is not read
    for cut in range(ends):
        assert molview.read(binary[:cut]) is None, cut
    for k in range(len(binary)):  # any single byte changed: None or some view, never a crash
        damaged = bytearray(binary)
        damaged[k] ^= 0xFF
        molview.read(bytes(damaged))


def _pieces_of(mol: Chem.Mol) -> list[tuple[frozenset[int], tuple[tuple[int, int], ...]]]:
    """Pieces as the engine makes them: the groups left when a core (a ring, or one side of a bond) is taken."""
    graph = MolGraph(mol)
    out = []
    cores = [set(r) for r in graph.rings] + [{i} for i in range(len(graph.numbers))]
    for core in cores:
        todo = set(range(len(graph.numbers))) - core
        for comp in components(graph.neighbours, todo):
            anchors = tuple((n, a) for a in sorted(comp) for n in graph.neighbours[a] if n in core)
            out.append((comp, anchors))
            out.append((comp, anchors[:1]))  # fewer anchors than bonds to the core (a stripped group)
    return out


def test_context_keys_are_those_of_the_python_reading() -> None:
    from crystal_palace.legal import _molview

    mols = _awkward() + [e.mol for e in default_library().entries[:300]]
    compared = 0
    for mol in mols:
        graph = MolGraph(mol)
        parts = (graph.atom_context, graph.neighbours, graph.bond_code, graph.atom_rings)
        for inside, anchors in _pieces_of(mol):
            assert _molview.context_key(inside, anchors, *parts) == context_key_of(inside, anchors, *parts)
            compared += 1
    assert compared > 5000


def test_context_key_rejects_what_is_not_a_view() -> None:
    from crystal_palace.legal import _molview

    mol = Chem.MolFromSmiles("CCO")  # (kept: the graph holds it weakly)
    graph = MolGraph(mol)
    parts = (graph.atom_context, graph.neighbours, graph.bond_code, graph.atom_rings)
    with pytest.raises(ValueError):
        _molview.context_key(frozenset([7]), (), *parts)  # an atom the molecule lacks
    with pytest.raises(ValueError):
        _molview.context_key(frozenset([1]), ((0, 1, 2),), *parts)  # an anchor that is not a pair
    with pytest.raises(ValueError):
        _molview.context_key(frozenset(), (), *parts)
    with pytest.raises(TypeError):
        _molview.context_key({1}, (), *parts)  # a set, not a frozenset


def test_groups_outside_a_core_are_those_of_the_python_reading() -> None:
    from crystal_palace.legal import _molview

    compared = 0
    for mol in _awkward() + [e.mol for e in default_library().entries]:
        graph = MolGraph(mol)
        n = len(graph.numbers)
        cores = [set(r) for r in graph.rings] + [{i, j} for (i, j) in graph.bonds if i < j] + [set(), set(range(n))]
        for core in cores:
            assert _molview.pieces(graph.neighbours, core) == pieces_of(graph.neighbours, core)
            assert _molview.pieces(graph.neighbours, frozenset(core)) == pieces_of(graph.neighbours, core)
            compared += 1
    assert compared > 20_000
    with pytest.raises(ValueError):
        _molview.pieces([[1], [0]], {5})
    with pytest.raises(TypeError):
        _molview.pieces([[1], [0]], [0])

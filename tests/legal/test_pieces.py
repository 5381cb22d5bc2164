"""The per-molecule view of :mod:`crystal_palace.legal.pieces` reads RDKit in bulk; it must read what RDKit says.

Both readings are checked: from the molecule's binary form (the C reader of :mod:`.molview`) and, for
what that reader leaves out, through RDKit's API.

Each value of :class:`MolGraph` that is read with a shortcut (one search instead of a call per atom, the
bond-order matrix instead of bond by bond, interpreter loops replaced by ``map``) is compared here with
the plain reading, atom by atom and bond by bond, on awkward molecules: charges, isotope labels, dummy
atoms, dative and zero-order bonds, explicit hydrogens, ions, disconnected parts and an empty molecule.
"""

from __future__ import annotations

import pytest
from awkward_molecules import zero_order_bond
from rdkit import Chem
from rdkit.Chem import Descriptors

from crystal_palace.legal import pieces
from crystal_palace.legal.pieces import _CONTEXT_IDS, _WEIGHTS, MolGraph
from crystal_palace.legal.query_screen import _general, kinds_present

AWKWARD = [
    "CNC(C)Cc1ccc2OCOc2c1", "C[NH2+]C(C)Cc1ccccc1.[Cl-]", "C[N+](C)(C)[O-]", "[13CH3]N[2H]", "[2H]C([2H])([2H])N",
    "[1*]c1ccccc1", "*CC(=O)O", "[*:1]N[*:2]", "CC(C)N->[Cu]", "c1ccccc1.[Na+].[Cl-]", "C#CC=C", "[H]OC([H])=O",
    "[H][H]", "[Fe+2].[O-]C=O.[O-]C=O", "C1CC2CCC1C2", "C1CCCCCCCCCCC1", "c1ccc2c(c1)[nH]c1ccccc12",
    "O=[N+]([O-])c1ccc([35Cl])cc1", "[Na]", "C~C", "[U]", "Oc1ccccc1[18OH]",
]


def _mols() -> list[Chem.Mol]:
    out = []
    for smiles in AWKWARD:
        mol = Chem.MolFromSmiles(smiles, sanitize=False)
        assert mol is not None, smiles
        mol.UpdatePropertyCache(strict=False)
        Chem.FastFindRings(mol)
        if smiles != "C~C":
            sanitized = Chem.MolFromSmiles(smiles)
            if sanitized is not None:
                out.append(sanitized)
        out.append(mol)
    out.append(zero_order_bond())
    out.append(Chem.Mol())
    return out


MOLS = _mols()


@pytest.fixture(params=["binary form", "api"], autouse=True)
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with the view read from the binary form and, again, read through RDKit's API."""
    if request.param == "api":
        monkeypatch.setattr(pieces, "read_view", lambda binary: None)
    return str(request.param)


@pytest.mark.parametrize("mol", MOLS, ids=lambda m: Chem.MolToSmiles(m) or "empty")
def test_atoms_as_rdkit_reads_them(mol: Chem.Mol) -> None:
    graph = MolGraph(mol)
    atoms = list(mol.GetAtoms())
    assert graph.numbers == [a.GetAtomicNum() for a in atoms]
    assert graph.symbols == [a.GetSymbol() for a in atoms]
    assert graph.aromatic == [a.GetIsAromatic() for a in atoms]
    assert graph.total_h == [a.GetTotalNumHs() for a in atoms]
    assert graph.isotope_mass == {a.GetIdx(): a.GetMass() for a in atoms if a.GetIsotope()}
    assert graph.charges == [a.GetFormalCharge() for a in atoms]
    expected_mass = sum((a.GetMass() if a.GetIsotope() else _WEIGHTS[a.GetAtomicNum()]) + 1.008 * a.GetTotalNumHs()
                        for a in atoms)
    assert graph.mass == expected_mass  # the same float: the same terms in the same order
    if atoms and all(a.GetAtomicNum() for a in atoms) and mol.GetNumBonds() and "->" not in Chem.MolToSmiles(mol):
        assert graph.mass == pytest.approx(Descriptors.MolWt(mol))


@pytest.mark.parametrize("mol", MOLS, ids=lambda m: Chem.MolToSmiles(m) or "empty")
def test_bonds_as_rdkit_reads_them(mol: Chem.Mol) -> None:
    graph = MolGraph(mol)
    bonds: dict[tuple[int, int], Chem.BondType] = {}
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        bonds[(i, j)] = bonds[(j, i)] = b.GetBondType()
    assert graph.bonds == bonds
    assert graph.neighbours == [sorted(n.GetIdx() for n in a.GetNeighbors()) for a in mol.GetAtoms()]


@pytest.mark.parametrize("mol", MOLS, ids=lambda m: Chem.MolToSmiles(m) or "empty")
def test_atom_context_bond_code_and_kinds_as_read_atom_by_atom(mol: Chem.Mol) -> None:
    graph = MolGraph(mol)
    rings = [frozenset(r) for r in mol.GetRingInfo().AtomRings()]
    contexts = []
    for a in mol.GetAtoms():
        i = a.GetIdx()
        sizes = tuple(sorted(len(r) for r in rings if i in r))
        contexts.append((a.GetAtomicNum(), a.GetIsAromatic(), a.GetTotalNumHs(), a.GetFormalCharge(), a.GetDegree(),
                         sizes, bool(a.GetIsotope())))
    assert graph.atom_context == [_CONTEXT_IDS[c] for c in contexts]
    ring_bonds = {(p[k], p[k - 1]) for p in mol.GetRingInfo().AtomRings() for k in range(len(p))}
    ring_bonds |= {(j, i) for i, j in ring_bonds}
    code = {}
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        code[(i, j)] = code[(j, i)] = 2 * int(b.GetBondType()) + ((i, j) in ring_bonds)
    assert graph.bond_code == code
    kinds: dict[tuple[int | None, int | None, int | None], int] = {}
    for a in mol.GetAtoms():
        in_ring = any(a.GetIdx() in r for r in rings)
        for general in _general((a.GetAtomicNum(), int(a.GetIsAromatic()), int(in_ring))):
            kinds[general] = kinds.get(general, 0) + 1
    assert graph.kinds == kinds
    assert all(type(f) is not bool for kind in graph.kinds for f in kind)


def test_kinds_present_takes_bools_or_numbers() -> None:
    as_bools = kinds_present([6, 6, 7], [True, False, True], [True, False, False])
    as_numbers = kinds_present([6, 6, 7], [1, 0, 1], [1, 0, 0])
    assert as_bools == as_numbers
    assert as_bools[(6, None, None)] == 2
    assert as_bools[(None, 1, None)] == 2
    assert as_bools[(7, 1, 0)] == 1
    assert sum(n for kind, n in as_bools.items() if kind == (None, None, None)) == 3

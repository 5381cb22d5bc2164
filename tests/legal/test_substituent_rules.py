"""Chain lengths read in one pass over a tree give what reading every path gives."""

from __future__ import annotations

import pytest
from rdkit import Chem

from crystal_palace.legal.pieces import Piece, chain_bounds, components, graph_of
from crystal_palace.legal.substituent_rules import chain_lengths, longest_chain

# chains, branched chains, rings on chains, fused and spiro systems, chains between rings, bridged cages
SMILES = [
    "CCCCCCn1cc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21", "CC(C)(C)CC(C)(C)CCOCCc1ccc2OCOc2c1",
    "C1CC2(CCC1)CCC(CCCC)C2", "CCCCc1cc2ccccc2c2ccccc12", "CCCC(CC1CCCC1CCC)C1CC1CC(C)C",
    "N#CCCCCn1nc(C(=O)NC(Cc2ccccc2)C(=O)OC)c2ccccc21", "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "C1CC2CCC1C2CCCCC1CCC(C)CC1", "CCCCC12CC3CC(CC(C3)C1)C2",
]


def _pieces(smiles: str) -> list[Piece]:
    """Every group left when one atom is taken out, and every group left when two bonded atoms are."""
    mol = Chem.MolFromSmiles(smiles)
    graph = graph_of(mol)
    out = []
    cores: list[set[int]] = [{a} for a in range(mol.GetNumAtoms())]
    cores += [{b.GetBeginAtomIdx(), b.GetEndAtomIdx()} for b in mol.GetBonds()]
    for core in cores:
        for comp in components(graph.neighbours, set(range(mol.GetNumAtoms())) - core):
            anchors = [(n, a) for a in sorted(comp) for n in graph.neighbours[a] if n in core]
            out.append(Piece(mol, comp, anchors, graph))
    return out


@pytest.mark.parametrize("smiles", SMILES)
def test_chain_lengths_agree_with_every_path(smiles: str) -> None:
    pieces = _pieces(smiles)
    assert len(pieces) > 10
    for piece in pieces:
        assert chain_lengths(piece) == chain_bounds(piece), piece
        assert longest_chain(piece) == chain_bounds(piece)[0], piece
        inner = sorted(piece.atoms)[: max(1, len(piece.atoms) // 2)]  # a part of the piece, as residues are read
        assert chain_lengths(piece, inner) == chain_bounds(piece, inner), (piece, inner)


def test_a_ring_system_counts_zero_and_breaks_the_first_reading() -> None:
    mol = Chem.MolFromSmiles("CCCC1CCC(CCC)CC1")
    piece = Piece(mol, range(mol.GetNumAtoms()), [])
    assert chain_lengths(piece) == (3, 6)

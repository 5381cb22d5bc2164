"""Named ring systems recognised without a search must be exactly those the search recognises."""

from __future__ import annotations

from rdkit import Chem

from crystal_palace.chemistry.library import default_library
from crystal_palace.legal.pieces import MolGraph
from crystal_palace.legal.ring_systems import _ONE_RING_BONDS, _named, _one_ring, system_atoms

ODD = ["c1ccccc1", "C1=CC=CC=C1", "c1ccncc1", "c1ccsc1", "c1ccoc1", "c1cc[nH]c1", "C1CCCC1", "C1CCCCC1",
       "C1=CCCCC1", "c1ccc2ccccc2c1", "C1CC2CCC1CC2", "c1ccc2c(c1)OCO2", "[nH]1cccc1-c1ccccc1", "C1CC1C1CCCC1"]


def test_one_ring_systems_are_what_the_search_finds() -> None:
    checked = found = 0
    mols = [Chem.MolFromSmiles(s) for s in ODD] + [e.mol for e in default_library().entries]
    for mol in mols:
        graph = MolGraph(mol)
        for ring in graph.rings:
            atoms = system_atoms(mol, sorted(ring), frozenset(range(len(graph.numbers))))
            for kind, allowed in _ONE_RING_BONDS.items():
                query, demanded, _ = _named(kind)
                if sorted((graph.numbers[a], graph.aromatic[a]) for a in atoms) != demanded:
                    continue
                searched = atoms in graph.match_sets(mol, query)
                if _one_ring(graph, atoms, allowed):
                    assert searched, (Chem.MolToSmiles(mol), kind)
                    found += 1
                checked += 1
    assert found > 500
    assert checked >= found

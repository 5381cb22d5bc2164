"""The search's shortcuts (remembered expansions, the last-step filter, the sieves) change no result."""

from __future__ import annotations

from collections import Counter

import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.precursors.engine import PathFinder
from crystal_palace.precursors.knowledge import default_knowledge
from crystal_palace.precursors.transforms import (
    apply_transformation,
    described_by_smiles,
    heavy_atoms,
    react,
    skeleton,
)

# analogues whose hydrolysis or dealkylation gives the same intermediates, and designer precursors
STRUCTURES = ["CCOC(=O)C(C(=O)Cc1ccccc1)C(=O)OCC", "COC(=O)C1(C)OC1c1ccccc1", "CCCOC(=O)C1(C)OC1c1ccccc1",
              "CC(C)OC(=O)C1(C)OC1c1ccccc1", "CC(=O)N(C)C(C)Cc1ccc2OCOc2c1", "CCC(=O)N(C)C(C)Cc1ccc2OCOc2c1",
              "CC(=O)C(C(=O)OC)c1ccc2OCOc2c1", "CC(=O)C(C(=O)OCC)c1ccc2OCOc2c1", "CC(=O)C(C#N)c1ccccc1",
              "O=C(OCc1ccccc1)N1CCC(=O)CC1", "CC(=Cc1ccccc1)[N+](=O)[O-]", "c1ccccc1"]


def _finder(**kwargs):
    return PathFinder(default_knowledge(), default_library(), **kwargs)


def _dicts(search):
    return [p.to_dict() for p in search.paths], search.truncated


def test_remembered_expansions_give_the_same_paths_as_a_fresh_search():
    shared, uncached = _finder(), _finder(expansion_cache_size=0, inner_expansion_cache_size=0)
    for smiles in STRUCTURES * 2:  # the second round is answered from the remembered expansions
        mol = Chem.MolFromSmiles(smiles)
        assert _dicts(shared.search(mol)) == _dicts(uncached.search(mol)) == _dicts(_finder().search(mol))
    assert shared.expansions[True].hits > 0 and len(uncached.expansions[True]) == 0


@pytest.mark.parametrize("steps", [1, 3])
def test_remembered_expansions_at_other_depths(steps):
    shared, uncached = _finder(max_steps=steps), _finder(max_steps=steps, expansion_cache_size=0,
                                                         inner_expansion_cache_size=0)
    for smiles in STRUCTURES[:8] * 2:
        mol = Chem.MolFromSmiles(smiles)
        assert _dicts(shared.search(mol)) == _dicts(uncached.search(mol))
    if steps == 3:
        assert shared.expansions[False].hits > 0


def test_the_time_limit_still_applies_to_remembered_expansions():
    finder = _finder()
    mol = Chem.MolFromSmiles(STRUCTURES[0])
    finder.search(mol)
    finder.time_limit_s = 0.0
    rushed = finder.search(mol)
    assert rushed.truncated and rushed.paths == []


def test_a_truncated_expansion_is_not_remembered():
    finder = _finder(time_limit_s=0.0)
    finder.search(Chem.MolFromSmiles(STRUCTURES[0]))
    assert len(finder.expansions[True]) == len(finder.expansions[False]) == 0


def test_a_molecule_with_coordinates_is_not_answered_from_memory():
    with_coordinates = Chem.AddHs(Chem.MolFromSmiles("CCOC(=O)C(C)Cc1ccccc1"))
    AllChem.Compute2DCoords(with_coordinates)
    assert not described_by_smiles(with_coordinates)
    assert described_by_smiles(Chem.MolFromSmiles("CCO"))


def test_the_last_step_filter_keeps_the_same_products_in_the_same_order():
    knowledge, finder = default_knowledge(), _finder()
    for smiles in STRUCTURES:
        mol = Chem.MolFromSmiles(smiles)
        for transformation in knowledge.transformations:
            every = apply_transformation(transformation, mol)
            if not every:
                continue
            kept, _ = react(transformation, mol, keep=finder.target_atoms, skeletons=finder.target_skeletons)
            expected = [p.smiles for p in every
                        if p.heavy_atoms in finder.target_atoms and skeleton(p.mol) in finder.target_skeletons]
            assert [p.smiles for p in kept] == expected
            same, _ = react(transformation, mol, own_atoms=heavy_atoms(mol))
            assert [p.smiles for p in same] == [p.smiles for p in every]


@pytest.mark.parametrize("smiles", ["CNC(C)Cc1ccc2OCOc2c1", "[2H]C([2H])([2H])NC(C)Cc1ccccc1", "[13CH3]O",
                                    "C[N+](C)(C)C", "[Na+].[Cl-]", "OC(=O)C1CC1[Se]C", "*C", "[H]C([H])([H])[H]",
                                    "O=[N+]([O-])c1ccccc1", "ClC(Br)I"])
def test_heavy_atoms_from_the_formula_match_the_atoms(smiles):
    mol = Chem.MolFromSmiles(smiles, sanitize=smiles != "[H]C([H])([H])[H]")
    if smiles == "[H]C([H])([H])[H]":
        mol = Chem.MolFromSmiles(smiles, sanitize=False)
        mol.UpdatePropertyCache()
    counts = Counter(a.GetAtomicNum() for a in mol.GetAtoms())
    counts.pop(1, None)
    assert heavy_atoms(mol) == tuple(sorted(counts.items()))


def test_skeleton_is_the_same_for_forms_of_one_connectivity_block():
    forms = ["Oc1ccccn1", "O=c1cccc[nH]1", "NCC(=O)O", "[NH3+]CC(=O)[O-]", "C[N+](=O)[O-]", "CN(=O)=O"]
    for first, second in zip(forms[::2], forms[1::2], strict=True):
        a, b = Chem.MolFromSmiles(first), Chem.MolFromSmiles(second)
        assert inchikey(a)[:14] == inchikey(b)[:14] and skeleton(a) == skeleton(b)
    assert skeleton(Chem.MolFromSmiles("CCCO")) != skeleton(Chem.MolFromSmiles("CC(C)O"))
    explicit = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    assert skeleton(explicit) == skeleton(Chem.MolFromSmiles("CCO"))


def test_without_the_skeleton_sieve_the_paths_are_the_same(monkeypatch):
    sieved = _finder()
    monkeypatch.setattr("crystal_palace.precursors.engine._NON_METALS", frozenset({6}))  # as if a target had a metal
    plain = _finder()
    assert sieved.target_skeletons and plain.target_skeletons is None
    for smiles in STRUCTURES:
        mol = Chem.MolFromSmiles(smiles)
        assert _dicts(sieved.search(mol)) == _dicts(plain.search(mol))

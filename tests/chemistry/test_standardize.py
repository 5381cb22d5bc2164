import pytest
from rdkit import Chem

from crystal_palace.chemistry.standardize import canonical_tautomer, standardize
from crystal_palace.exceptions import InvalidInput

MDMA = "CNC(C)Cc1ccc2c(c1)OCO2"


@pytest.mark.parametrize("salt_form, removed", [
    ("CNC(C)Cc1ccc2OCOc2c1.Cl", ("Cl",)),
    ("C[NH2+]C(C)Cc1ccc2OCOc2c1.[Cl-]", ("[Cl-]",)),
    ("CNC(C)Cc1ccc2OCOc2c1.O.O.Cl", ("Cl", "O", "O")),
    ("OC(=O)/C=C/C(=O)O.CNC(C)Cc1ccc2OCOc2c1", ("O=C(O)/C=C/C(=O)O",)),
])
def test_salts_and_solvents_go_to_the_parent(salt_form, removed):
    s = standardize(Chem.MolFromSmiles(salt_form))
    assert Chem.MolToSmiles(s.mol) == MDMA
    assert s.removed_fragments == removed
    assert s.changed


def test_charged_parent_is_neutralised_and_reported():
    s = standardize(Chem.MolFromSmiles("C[NH2+]C(C)Cc1ccc2OCOc2c1"))
    assert Chem.MolToSmiles(s.mol) == MDMA
    assert s.neutralised and "neutralised" in s.changes[0]


def test_input_is_not_modified_and_parent_unchanged_is_not_flagged():
    mol = Chem.MolFromSmiles("CNC(C)Cc1ccc2OCOc2c1.Cl")
    before = Chem.MolToSmiles(mol)
    standardize(mol)
    assert Chem.MolToSmiles(mol) == before
    assert not standardize(Chem.MolFromSmiles(MDMA)).changed


def test_single_inorganic_fragment_is_kept():
    assert Chem.MolToSmiles(standardize(Chem.MolFromSmiles("Cl")).mol) == "Cl"


@pytest.mark.parametrize("bad", [None, Chem.Mol()])
def test_nothing_to_standardise(bad):
    with pytest.raises(InvalidInput):
        standardize(bad, record="r1")


def test_canonical_tautomer_merges_keto_and_enol():
    keto = canonical_tautomer(Chem.MolFromSmiles("CC(=O)Cc1ccccc1"))
    enol = canonical_tautomer(Chem.MolFromSmiles("CC(O)=Cc1ccccc1"))
    assert Chem.MolToSmiles(keto) == Chem.MolToSmiles(enol)


@pytest.mark.parametrize("smiles", [
    "CNC(C)Cc1ccc2OCOc2c1.Cl", "Cl.CCO", "CCO.CCO", "OCC.CCO", "[Na+].[Cl-]", "O.O.O", "CCN.CCO",
    "CC(=O)O.CCN", "[2H]C([2H])([2H])N.CN", "C1CC1.CCC", "c1ccccc1.C1CCCCC1", "Br.Cl.I", "CCCl.CCCF",
])
def test_parent_fragment_is_the_first_by_the_documented_rank(smiles):
    from crystal_palace.chemistry.standardize import _fragment_rank, _parent_fragment

    frags = Chem.GetMolFrags(Chem.MolFromSmiles(smiles), asMols=True)
    by_rank = sorted(range(len(frags)), key=lambda i: _fragment_rank(frags[i]), reverse=True)[0]
    assert _parent_fragment(frags) == by_rank
    parent = standardize(Chem.MolFromSmiles(smiles)).mol
    assert Chem.MolToSmiles(parent) == Chem.MolToSmiles(standardize(frags[by_rank]).mol)


def test_a_caller_that_knows_the_molecule_is_one_fragment_gets_the_same_parent():
    for smiles in (MDMA, "C[NH2+]C(C)Cc1ccc2OCOc2c1", "CC(=O)[O-]"):
        mol = Chem.MolFromSmiles(smiles)
        fast, full = standardize(mol, single_fragment=True), standardize(mol)
        assert Chem.MolToSmiles(fast.mol) == Chem.MolToSmiles(full.mol) and fast.changes == full.changes

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

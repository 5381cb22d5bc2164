"""Each named transformation of the data does what its name says, on a real example."""

from __future__ import annotations

import pytest
from rdkit import Chem

from crystal_palace.precursors.knowledge import default_knowledge
from crystal_palace.precursors.transforms import apply_transformation

EXAMPLES = {
    "ester-hydrolysis": ("COC(=O)C1(C)OC1c1ccccc1", {"CC1(C(=O)O)OC1c1ccccc1", "CO"}),
    "amide-hydrolysis": ("CC(=O)C(C(N)=O)c1ccccc1", {"CC(=O)C(C(=O)O)c1ccccc1"}),
    "nitrile-hydrolysis": ("CC(=O)C(C#N)c1ccccc1", {"CC(=O)C(C(=O)O)c1ccccc1"}),
    "glycidic-acid-decarboxylation": ("CC1(C(=O)O)OC1c1ccccc1", {"CC(=O)Cc1ccccc1"}),
    "beta-keto-acid-decarboxylation": ("O=C(O)C(C(=O)O)C(=O)Cc1ccccc1", {"CC(=O)Cc1ccccc1"}),
    "boc-deprotection": ("CC(C)(C)OC(=O)N1CCC(Nc2ccccc2)CC1", {"c1ccc(NC2CCNCC2)cc1"}),
    "cbz-deprotection": ("O=C(OCc1ccccc1)N1CCC(=O)CC1", {"O=C1CCNCC1"}),
    "n-debenzylation": ("c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1", {"c1ccc(NC2CCNCC2)cc1"}),
    "bisulfite-adduct-cleavage": ("CC(O)(Cc1ccccc1)S(=O)(=O)O", {"CC(=O)Cc1ccccc1"}),
    "acetal-hydrolysis": ("CC1(Cc2ccccc2)OCCO1", {"CC(=O)Cc1ccccc1"}),
    "oxime-hydrolysis": ("CC(Cc1ccccc1)=NO", {"CC(=O)Cc1ccccc1"}),
    "enol-ester-hydrolysis": ("CC(=Cc1ccccc1)OC(C)=O", {"CC(=O)Cc1ccccc1"}),
    "nitrostyrene-reduction": ("CC(=Cc1ccccc1)[N+](=O)[O-]", {"CC(N)Cc1ccccc1"}),
    "nitroalkene-to-ketone": ("CC(=Cc1ccccc1)[N+](=O)[O-]", {"CC(=O)Cc1ccccc1"}),
    "benzylic-deoxygenation": ("CNC(C)C(O)c1ccccc1", {"CNC(C)Cc1ccccc1"}),
    "reductive-amination-ammonia": ("CC(=O)Cc1ccccc1", {"CC(N)Cc1ccccc1"}),
    "reductive-amination-methylamine": ("CC(=O)Cc1ccc2OCOc2c1", {"CNC(C)Cc1ccc2c(c1)OCO2"}),
    "reductive-amination-aniline": ("O=C1CCN(CCc2ccccc2)CC1", {"c1ccc(CCN2CCC(Nc3ccccc3)CC2)cc1"}),
    "allylbenzene-wacker-oxidation": ("C=CCc1ccc2OCOc2c1", {"CC(=O)Cc1ccc2c(c1)OCO2"}),
    "propenylbenzene-oxidation": ("CC=Cc1ccc2OCOc2c1", {"CC(=O)Cc1ccc2c(c1)OCO2"}),
}


def _canon(smiles):
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


def test_every_transformation_has_an_example_here():
    assert {t.id for t in default_knowledge().transformations} == set(EXAMPLES)


@pytest.mark.parametrize("transformation", default_knowledge().transformations, ids=lambda t: t.id)
def test_transformation_gives_the_expected_products(transformation):
    start, expected = EXAMPLES[transformation.id]
    mol = Chem.MolFromSmiles(start)
    before = Chem.MolToSmiles(mol)
    products = {p.smiles for p in apply_transformation(transformation, mol)}
    assert {_canon(s) for s in expected} <= products
    assert Chem.MolToSmiles(mol) == before  # the input is never modified


def test_all_sites_hydrolyses_every_ester_at_once():
    ester = next(t for t in default_knowledge().transformations if t.id == "ester-hydrolysis")
    products = {p.smiles for p in apply_transformation(ester, Chem.MolFromSmiles("CCOC(=O)C(C(=O)Cc1ccccc1)C(=O)OCC"))}
    assert products == {"CCO", "O=C(O)C(C(=O)O)C(=O)Cc1ccccc1"}


def test_a_structure_without_the_group_gives_nothing():
    for t in default_knowledge().transformations:
        assert apply_transformation(t, Chem.MolFromSmiles("c1ccccc1")) == []

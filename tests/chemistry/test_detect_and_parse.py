"""detect_and_parse: the query type, and the molecule parse_structure gives when detection parsed a SMILES."""

from __future__ import annotations

import pytest
from rdkit import Chem

from crystal_palace.chemistry.structures import (
    MAX_QUERY_CHARS,
    detect_and_parse,
    detect_input_type,
    parse_structure,
)
from crystal_palace.exceptions import InvalidInput


@pytest.mark.parametrize("text", [
    "CNC(C)Cc1ccc2OCOc2c1", "  CC(N)Cc1ccccc1\n", "CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(c34)C2=C1",
    "C[C@H](N)Cc1ccccc1.Cl", "[2H]C([2H])([2H])N", "c1ccccc1[N+](=O)[O-]",
])
def test_a_smiles_comes_back_parsed_as_parse_structure_parses_it(text):
    kind, mol = detect_and_parse(text)
    assert kind == "smiles" == detect_input_type(text)
    expected = parse_structure(text, "smiles")
    assert mol is not None and mol.GetNumAtoms() == expected.GetNumAtoms()
    assert Chem.MolToSmiles(mol) == Chem.MolToSmiles(expected)
    assert Chem.MolToMolBlock(mol) == Chem.MolToMolBlock(expected)  # same atoms in the same order


@pytest.mark.parametrize("text,kind", [
    ("InChI=1S/CH4/h1H4", "inchi"), ("SHXWCVYOXRDMCX-UHFFFAOYSA-N", "inchikey"), ("42542-10-9", "cas"),
    ("mephedrone", "name"), ("XYZ", "name"), ("C1CC((N", "smiles"), ("2-(methylamino)propan-1-one", "name"),
])
def test_anything_else_is_left_to_parse_structure(text, kind):
    assert detect_and_parse(text) == (kind, None)
    assert detect_input_type(text) == kind


def test_a_known_name_wins_and_nothing_is_parsed():
    assert detect_and_parse("PCP", known_name=True) == ("name", None)


def test_an_overlong_smiles_is_not_handed_back_so_that_parse_structure_refuses_it():
    text = "C" * (MAX_QUERY_CHARS + 1)
    assert detect_and_parse(text) == ("smiles", None)
    with pytest.raises(InvalidInput, match="limit"):
        parse_structure(text, "smiles")

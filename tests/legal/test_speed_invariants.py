"""What the legal engine remembers to be fast must never change an answer.

The engine screens queries by the atom kinds they need, shares verdicts on pieces between molecules,
explains a miss only when asked, and remembers recent answers. Each of these is checked here against
the answer computed from nothing: the same words, atoms and verdicts, whatever was asked before.
"""

from __future__ import annotations

import datetime

import pytest
from rdkit import Chem

from crystal_palace.chemistry.standardize import standardize
from crystal_palace.legal.engine import forget_answers, legal_status
from crystal_palace.legal.generic import GenericMatch, load_generic_rules, match_generic
from crystal_palace.legal.pieces import EXPLAINING, Piece, context_key, graph_of
from crystal_palace.legal.query_screen import atom_kind, possible, query_needs

DAY = datetime.date(2026, 5, 1)
RULES = load_generic_rules()
# NPS of several families, and repeats of their substituents in other molecules
SMILES = [
    "CNC(C)Cc1ccc2OCOc2c1", "CCN(CC)C(CCCCC)C(=O)c1ccc(Br)cc1", "COc1cc(CCNCc2ccccc2C#N)c(OC)cc1CC",
    "CN(C)CCc1c[nH]c2ccc(OC)cc12", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    "CCCCCn1nc(C(=O)NC(C(N)=O)C(C)C)c2ccccc21", "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "CC(C)(C)NC(C(C)C)C(=O)c1ccccc1O", "Clc1ccc2c(c1)C(c1ccccc1)=NCC(=O)N2C", "CC(Cc1ccc(N(C)C)cc1)N1CCCCC1",
    "O=C(NC12CC3CC(CC(C3)C1)C2)c1nn(CC2CCCCC2)c2ccccc12", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "NCCc1ccccc1",
]


def parent(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None
    return standardize(mol).mol


def dicts(verdicts: list) -> list[dict]:
    return [v.to_dict() for v in verdicts]


def test_the_screen_never_rejects_a_query_that_matches() -> None:
    queries = [q for r in RULES for q in (*r.prefilter, *(v.query for v in r.cores))]
    for smiles in SMILES:
        mol = parent(smiles)
        kinds = graph_of(mol).kinds
        for q in queries:
            if mol.HasSubstructMatch(q):
                assert possible(query_needs(q), kinds), (smiles, Chem.MolToSmarts(q))


def test_atom_kinds_read_from_queries() -> None:
    def kind(smarts: str):
        return atom_kind(Chem.MolFromSmarts(smarts).GetAtomWithIdx(0).DescribeQuery())

    assert kind("[NX3]") == (7, 0, None)
    assert kind("c") == (6, 1, None)
    assert kind("[#7;R]") == (7, None, 1)
    assert kind("[#6;!a]") == (6, 0, None)
    assert kind("[C;!R]") == (6, 0, 0)
    assert kind("[#6,#7;R]") == (None, None, 1)  # the OR says nothing, the ring does
    assert kind("[$(C=O)]") is None and kind("*") is None and kind("[!#6]") is None


def test_answers_do_not_depend_on_what_was_asked_before() -> None:
    mols = [parent(s) for s in SMILES]
    forget_answers()
    fresh = []
    for m in mols:
        forget_answers()  # nothing shared between molecules
        fresh.append(dicts(legal_status(Chem.Mol(m), None, as_of=DAY)))
    forget_answers()
    warm = [dicts(legal_status(Chem.Mol(m), None, as_of=DAY)) for m in mols]  # sharing verdicts on pieces
    again = [dicts(legal_status(Chem.Mol(m), None, as_of=DAY)) for m in mols]  # remembered answers
    assert warm == fresh
    assert again == fresh


def test_a_verdict_made_once_per_jurisdiction_and_date_is_the_one_worked_out() -> None:
    from crystal_palace.legal.engine import _decide_fully, legal_index

    index = legal_index()
    forget_answers()
    for smiles in ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CC(=O)Nc1ccc(O)cc1", "CCCCCC"):
        for day in (DAY, datetime.date(2010, 1, 1)):
            for verdict in legal_status(parent(smiles), None, as_of=day):
                jx = index.jurisdictions[verdict.jurisdiction]
                if jx.rules:
                    continue  # (only jurisdictions without generic rules answer such a structure from the table)
                worked_out = _decide_fully(jx, parent(smiles), None, day, (), [], True)
                assert verdict == worked_out, (smiles, verdict.jurisdiction)
    assert all(jx.plain for jx in index.jurisdictions.values() if not jx.rules)
    forget_answers()
    assert not any(jx.plain for jx in index.jurisdictions.values())


def test_ring_substituent_reasons_of_a_class_check_never_reach_a_verdict() -> None:
    # a class check's "not covered" reason is dropped by SubstituentSpec users (judge keeps only covered or
    # undecided entries), so judge_ring_substituents words it without a SMILES; fentanyl on NpSG 1 meets it
    mol = parent("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")
    for verdict in legal_status(mol, None, as_of=DAY, detail=True):
        assert "no substituent allowed on the ring" not in verdict.explanation


def test_one_jurisdiction_is_worded_as_in_all_of_them() -> None:
    for smiles in SMILES:
        mol = parent(smiles)
        everything = {v.jurisdiction: v.to_dict() for v in legal_status(mol, None, as_of=DAY)}
        forget_answers()
        for code in ("DE", "UK", "IT"):
            [alone] = legal_status(Chem.Mol(mol), None, as_of=DAY, jurisdictions=[code])
            assert alone.to_dict() == everything[code], (smiles, code)


def test_remembered_answers_are_copies() -> None:
    mol = parent("CNC(C)Cc1ccc2OCOc2c1")
    first = legal_status(mol, None, as_of=DAY)
    generic = next(v for v in first if v.atoms)
    generic.atoms["core"] = ()  # type: ignore[index]  # a caller scribbling on its answer
    second = legal_status(Chem.Mol(mol), None, as_of=DAY)
    assert next(v for v in second if v.jurisdiction == generic.jurisdiction).atoms["core"]


def test_match_generic_results_do_not_depend_on_the_order_of_rules() -> None:
    for smiles in SMILES:
        mol = parent(smiles)
        forward = [repr(match_generic(Chem.Mol(mol), r)) for r in RULES]
        copy = Chem.Mol(mol)
        backward = [repr(match_generic(copy, r)) for r in reversed(RULES)][::-1]
        assert forward == backward, smiles


def test_a_miss_names_groups_by_smiles_only_in_the_explained_placement() -> None:
    rule = next(r for r in RULES if r.id == "uk-mda-2-1aa-cathinones")
    result = match_generic(parent("CC(NCc1ccccc1)C(=O)c1ccccc1"), rule)
    assert not isinstance(result, GenericMatch)
    assert "'*Cc1ccccc1' is not one of: alkyl" in result.reason


@pytest.mark.parametrize("smiles", ["CCN(CC)C(CCCCC)C(=O)c1ccc(Br)cc1", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"])
def test_the_same_piece_in_two_molecules_has_the_same_context_key(smiles: str) -> None:
    mol = parent(smiles)
    shuffled = Chem.RenumberAtoms(mol, list(range(mol.GetNumAtoms()))[::-1])
    for a in range(mol.GetNumAtoms()):
        atom = mol.GetAtomWithIdx(a)
        if atom.GetDegree() != 1:
            continue
        (n,) = [x.GetIdx() for x in atom.GetNeighbors()]
        last = mol.GetNumAtoms() - 1
        key = context_key(Piece(mol, [a], [(n, a)]))
        assert key == context_key(Piece(shuffled, [last - a], [(last - n, last - a)]))


def test_explaining_is_switched_off_after_a_call() -> None:
    legal_status(parent("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"), None, as_of=DAY)
    assert EXPLAINING.get() is False


@pytest.mark.parametrize("smiles", [*SMILES, "C[N+](C)(C)[O-]", "CC(C)N->[Cu]", "c1ccccc1.[Na+].[Cl-]", "C#CC=C"])
def test_the_bond_view_from_the_bond_order_matrix_is_the_bond_by_bond_view(smiles: str) -> None:
    """Bonds read from RDKit's bond-order matrix equal those read one bond at a time.

    The matrix cannot tell a dative bond from a single one; such molecules take the slow path.
    """
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None
    fast, slow = graph_of(mol), graph_of(Chem.Mol(mol))
    fast.bonds  # noqa: B018 - loads the view the way the engine does
    slow._load_bonds_one_by_one(Chem.Mol(mol))
    assert fast.bonds == slow.bonds
    assert [sorted(n) for n in fast.neighbours] == [sorted(n) for n in slow.neighbours]
    if "->" in smiles:
        assert Chem.BondType.DATIVE in fast.bonds.values()

"""Nearest controlled analogues: the batch Tanimoto search agrees with RDKit's, ties go by id."""

import numpy as np
import pytest
from rdkit import Chem, DataStructs

from crystal_palace.chemistry.library import (
    default_library,
    fingerprint_bits,
    fingerprint_generator,
    packed_fingerprint,
)

QUERIES = ["CNC(C)Cc1ccc2OCOc2c1", "CCN(CC)C(C)C(=O)c1ccc(Cl)cc1", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
           "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "C", "Cl", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"]


def _reference(smiles, k):
    """RDKit's own Tanimoto over the controlled entries, best first, ties by id."""
    lib = default_library()
    gen = fingerprint_generator()
    entries = [lib.entries[i] for i in lib.controlled_index]
    scores = DataStructs.BulkTanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(smiles)),
                                                [gen.GetFingerprint(e.mol) for e in entries])
    ranked = sorted(zip(entries, scores, strict=True), key=lambda x: (-x[1], x[0].id))
    return [(e.id, round(s, 12)) for e, s in ranked[:k]]


def test_fingerprint_bits_are_the_on_bits_of_the_morgan_fingerprint():
    gen = fingerprint_generator()
    for entry in default_library().entries[:200]:
        assert fingerprint_bits(entry.mol) == tuple(gen.GetFingerprint(entry.mol).GetOnBits())


@pytest.mark.parametrize("k", [1, 9, 40])
def test_batch_search_matches_rdkit_tanimoto_with_ties_by_id(k):
    lib = default_library()
    hits = lib.similar_many([fingerprint_bits(Chem.MolFromSmiles(s)) for s in QUERIES], k)
    for smiles, found in zip(QUERIES, hits, strict=True):
        assert [(e.id, round(s, 12)) for e, s in found] == _reference(smiles, k), smiles


def test_packed_single_query_and_edge_cases():
    lib = default_library()
    mol = Chem.MolFromSmiles(QUERIES[0])
    assert lib.similar(packed_fingerprint(mol), 9) == lib.similar_many([fingerprint_bits(mol)], 9)[0]
    assert lib.similar_many([fingerprint_bits(mol)], 0) == [[]]
    assert lib.similar_many([], 5) == []
    everything = lib.similar_many([fingerprint_bits(mol)], 10**6)[0]
    assert len(everything) == len(lib.controlled_index)
    assert np.all(np.diff([s for _, s in everything]) <= 0)

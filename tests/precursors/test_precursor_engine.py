"""The path search: targets, stereo rule, determinism and its bounds."""

from __future__ import annotations

from rdkit import Chem

from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.precursors.engine import PathFinder, has_stereo
from crystal_palace.precursors.knowledge import default_knowledge

SUCROSE_OCTAACETATE = ("CC(=O)OC[C@H]1O[C@@H](O[C@]2(COC(C)=O)O[C@H](COC(C)=O)[C@@H](OC(C)=O)[C@@H]2OC(C)=O)"
                       "[C@H](OC(C)=O)[C@@H](OC(C)=O)[C@@H]1OC(C)=O")


def _finder(**kwargs):
    return PathFinder(default_knowledge(), default_library(), **kwargs)


def test_targets_are_organic_precursors_and_drugs_not_solvents():
    finder = _finder()
    assert finder.target_for("QCCDLTOVEPVEJK-UHFFFAOYSA-N").kind == "precursor"  # BMK
    assert finder.target_for("CSCPPACGZOOCGX-UHFFFAOYSA-N") is None  # acetone: scheduled, not a target
    assert finder.target_for(inchikey(Chem.MolFromSmiles("CNC(C)Cc1ccc2OCOc2c1"))).kind == "drug"


def test_a_stereo_defined_product_is_not_taken_for_another_stereoisomer_of_a_drug():
    dextromethorphan = inchikey(Chem.MolFromSmiles("COc1ccc2c(c1)[C@]13CCCC[C@@H]1[C@H](C2)N(C)CC3"))
    assert has_stereo(dextromethorphan)
    assert _finder().target_for(dextromethorphan) is None


def test_search_is_deterministic_and_bounded():
    mol = Chem.MolFromSmiles("CCOC(=O)C(C(=O)Cc1ccccc1)C(=O)OCC")
    first, second = _finder().search(mol), _finder().search(mol)
    assert [p.to_dict() for p in first.paths] == [p.to_dict() for p in second.paths] and not first.truncated
    rushed = _finder(time_limit_s=0.0).search(Chem.MolFromSmiles(SUCROSE_OCTAACETATE))
    assert rushed.truncated and rushed.paths == []
    capped = _finder(max_intermediates=1).search(Chem.MolFromSmiles(SUCROSE_OCTAACETATE))
    assert capped.truncated


def test_the_start_itself_is_not_a_path():
    search = _finder().search(Chem.MolFromSmiles("CC(=O)Cc1ccccc1"))
    assert all(p.target.substance.id != "1-phenyl-2-propanone" for p in search.paths)

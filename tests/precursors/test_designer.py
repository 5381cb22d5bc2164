"""Acceptance: designer precursors are reported with the right target and path."""

from __future__ import annotations

import pytest

from crystal_palace.workflows.precursors import screen_precursor

BMK, PMK = "1-phenyl-2-propanone", "3-4-mdp-2-p"


def _steps(path):
    return [s["transformation"] for s in path["steps"]]


def _path_to(precursor, target_id):
    paths = [p for p in precursor["paths"] if p["target_id"] == target_id]
    assert paths, f"no path to {target_id}: {[p['target_id'] for p in precursor['paths']]}"
    return paths[0]


# (query, the target the path must reach, its transformation steps, a drug it must lead to)
CASES = [
    # glycidate esters and glycidic acids of BMK and PMK (scheduled, and designer when the ester is new)
    ("COC(=O)C1(C)OC1c1ccccc1", "bmk-glycidic-acid", ["ester-hydrolysis"], "metamfetamine"),
    ("CCOC(=O)C1(C)OC1c1ccccc1", "bmk-glycidic-acid", ["ester-hydrolysis"], "amfetamine"),
    ("CCCCCOC(=O)C1(C)OC1c1ccccc1", "bmk-glycidic-acid", ["ester-hydrolysis"], "amfetamine"),  # pentyl: not listed
    ("c1ccccc1COC(=O)C1(C)OC1c1ccccc1", "bmk-glycidic-acid", ["ester-hydrolysis"], "amfetamine"),  # benzyl ester
    ("CC1(C(=O)O)OC1c1ccccc1", BMK, ["glycidic-acid-decarboxylation"], "metamfetamine"),
    ("COC(=O)C1(C)OC1c1ccc2OCOc2c1", "pmk-glycidic-acid", ["ester-hydrolysis"], "mdma"),
    ("CCCCCCOC(=O)C1(C)OC1c1ccc2OCOc2c1", "pmk-glycidic-acid", ["ester-hydrolysis"], "mdma"),  # hexyl: not listed
    ("CC1(C(=O)O)OC1c1ccc2OCOc2c1", PMK, ["glycidic-acid-decarboxylation"], "tenamfetamine"),
    # alpha-phenylacetoacetates, -amide, -nitrile, malonate
    ("COC(=O)C(C(C)=O)c1ccccc1", BMK, ["ester-hydrolysis", "beta-keto-acid-decarboxylation"], "amfetamine"),  # MAPA
    ("CCOC(=O)C(C(C)=O)c1ccccc1", BMK, ["ester-hydrolysis", "beta-keto-acid-decarboxylation"], "amfetamine"),  # EAPA
    ("CCCOC(=O)C(C(C)=O)c1ccccc1", BMK, ["ester-hydrolysis", "beta-keto-acid-decarboxylation"], "amfetamine"),
    ("CC(=O)C(C(N)=O)c1ccccc1", BMK, ["amide-hydrolysis", "beta-keto-acid-decarboxylation"], "amfetamine"),  # APAA
    ("CC(=O)C(C#N)c1ccccc1", BMK, ["nitrile-hydrolysis", "beta-keto-acid-decarboxylation"], "amfetamine"),  # APAAN
    ("CCOC(=O)C(C(=O)Cc1ccccc1)C(=O)OCC", BMK, ["ester-hydrolysis", "beta-keto-acid-decarboxylation"],
     "metamfetamine"),  # DEPAPM
    ("CC1(C)OC(=O)C(C(=O)Cc2ccc3OCOc3c2)C(=O)O1", PMK, ["ester-hydrolysis", "beta-keto-acid-decarboxylation"],
     "mdma"),  # IMDPAM
    # adducts, ketals, protected amines
    ("CC(O)(Cc1ccccc1)S(=O)(=O)[O-].[Na+]", BMK, ["bisulfite-adduct-cleavage"], "amfetamine"),
    ("CC1(Cc2ccccc2)OCCO1", BMK, ["acetal-hydrolysis"], "metamfetamine"),
    ("CC1(Cc2ccc3OCOc3c2)OCCO1", PMK, ["acetal-hydrolysis"], "mdma"),
    ("CC(C)(C)OC(=O)N1CCC(Nc2ccccc2)CC1", "4-ap", ["boc-deprotection"], "fentanyl"),  # 1-boc-4-AP
    ("c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1", "4-ap", ["n-debenzylation"], "fentanyl"),  # N-benzyl-4-anilinopiperidine
    ("C1CC2(CCN1)OCCO2", "4-piperidone", ["acetal-hydrolysis"], "fentanyl"),
    ("CC(Cc1ccccc1)N(C)C(=O)OC(C)(C)C", "metamfetamine-racemate", ["boc-deprotection"], "metamfetamine-racemate"),
    # nitrostyrenes
    ("CC(=Cc1ccccc1)[N+](=O)[O-]", "amfetamine", ["nitrostyrene-reduction"], "amfetamine"),  # P2NP
    ("CC(=Cc1ccc2OCOc2c1)[N+](=O)[O-]", "tenamfetamine", ["nitrostyrene-reduction"], "tenamfetamine"),  # MDP2NP
    ("CC(=Cc1ccccc1)[N+](=O)[O-]", BMK, ["nitroalkene-to-ketone"], "metamfetamine"),
]


@pytest.mark.parametrize(("query", "target", "steps", "drug"), CASES)
def test_designer_precursors_reach_their_target_by_the_expected_path(query, target, steps, drug):
    precursor = screen_precursor(query)["precursor"]
    assert precursor["role"] in ("designer", "scheduled")
    assert _steps(_path_to(precursor, target)) == steps
    assert drug in {lead["drug_id"] for lead in precursor["leads"]}


@pytest.mark.parametrize("query", ["CCCCCOC(=O)C1(C)OC1c1ccccc1", "c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1",
                                   "CC(O)(Cc1ccccc1)S(=O)(=O)[O-].[Na+]", "P2NP", "MDP2NP", "BMK bisulfite adduct",
                                   "N-benzyl-4-anilinopiperidine", "PMK ethylene glycol ketal"])
def test_unscheduled_masked_precursors_are_designer(query):
    assert screen_precursor(query)["precursor"]["role"] == "designer"


def test_a_path_names_each_intermediate_and_the_target_status():
    precursor = screen_precursor("CCCOC(=O)C(C(C)=O)c1ccccc1")["precursor"]
    path = _path_to(precursor, BMK)
    assert path["steps"][0]["smiles"] == "CC(=O)C(C(=O)O)c1ccccc1"
    assert path["steps"][-1]["substance"] == "1-Phenyl-2-propanone"
    assert path["target_status"] == "UN 1988 Table I; EU Category 1"
    assert path["unmasking"] is True
    assert precursor["leads_to"][:2] == ["Amfetamine", "Metamfetamine"]


def test_max_steps_bounds_the_search():
    one = screen_precursor("CCCOC(=O)C(C(C)=O)c1ccccc1", max_steps=1)["precursor"]
    assert one["role"] == "none" and one["paths"] == []
    zero = screen_precursor("CCCCCOC(=O)C1(C)OC1c1ccccc1", max_steps=0)["precursor"]
    assert zero["paths"] == []

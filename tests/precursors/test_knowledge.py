"""The precursor data loads, and a malformed file is rejected whole with each line and reason."""

from __future__ import annotations

import shutil

import pytest

from crystal_palace.chemistry.library import default_library
from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.precursors.knowledge import data_dir, default_knowledge, load_knowledge, scheduled_ids


def test_packaged_data_loads_with_sources():
    k = default_knowledge()
    assert len(k.transformations) >= 15 and len(k.routes) >= 80 and len(k.reagents) >= 4
    assert all(t.source for t in k.transformations)
    assert all(r.source for r in k.routes)
    assert all(f.source for f in k.facts.values())


def test_every_scheduled_precursor_has_a_cn_code():
    facts = default_knowledge().facts
    missing = [sid for sid in scheduled_ids() if not (facts.get(sid) and facts[sid].cn_code)]
    assert missing == []


def test_routes_cover_the_issue_s_chains():
    edges = {(r.source_id, r.target_id) for r in default_knowledge().routes}
    assert {("1-phenyl-2-propanone", "amfetamine"), ("1-phenyl-2-propanone", "metamfetamine"),
            ("3-4-mdp-2-p", "mdma"), ("3-4-mdp-2-p", "tenamfetamine"), ("ephedrine", "metamfetamine"),
            ("pseudoephedrine", "metamfetamine"), ("npp", "4-anpp"), ("4-anpp", "fentanyl"), ("4-ap", "4-anpp"),
            ("norfentanyl", "fentanyl"), ("gbl", "ghb"), ("1-4-butanediol", "gbl"),
            ("n-acetylanthranilic-acid", "methaqualone"), ("lysergic-acid", "lsd"), ("safrole", "isosafrole"),
            ("isosafrole", "3-4-mdp-2-p"), ("piperonal", "mdp2np"), ("phenylacetic-acid", "1-phenyl-2-propanone"),
            ("apaa", "1-phenyl-2-propanone"), ("4-piperidone", "npp")} <= edges


def test_no_packaged_fact_repeats_the_scheduling():
    # scheduling comes from the legal listings; precursors.csv may only give roles of unscheduled chemicals
    scheduled = scheduled_ids()
    assert [f.substance_id for f in default_knowledge().facts.values() if f.role and f.substance_id in scheduled] == []


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "precursors"
    shutil.copytree(data_dir(), folder)
    return folder


def test_a_bad_reaction_smarts_is_rejected(copy):
    path = copy / "transformations.yaml"
    path.write_text(path.read_text().replace('smarts: "[C:1]#[N]>>[C:1](=O)[OH]"', 'smarts: "[C:1]#[N]>>>"'))
    with pytest.raises(InvalidReferenceData, match="nitrile-hydrolysis: smarts"):
        load_knowledge(copy)


def test_a_route_to_an_unknown_substance_is_rejected(copy):
    path = copy / "routes.yaml"
    path.write_text(path.read_text().replace("to: mdma, method", "to: not-a-drug, method", 1))
    with pytest.raises(InvalidReferenceData, match="'not-a-drug' is not an id"):
        load_knowledge(copy)


def test_bad_rows_are_reported_with_their_line(copy):
    path = copy / "precursors.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("1-phenyl-2-propanone,29143100,1.01,,", "1-phenyl-2-propanone,2914,x,scheduled,")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidReferenceData) as info:
        load_knowledge(copy)
    reasons = [(line, reason.split(" ")[0]) for line, reason in info.value.problems]
    assert reasons == [(2, "cn_code"), (2, "density_g_ml"), (2, "role")]


def test_a_reagent_with_a_bad_cas_number_is_rejected(copy):
    path = copy / "reagents.csv"
    path.write_text(path.read_text().replace("7723-14-0", "7723-14-1"))
    with pytest.raises(InvalidReferenceData, match="check digit"):
        load_knowledge(copy)


def test_designer_names_resolve_to_parseable_structures():
    lib = default_library()
    assert all(n.smiles for n in default_knowledge().named) and len(lib) > 800

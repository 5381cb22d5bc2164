"""Acceptance: every scheduled precursor of UN 1988 Tables I-II and EU categories 1-3 is recognised.

The list of substances is read from the legal listings themselves (not a copy), so a substance added
to the listings is covered by this test the day it is added.
"""

from __future__ import annotations

import pytest

from crystal_palace.chemistry.library import default_library
from crystal_palace.legal.listings import load_listings
from crystal_palace.workflows.precursors import screen_precursors

CATEGORIES = {"un-1988": {"Table I", "Table II"},
              "eu-reg-273-2004": {"Category 1", "Category 2", "Category 2A", "Category 2B", "Category 3"}}


@pytest.fixture(scope="module")
def scheduled():
    lib = default_library()
    ids = sorted({row.substance_id for row in load_listings()
                  if row.category in CATEGORIES.get(row.instrument, set())})
    return [lib.by_id[i] for i in ids]


def test_the_listings_hold_the_known_tables(scheduled):
    ids = {e.id for e in scheduled}
    assert len(ids) >= 55
    assert {"1-phenyl-2-propanone", "3-4-mdp-2-p", "apaan", "mapa", "npp", "4-anpp", "4-ap", "norfentanyl",
            "1-boc-4-ap", "4-piperidone", "1-boc-4-piperidone", "ephedrine", "acetone", "toluene",
            "sulfuric-acid", "eapa", "depapd", "imdpam", "mamdpa", "pmk-tert-butyl-glycidate"} <= ids


def _roles(queries):
    return [r["precursor"]["role"] if r["precursor"] else r["errors"] for r in screen_precursors(queries)]


def test_every_scheduled_precursor_is_recognised_from_its_structure(scheduled):
    roles = _roles([e.smiles for e in scheduled])
    missed = [(e.id, role) for e, role in zip(scheduled, roles, strict=True) if role != "scheduled"]
    assert missed == []


def test_every_scheduled_precursor_is_recognised_from_each_cas_number(scheduled):
    pairs = [(e.id, cas) for e in scheduled for cas in e.cas]
    assert len(pairs) >= 40  # the EU-only additions and most glycidate esters have no CAS number in any source
    roles = _roles([cas for _, cas in pairs])
    assert [(sid, cas, r) for (sid, cas), r in zip(pairs, roles, strict=True) if r != "scheduled"] == []


def test_every_scheduled_precursor_is_recognised_from_each_name(scheduled):
    pairs = [(e.id, n) for e in scheduled for n in (e.name, *e.synonyms)]
    roles = _roles([name for _, name in pairs])
    assert [(sid, n, r) for (sid, n), r in zip(pairs, roles, strict=True) if r != "scheduled"] == []


@pytest.mark.parametrize("query", ["CNC(C)C(O)c1ccccc1.Cl", "Ephedrine hydrochloride", "ephedrine sulphate",
                                   "C[C@@H](NC)[C@@H](O)c1ccccc1",  # (1S,2S): pseudoephedrine's enantiomer
                                   "O=C(O)C1(C)OC1c1ccccc1.[Na]", "Acetone, technical grade 99%"])
def test_salts_stereoisomers_and_trade_names_of_scheduled_precursors_are_recognised(query):
    assert _roles([query]) == ["scheduled"]


def test_category_comes_from_the_listings():
    result = screen_precursors(["P2P", "acetone", "phenylacetic acid"])
    categories = [r["precursor"]["category"] for r in result]
    assert categories == ["UN 1988 Table I; EU Category 1", "UN 1988 Table II; EU Category 3",
                          "UN 1988 Table I; EU Category 2"]


def test_scheduling_is_dated():
    before = screen_precursors(["4-piperidone"], as_of="2020-01-01")[0]["precursor"]
    after = screen_precursors(["4-piperidone"], as_of="2025-06-01")[0]["precursor"]
    assert (before["role"], after["role"]) == ("pre_precursor", "scheduled")

"""Acceptance: nothing is flagged among ordinary chemicals (tests/data/precursor_negatives.csv).

Solvents, acids, bases, salts, cutting agents, food and pharmaceutical excipients and common laboratory
reagents that are not scheduled precursors: screened by structure, CAS number and name, none may come
out as a scheduled, designer or pre-precursor, nor as a drug.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crystal_palace.chemistry.cas import require_valid_cas
from crystal_palace.workflows.precursors import screen_precursors

NEGATIVES = Path(__file__).resolve().parents[1] / "data" / "precursor_negatives.csv"


@pytest.fixture(scope="module")
def negatives():
    with NEGATIVES.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_negative_set_is_large_and_well_formed(negatives):
    assert len(negatives) >= 200
    assert len({r["cas"] for r in negatives}) == len(negatives)
    for r in negatives:
        require_valid_cas(r["cas"], record=r["name"])


@pytest.mark.parametrize("via", ["smiles", "cas", "name"])
def test_no_negative_is_flagged(negatives, via):
    results = screen_precursors([r[via] for r in negatives])
    flagged = [(r["name"], x["precursor"]["role"], x["precursor"]["reason"]) for r, x in zip(negatives, results,
                                                                                               strict=True)
               if x["precursor"] and (x["precursor"]["role"] != "none" or x["precursor"]["drug"])]
    assert flagged == []
    if via == "smiles":
        assert [x["errors"] for x in results if x["errors"]] == []

"""Clustering scored pairs strongest first, without chaining through contradicting records."""

from __future__ import annotations

import numpy as np

from crystal_palace.linkage.actors_cluster import cluster_pairs, dates_agree, identifiers_agree

CHECKS = {"birth_date": dates_agree, "id_number": identifiers_agree}


def clusters(n, pairs, **values):
    left = np.array([p[0] for p in pairs], dtype=np.intp)
    right = np.array([p[1] for p in pairs], dtype=np.intp)
    weight = np.array([p[2] for p in pairs], dtype=float)
    exclusive = values.pop("exclusive", None)
    checked = {name: (column, CHECKS[name]) for name, column in values.items()}
    labels, report = cluster_pairs(n, left, right, weight, exclusive=exclusive, checked=checked)
    return labels.tolist(), report


def test_a_sparse_record_does_not_chain_two_people_born_apart() -> None:
    # 0: "Maria Gonzalez", no date; 1 and 2: two Maria Gonzalez born 28 years apart; 3: 2's other record
    births = [None, "1969-07-19", "1997-02-28", "1997-02-28"]
    labels, report = clusters(4, [(0, 1, 9.0), (0, 2, 8.5), (2, 3, 12.0)], birth_date=births)
    assert labels[2] == labels[3] and labels[0] == labels[1] and labels[1] != labels[2]
    assert report.refused == {"birth_date": 1} and report.joined == 2
    plain, _ = clusters(4, [(0, 1, 9.0), (0, 2, 8.5), (2, 3, 12.0)])  # connected components: one person
    assert len(set(plain)) == 1


def test_typing_errors_and_swapped_day_and_month_do_not_contradict() -> None:
    assert dates_agree("1979-05-10", "1979-10-05") and dates_agree("1979-05-10", "1997-05-10")
    assert dates_agree("1979-05-10", "1979-11-30") and not dates_agree("1969-07-19", "1997-02-28")
    assert identifiers_agree("PL640110155", "PL640110515") and not identifiers_agree("PL640110155", "PL223344556")


def test_the_same_identity_number_outweighs_a_wrong_birth_date() -> None:
    labels, report = clusters(2, [(0, 1, 10.0)], birth_date=["1936-12-15", "1988-06-11"],
                              id_number=["4408444", "4408444"])
    assert labels == [0, 0] and report.refused == {}


def test_one_record_per_agency_and_nothing_lost() -> None:
    agencies = ["KAS", "CBSP", "KAS", None]
    labels, report = clusters(4, [(0, 1, 5.0), (1, 2, 4.0), (2, 3, 3.0)], exclusive=agencies)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert report.refused == {"exclusive": 1} and len(labels) == 4

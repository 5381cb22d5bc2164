from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.calibration import (
    Calibration,
    LikelihoodRatioModel,
    PairLabeller,
    PairRule,
    calibrate,
    choose_threshold,
    roc_curve,
    verbal_scale,
)

rng = np.random.default_rng(3)
LINKED = np.abs(rng.normal(0.1, 0.05, 300))
UNLINKED = np.abs(rng.normal(0.6, 0.15, 5000))


def test_auc_is_the_probability_that_a_linked_pair_is_closer() -> None:
    assert roc_curve(np.array([0.1, 0.2]), np.array([0.3, 0.4])).auc == 1.0
    assert roc_curve(np.array([0.5, 0.6]), np.array([0.1, 0.2])).auc == 0.0
    assert roc_curve(np.array([0.3]), np.array([0.3])).auc == 0.5  # ties count half
    brute = np.mean([(lk < u) + 0.5 * (lk == u) for lk in LINKED[:50] for u in UNLINKED[:80]])
    assert roc_curve(LINKED[:50], UNLINKED[:80]).auc == pytest.approx(brute)


def test_roc_curve_is_monotone_from_0_to_1() -> None:
    roc = roc_curve(LINKED, UNLINKED)
    assert roc.tpr[0] == 0 and roc.fpr[0] == 0 and roc.tpr[-1] == 1 and roc.fpr[-1] == 1
    assert np.all(np.diff(roc.tpr) >= 0) and np.all(np.diff(roc.fpr) >= 0)


def test_threshold_by_youden_or_by_false_positive_rate() -> None:
    roc = roc_curve(np.array([0.1, 0.2, 0.3]), np.array([0.25, 0.5, 0.6, 0.7]))
    assert choose_threshold(roc) == (0.3, 1.0, 0.25)  # TPR - FPR: 0.75 beats 0.67 at 0.2
    assert choose_threshold(roc, max_fpr=0.0) == (0.2, pytest.approx(2 / 3), 0.0)


def test_likelihood_ratio_favours_linked_at_short_distances_and_never_rises() -> None:
    model = LikelihoodRatioModel.fit(LINKED, UNLINKED)
    lr = model(np.linspace(0, 1.2, 200))
    assert np.all(np.diff(lr) <= 1e-12)
    assert model(0.1) > 100 > 1 > model(0.6) * 10
    assert np.all(np.isfinite(lr)) and np.all(lr > 0)
    # bounded by the populations: one unlinked pseudo-observation spread over the 400 bins
    assert model(0.0) <= 400 * (len(UNLINKED) + 1)


@pytest.mark.parametrize(("lr", "words"), [
    (1.0, "no support for either proposition"), (5, "weak support for the same source"),
    (10, "weak support for the same source"), (50, "moderate support for the same source"),
    (500, "moderately strong support for the same source"), (5000, "strong support for the same source"),
    (5e4, "very strong support for the same source"), (5e6, "extremely strong support for the same source"),
    (0.5, "weak support for different sources"), (0.002, "moderately strong support for different sources"),
])
def test_enfsi_verbal_scale(lr: float, words: str) -> None:
    assert verbal_scale(lr) == words


def test_verbal_scale_refuses_impossible_ratios() -> None:
    with pytest.raises(InvalidInput):
        verbal_scale(0.0)
    with pytest.raises(InvalidInput):
        verbal_scale(float("nan"))


def test_calibration_round_trips_through_json(tmp_path) -> None:
    fitted = calibrate(LINKED, UNLINKED, method={"metric": "pearson"}, rule="group")
    assert fitted.auc > 0.99 and 0.1 < fitted.threshold < 0.6
    path = tmp_path / "calibration.json"
    fitted.save(path)
    again = Calibration.load(path)
    assert again.threshold == fitted.threshold and again.method == fitted.method
    assert np.allclose(again.likelihood_ratio([0.0, 0.3, 1.0]), fitted.likelihood_ratio([0.0, 0.3, 1.0]))
    assert fitted.lr_at([0.05])[0]["support"].endswith("for the same source")
    path.write_text("{}")
    with pytest.raises(InvalidInput, match="not a calibration"):
        Calibration.load(path)


def test_calibration_needs_both_populations() -> None:
    with pytest.raises(InvalidInput, match="at least 2 linked"):
        calibrate(np.array([0.1]), UNLINKED, method={}, rule="strict")


REFERENCE = pd.DataFrame({
    "id": ["a1", "a2", "b1", "b2", "c1", "d1", "e1"],
    "group": ["A", "A", "B", "B", "C", "D", "E"],
    "route": ["x", "x", "y", None, "z", "w", "x"],
})


def labels(rule: PairRule) -> dict[tuple[str, str], int]:
    labeller = PairLabeller.from_reference(REFERENCE, list(REFERENCE["id"]), rule)
    i, j = np.triu_indices(len(REFERENCE), 1)
    out = labeller.label(i.astype(np.intp), j.astype(np.intp))
    ids = list(REFERENCE["id"])
    return {(ids[a], ids[b]): int(v) for a, b, v in zip(i, j, out, strict=True)}


def test_group_rule_links_same_group_only() -> None:
    got = labels(PairRule.named("group"))
    assert got[("a1", "a2")] == 1 and got[("b1", "b2")] == 1 and got[("a1", "b1")] == 0
    assert sum(v == -1 for v in got.values()) == 0


def test_strict_rule_needs_agreeing_attributes_sized_groups_and_singletons() -> None:
    got = labels(PairRule.named("strict", same=["route"]))
    assert got[("a1", "a2")] == 1
    assert got[("b1", "b2")] == -1  # a missing route never counts as equal
    assert got[("c1", "d1")] == 0  # singletons with different routes
    assert got[("c1", "e1")] == 0
    assert got[("a1", "c1")] == -1  # a1's group has two samples: not a singleton
    assert got[("e1", "d1")] == 0 if ("e1", "d1") in got else got[("d1", "e1")] == 0
    attributes = labels(PairRule.named("attributes", same=["route"]))
    assert attributes[("a1", "c1")] == 0 and attributes[("a1", "e1")] == -1  # same route, different group


def test_reference_problems_are_named() -> None:
    with pytest.raises(InvalidInput) as error:
        PairLabeller.from_reference(REFERENCE, ["a1", "zz"], PairRule())
    assert error.value.record == "zz"
    with pytest.raises(InvalidInput, match="no column 'batch'"):
        PairLabeller.from_reference(REFERENCE, ["a1"], PairRule(group="batch"))
    with pytest.raises(InvalidInput, match="needs the columns"):
        PairRule.named("strict")
    with pytest.raises(InvalidInput, match="unknown rule"):
        PairRule.named("loose")


def test_sampled_populations_keep_every_linked_pair() -> None:
    groups = [f"g{k // 3}" for k in range(600)]
    labeller = PairLabeller.from_groups(groups)
    i, j, lab, sampled = labeller.labelled_pairs()
    si, sj, slab, ssampled = labeller.labelled_pairs(max_pairs=1000, max_unlinked=2000)
    assert not sampled and ssampled
    assert (lab == 1).sum() == (slab == 1).sum() == 200 * 3
    assert (slab == 0).sum() == 2000
    assert np.all(si < sj) and len(set(zip(si.tolist(), sj.tolist(), strict=True))) == len(si)
    assert np.all(labeller.label(si, sj) == slab)


def test_f1_threshold_keeps_false_links_few_when_unlinked_pairs_dominate() -> None:
    linked = np.abs(rng.normal(0.1, 0.05, 100))
    unlinked = np.abs(rng.normal(0.5, 0.15, 100_000))
    roc = roc_curve(linked, unlinked)
    youden, _, youden_fpr = choose_threshold(roc)
    f1_threshold, f1_tpr, f1_fpr = choose_threshold(roc, criterion="f1")
    assert f1_threshold < youden and f1_fpr < youden_fpr
    assert f1_tpr > 0.5
    with pytest.raises(InvalidInput, match="unknown threshold criterion"):
        choose_threshold(roc, criterion="eer")


def test_pair_f1_against_true_groups() -> None:
    from crystal_palace.linkage.calibration import pair_f1

    groups = {"a": "x", "b": "x", "c": "x", "d": None, "e": "y"}
    assert pair_f1([("b", "a"), ("a", "b"), ("c", "a"), ("b", "c")], groups)["f1"] == 1.0  # order, repeats
    score = pair_f1([("a", "b"), ("d", "e")], groups)
    assert (score["precision"], score["recall"]) == (0.5, 1 / 3)


def test_roc_points_thin_the_curve_but_keep_its_ends_and_its_steep_start() -> None:
    from crystal_palace.linkage.calibration import roc_points

    roc = roc_curve(LINKED, UNLINKED)
    points = roc_points(roc, points=51)
    assert 10 < len(points) <= 2 * 51 + 2
    assert points[0] == {"fpr": 0.0, "tpr": 0.0, "threshold": None}
    assert (points[-1]["fpr"], points[-1]["tpr"]) == (1.0, 1.0)
    assert sum(p["fpr"] < 0.02 for p in points) >= 10  # the start, where a good method climbs

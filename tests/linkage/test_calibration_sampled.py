"""A threshold calibrated on a sample of unlinked pairs is the one the whole population gives."""

from __future__ import annotations

import numpy as np

from crystal_palace.linkage.calibration import PairLabeller, PairRule, calibrate


def population(n_groups: int = 1000, size: int = 3, seed: int = 4):
    """Items of groups (3 per group) as points: a group's items close together, groups spread apart."""
    rng = np.random.default_rng(seed)
    centres = rng.random((n_groups, 4))
    points = np.repeat(centres, size, axis=0) + rng.normal(0, 0.02, (n_groups * size, 4))
    groups = [f"g{k // size}" for k in range(n_groups * size)]
    return points, PairLabeller.from_groups(groups)


def f1_threshold(points, labeller, **sampling):
    i, j, labels, sampled = labeller.labelled_pairs(**sampling)
    d = np.sqrt(((points[i] - points[j]) ** 2).sum(axis=1))
    total = labeller.unlinked_total() if sampled else None
    weighted = calibrate(d[labels == 1], d[labels == 0], method={}, criterion="f1", sampled=sampled,
                         unlinked_total=total)
    plain = calibrate(d[labels == 1], d[labels == 0], method={}, criterion="f1", sampled=sampled)
    return weighted.threshold, plain.threshold, sampled


def test_unlinked_total_is_exact_for_group_rules() -> None:
    _, labeller = population(50)
    i, j, labels, sampled = labeller.labelled_pairs()
    assert not sampled and labeller.unlinked_total() == int((labels == 0).sum()) == 150 * 149 // 2 - 50 * 3
    sized = PairLabeller.from_groups(["a", "a", "b", "c", "d"], PairRule.named("sized"))
    assert sized.unlinked_total() == 3  # the three single-sample groups, pairwise


def test_f1_threshold_from_a_sample_matches_the_whole_population() -> None:
    points, labeller = population()
    full, _, full_sampled = f1_threshold(points, labeller, max_pairs=10**7)  # 4.5 M pairs, every one
    weighted, plain, sampled = f1_threshold(points, labeller, max_pairs=1_000_000, max_unlinked=100_000)
    assert not full_sampled and sampled
    # before: F1 at the sample's proportions (1 linked pair for 33 unlinked, not for 1,500) chose a far
    # looser threshold; each sampled unlinked pair now stands for 45 of the population
    i, j, labels, _ = labeller.labelled_pairs(max_pairs=10**7)
    d = np.sqrt(((points[i] - points[j]) ** 2).sum(axis=1))

    def f1(threshold: float) -> float:  # of the links the threshold makes in the whole population
        found, hits = int((d <= threshold).sum()), int(((d <= threshold) & (labels == 1)).sum())
        return 2 * hits / (found + int((labels == 1).sum()))

    print(f"thresholds: all pairs {full:.4f}, sample weighted {weighted:.4f}, sample as before {plain:.4f}; "
          f"F1 {f1(full):.4f} {f1(weighted):.4f} {f1(plain):.4f}")
    assert plain > 1.3 * full and f1(plain) < f1(full) - 0.02
    assert abs(weighted - full) < 0.1 * full and f1(weighted) > f1(full) - 0.005

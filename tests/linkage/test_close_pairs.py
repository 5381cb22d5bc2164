"""The fast pair searches give the same links as comparing all pairs (the code they replace)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.linkage.metrics import METRICS, close_pairs, iter_pair_blocks
from crystal_palace.linkage.pretreatment import pretreat
from crystal_palace.linkage.tablets import close_tablet_pairs, iter_tablet_blocks, read_tablets
from crystal_palace.workflows.linkage import link_profiles


def all_pairs_within(blocks, cut):
    """What linking did before: every pair's distance, kept at most ``cut``, closest first (stable)."""
    keep_i, keep_j, keep_d = [], [], []
    for i, j, d, *rest in blocks:
        mask = (rest[0] if rest else np.ones(len(d), bool)) if cut is None else d <= cut
        keep_i.append(i[mask])
        keep_j.append(j[mask])
        keep_d.append(d[mask])
    ci, cj, cd = np.concatenate(keep_i), np.concatenate(keep_j), np.concatenate(keep_d)
    order = np.argsort(cd, kind="stable")
    return ci[order], cj[order], cd[order]


def batches(n_batches: int, per_batch: int, peaks: int = 12, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(2.0, 1.0, (n_batches, peaks))) * (rng.random((n_batches, peaks)) < 0.8)
    values = np.repeat(base, per_batch, axis=0) * np.exp(rng.normal(0, 0.15, (n_batches * per_batch, peaks)))
    values = values[rng.permutation(len(values))]
    return pretreat(values / values.sum(axis=1, keepdims=True), "fourth_root")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("share", [0.002, 0.02, 0.3])
def test_close_pairs_are_the_pairs_within_the_threshold(metric: str, share: float) -> None:
    values = batches(60, 7)
    values[5] = 0.5  # a constant profile: Pearson's r undefined, distance 1
    every = np.concatenate([d for _, _, d in iter_pair_blocks(values, metric)])
    cut = float(np.quantile(every, share))  # a threshold that is some pair's distance, as calibrated ones are
    i, j, d = close_pairs(values, metric, cut, tile=64)  # small tiles: many tiles, skipped ones too
    old_i, old_j, old_d = all_pairs_within(iter_pair_blocks(values, metric, block=50), cut)
    assert len(old_d) >= share * len(every) - 1
    assert np.array_equal(i, old_i) and np.array_equal(j, old_j)
    assert np.allclose(d, old_d, rtol=0, atol=1e-12)


def test_link_profiles_links_what_comparing_all_pairs_links() -> None:
    rng = np.random.default_rng(11)
    n_batches, per_batch, peaks = 150, 6, 12
    base = np.exp(rng.normal(2.0, 1.0, (n_batches, peaks))) * (rng.random((n_batches, peaks)) < 0.8)
    areas = np.repeat(base, per_batch, axis=0) * np.exp(rng.normal(0, 0.3, (n_batches * per_batch, peaks)))
    ids = [f"s{k:04d}" for k in range(len(areas))]
    frame = pd.DataFrame({"sample_id": ids, **{f"P{k}": areas[:, k] for k in range(peaks)}})
    reference = pd.DataFrame({"sample_id": ids, "group": [f"b{k // per_batch}" for k in range(len(ids))]})
    for criterion in ("youden", "f1"):
        result = link_profiles(frame, reference=reference, criterion=criterion, limit=None)
        values = pretreat(areas / areas.sum(axis=1, keepdims=True), "fourth_root")
        old_i, old_j, old_d = all_pairs_within(iter_pair_blocks(values, "pearson"), result.threshold)
        linked = result.pairs[result.pairs["linked"]]
        new = list(zip(linked["a"], linked["b"], strict=True))
        old = [(ids[a], ids[b]) for a, b in zip(old_i, old_j, strict=True)]
        assert len(old) > per_batch * n_batches
        # the same links; the pair whose distance *is* the calibrated threshold is linked even where the
        # all-pairs matrix rounded it 1e-16 above (the calibration measured it pair by pair)
        extra = set(new) - set(old)
        assert set(old) <= set(new) and len(extra) <= 1
        at = linked["distance"][[pair in extra for pair in new]]
        assert np.all(np.abs(at - result.threshold) <= 1e-12)
        assert np.allclose(linked["distance"][[pair not in extra for pair in new]], old_d, rtol=0, atol=1e-12)


def tablets(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logos = np.array(["Tesla", "TESLA", "Teslaa", "Rolex", "Superman", "Skull", "Star"], dtype=object)
    press = rng.integers(0, 40, n)
    frame = pd.DataFrame({
        "tablet_id": [f"t{k}" for k in range(n)],
        "logo": logos[press % len(logos)],
        "colour": np.array(["red", "blue", "pale yellow"], dtype=object)[press % 3],
        "shape": "round",
        "diameter_mm": np.round(7 + (press % 11) * 0.15 + rng.normal(0, 0.05, n), 2),
        "thickness_mm": np.round(4 + (press % 5) * 0.2 + rng.normal(0, 0.05, n), 2),
        "weight_mg": np.round(250 + (press % 7) * 12 + rng.normal(0, 3, n), 1),
    })
    frame.loc[rng.random(n) < 0.08, "logo"] = None  # unknown logos: compared with every tablet
    frame.loc[rng.random(n) < 0.08, "diameter_mm"] = None  # unknown diameters: compared across the band
    frame.loc[rng.random(n) < 0.05, "colour"] = None
    return frame


@pytest.mark.parametrize("cut", [None, 0.05, 0.15, 0.3, 0.6])
def test_blocked_tablet_pairs_are_the_pairs_of_all_pairs(cut: float | None) -> None:
    table = read_tablets(tablets(700))
    i, j, d = close_tablet_pairs(table, None, cut)
    old_i, old_j, old_d = all_pairs_within(iter_tablet_blocks(table, None, block=100), cut)
    assert len(old_d) > 0
    assert np.array_equal(i, old_i) and np.array_equal(j, old_j) and np.array_equal(d, old_d)

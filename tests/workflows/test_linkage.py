from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crystal_palace import compare_profile_methods, link_profiles, link_tablets
from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.calibration import Calibration

STRICT = {"rule": "strict", "group": "Group", "same": ("PriR", "Pre", "PreR")}


def synthetic_profiles(batches: int = 25, per_batch: int = 4, peaks: int = 12, seed: int = 5
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Batches with their own impurity pattern; samples of one batch vary by 10 % per peak."""
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for b in range(batches):
        base = rng.lognormal(0, 1.2, peaks) * (rng.random(peaks) > 0.3)
        base[0] += 1.0
        for s in range(per_batch):
            areas = base * rng.lognormal(0, 0.1, peaks)
            rows.append({"sample_id": f"b{b}s{s}", **{f"P{k:02d}": a for k, a in enumerate(areas)}})
            groups.append({"sample_id": f"b{b}s{s}", "group": f"batch{b}"})
    return pd.DataFrame(rows), pd.DataFrame(groups)


def synthetic_tablets(per_press: int, seed: int = 1) -> pd.DataFrame:
    """Five presses, two of them with the same logo but different punches."""
    presses = [("Tesla", "red", 9.0, 4.5, 320.0), ("TESLA", "red", 10.0, 5.0, 380.0),
               ("Rolex", "yellow", 8.0, 4.0, 250.0), ("Superman", "blue", 11.0, 5.5, 450.0),
               ("Philipp Plein", "pink", 9.5, 4.8, 350.0)]
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"tablet_id": f"t{p}-{k}", "press": f"press{p}", "logo": logo, "colour": colour,
                          "diameter_mm": diameter + rng.normal(0, 0.04),
                          "thickness_mm": thickness + rng.normal(0, 0.08),
                          "weight_mg": weight * (1 + rng.normal(0, 0.012))}
                         for p, (logo, colour, diameter, thickness, weight) in enumerate(presses)
                         for k in range(per_press)])


def f1(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if tp else 0.0


@pytest.mark.shared_data
def test_gcms_strict_rule_auc_from_the_comparison_of_all_methods(shared_data) -> None:
    folder = shared_data / "impurity-profiles"
    comparison = compare_profile_methods(folder / "gcms.csv", folder / "lookup.csv", **STRICT)
    print("\n" + comparison.to_text())
    assert len(comparison.rows) == 3 * 4 * 5
    assert (comparison.n_linked, comparison.n_unlinked) == (13, 23866)  # SOURCE.md: 13 of 23,879 pairs
    published = next(r for r in comparison.rows if (r["normalisation"], r["pretreatment"], r["metric"])
                     == ("sum", "fourth_root", "pearson"))
    assert published["auc"] == pytest.approx(0.980, abs=0.0006)  # the published figure, reproduced
    best = comparison.best
    assert best["auc"] >= 0.95
    assert best["tpr_at_1pct_fpr"] == pytest.approx(8 / 13)  # 8 of the 13 linked pairs at 1 % false links
    result = link_profiles(folder / "gcms.csv", reference=folder / "lookup.csv", **STRICT,
                           normalisation=best["normalisation"], pretreatment=best["pretreatment"],
                           metric=best["metric"])
    calibration = result.to_dict()["calibration"]
    print(json.dumps({k: calibration[k] for k in ("auc", "threshold", "tpr", "fpr", "lr_at")}, indent=1))
    assert calibration["auc"] == pytest.approx(best["auc"])
    lr = result.pairs["lr"].to_numpy()
    assert np.all(np.diff(lr) <= 1e-9)  # pairs come closest first; LR never rises with distance
    assert lr[0] > 100 and result.pairs["linked"].all()
    assert (result.pairs["distance"] <= result.threshold).all()


def test_synthetic_batches_are_recovered() -> None:
    profiles, groups = synthetic_profiles()
    result = link_profiles(profiles, reference=groups)
    truth = {(f"b{b}s{x}", f"b{b}s{y}") for b in range(25) for x in range(4) for y in range(x + 1, 4)}
    found = {tuple(sorted(p)) for p in zip(result.pairs.a, result.pairs.b, strict=True)}
    precision, recall, score = f1(found, {tuple(sorted(p)) for p in truth})
    assert result.calibration is not None and result.calibration.auc > 0.99
    assert score > 0.9, (precision, recall)
    assert set(result.pairs.columns) == {"a", "b", "distance", "linked", "lr", "support"}
    groups = result.groups()  # connected components of the linked pairs: mostly the batches themselves
    assert sum(len(g) for g in groups) <= 100 and sum(1 for g in groups if len(g) == 4) >= 15
    assert result.to_dict()["groups"] == groups


def test_a_saved_calibration_applies_to_new_casework(tmp_path) -> None:
    profiles, groups = synthetic_profiles()
    calibrated = link_profiles(profiles, reference=groups)
    assert calibrated.calibration is not None
    calibrated.calibration.save(tmp_path / "cal.json")
    casework, _ = synthetic_profiles(batches=5, seed=9)
    applied = link_profiles(casework, calibration=tmp_path / "cal.json")
    assert applied.threshold == calibrated.threshold and "lr" in applied.pairs
    with pytest.raises(InvalidInput, match="the calibration was made for"):
        link_profiles(casework, calibration=tmp_path / "cal.json", metric="cosine")
    other_peaks = casework.rename(columns={"P00": "P99"})
    with pytest.raises(InvalidInput, match="the calibration was made on the peaks P00"):
        link_profiles(other_peaks, calibration=tmp_path / "cal.json")
    with pytest.raises(InvalidInput, match="not both"):
        link_profiles(casework, calibration=Calibration.load(tmp_path / "cal.json"), reference=groups)


def test_without_calibration_or_threshold_the_closest_pairs_are_listed_unlinked() -> None:
    profiles, _ = synthetic_profiles(batches=4)
    result = link_profiles(profiles, limit=5)
    assert len(result.pairs) == 5 and not result.pairs["linked"].any()
    assert result.pairs["distance"].is_monotonic_increasing and result.notes
    assert result.to_links() == []
    fixed = link_profiles(profiles, threshold=0.01)
    assert fixed.pairs["linked"].all() and (fixed.pairs["distance"] <= 0.01).all()


def test_links_have_the_store_shape() -> None:
    profiles, groups = synthetic_profiles(batches=3)
    links = link_profiles(profiles, reference=groups).to_links()
    assert links and set(links[0]) == {"type", "from_id", "to_id", "score", "method", "explanation"}
    assert links[0]["type"] == "same_batch" and links[0]["method"] == "profiles:sum-fourth_root-pearson"
    assert json.loads(links[0]["explanation"])["support"].endswith("same source")


def test_tablet_linkage_recovers_presses_with_and_without_calibration() -> None:
    tablets = synthetic_tablets(per_press=6)
    truth = {(a, b) for p in range(5) for x in range(6) for y in range(x + 1, 6)
             for a, b in [(f"t{p}-{x}", f"t{p}-{y}")]}
    compatible = link_tablets(tablets)
    found = {tuple(sorted(p)) for p in zip(compatible.pairs.a, compatible.pairs.b, strict=True)}
    assert f1(found, truth)[2] > 0.9
    assert compatible.pairs["evidence"].iloc[0]["logo"]["agrees"] is True
    reference = tablets.rename(columns={"press": "group"})[["tablet_id", "group"]]
    calibrated = link_tablets(tablets, reference=reference)
    found = {tuple(sorted(p)) for p in zip(calibrated.pairs.a, calibrated.pairs.b, strict=True)}
    assert calibrated.calibration is not None and calibrated.calibration.auc > 0.99
    assert f1(found, truth)[2] > 0.9
    assert calibrated.to_links()[0]["type"] == "same_press"
    profiles, groups = synthetic_profiles(batches=3)
    profile_calibration = link_profiles(profiles, reference=groups).calibration
    with pytest.raises(InvalidInput, match="not tablets"):
        link_tablets(tablets, calibration=profile_calibration)
    bare = link_tablets(tablets, calibration=calibrated.calibration, evidence=False)
    assert "evidence" not in bare.pairs and len(bare.pairs) == len(calibrated.pairs)


def _truth(data, column: str) -> dict[str, str | None]:
    truth = data.truth["truth_samples"]
    return {s: (v if isinstance(v, str) else None) for s, v in zip(truth["sample_id"], truth[column], strict=True)}


@pytest.fixture(scope="module")
def demo_pair():
    from crystal_palace.demo import generate

    return generate(seizures=1000, seed=1), generate(seizures=1000, seed=0)  # calibrate on one, test on the other


def test_generated_batches_are_recovered_against_the_ground_truth(demo_pair) -> None:
    from crystal_palace.linkage.calibration import pair_f1
    from crystal_palace.workflows.linkage import read_store_profiles, read_store_truth

    calibration_data, test_data = demo_pair
    for target_set in ("ATS-GCMS-30", "MDMA-GCMS-30"):
        train = read_store_profiles(calibration_data, target_set=target_set)
        calibrated = link_profiles(train, reference=read_store_truth(calibration_data), criterion="f1")
        assert calibrated.calibration is not None and calibrated.calibration.auc > 0.98
        test = read_store_profiles(test_data, target_set=target_set)
        applied = link_profiles(test, calibration=calibrated.calibration)
        truth = {s: _truth(test_data, "batch_id")[s] for s in test.ids}
        score = pair_f1(list(zip(applied.pairs.a, applied.pairs.b, strict=True)), truth)
        print(f"\n{target_set}: {len(test)} samples, AUC {calibrated.calibration.auc:.4f}, "
              f"threshold {calibrated.threshold:.4f}: {score}")
        assert score["f1"] > 0.5


def test_generated_presses_are_recovered_against_the_ground_truth(demo_pair) -> None:
    from crystal_palace.linkage.calibration import pair_f1

    calibration_data, test_data = demo_pair

    def press_of(data) -> dict[str, str | None]:
        presses = _truth(data, "press_id")
        tablets = data.tables["tablets"]
        return {t: presses.get(s) for t, s in zip(tablets["id"], tablets["sample_id"], strict=True)}

    from crystal_palace.workflows.linkage import read_store_truth

    calibrated = link_tablets(calibration_data.tables["tablets"], reference=read_store_truth(calibration_data, "press"))
    compatible = link_tablets(test_data.tables["tablets"])
    applied = link_tablets(test_data.tables["tablets"], calibration=calibrated.calibration)
    truth = press_of(test_data)
    for name, result in (("compatible", compatible), ("calibrated", applied)):
        score = pair_f1(list(zip(result.pairs.a, result.pairs.b, strict=True)), truth)
        print(f"\ntablets {name}: {len(truth)} tablets: {score}")
        assert score["f1"] > 0.8


def test_tpr_at_a_false_positive_rate() -> None:
    from crystal_palace.workflows.linkage import _tpr_at

    unlinked = np.arange(1, 101, dtype=float)  # 1..100: 1 % lets through one unlinked pair, the one at 1
    assert _tpr_at(np.array([0.5, 0.9, 1.5, 3.0]), unlinked) == 0.75  # threshold just under 2
    assert _tpr_at(np.array([0.5, 1.5]), unlinked, fpr=0.0) == 0.5  # no false link: just under 1

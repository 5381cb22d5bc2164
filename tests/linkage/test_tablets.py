from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.tablets import (
    explain_pair,
    iter_tablet_blocks,
    logo_similarity,
    normalise_logo,
    read_tablets,
    tablet_distances,
)

PRESSES = [  # logo, colour, shape, score line, diameter, thickness, weight
    ("Tesla", "red", "round", "none", 9.0, 4.5, 320.0),
    ("TESLA", "red", "round", "none", 10.0, 5.0, 380.0),  # a second press with the same logo, larger punch
    ("Rolex", "yellow", "round", "single", 8.0, 4.0, 250.0),
    ("Superman", "blue", "shaped", "none", 11.0, 5.5, 450.0),
    ("Philipp Plein", "pink", "round", "cross", 9.5, 4.8, 350.0),
]


def make_tablets(per_press: int = 8, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p, (logo, colour, shape, score, diameter, thickness, weight) in enumerate(PRESSES):
        for k in range(per_press):
            rows.append({"tablet_id": f"t{p}-{k}", "press": f"press{p}",
                         "logo": logo if k % 2 else logo.lower() + " ", "colour": colour,
                         "shape": shape, "score_line": score,
                         "diameter_mm": round(diameter + rng.normal(0, 0.04), 2),
                         "thickness_mm": round(thickness + rng.normal(0, 0.08), 2),
                         "weight_mg": round(weight * (1 + rng.normal(0, 0.012)), 1)})
    return pd.DataFrame(rows)


def test_logo_normalisation_and_similarity() -> None:
    assert normalise_logo(" Philipp-Plein ") == normalise_logo("PHILIPP PLEIN") == "philippplein"
    assert normalise_logo(None) == "" and normalise_logo(float("nan")) == ""
    sim = logo_similarity(["tesla", "teslaa", "rolex", "t"])
    assert sim[0, 0] == 1.0 and 0.8 < sim[0, 1] < 1.0 and sim[0, 2] < 0.3 and sim[3, 3] == 1.0


def test_tablets_of_one_press_are_compatible_and_of_others_not() -> None:
    tablets = read_tablets(make_tablets())
    press = make_tablets()["press"].to_numpy()
    same, different = [], []
    for i, j, distance, compatible in iter_tablet_blocks(tablets, block=7):
        linked = press[i] == press[j]
        same.append((distance[linked], compatible[linked]))
        different.append((distance[~linked], compatible[~linked]))
    same_d = np.concatenate([s[0] for s in same])
    diff_d = np.concatenate([d[0] for d in different])
    assert np.concatenate([s[1] for s in same]).mean() > 0.9
    assert not np.concatenate([d[1] for d in different]).any()  # same logo, other press: diameter differs
    assert same_d.max() < np.sort(diff_d)[0] + 0.2 and np.median(same_d) < 0.15 < np.median(diff_d)


def test_missing_features_are_left_out_not_counted_against() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "logo": ["Tesla", "tesla", "Tesla"],
                          "colour": ["red", "", "green"], "diameter_mm": ["9.0", "9.05", ""]})
    tablets = read_tablets(frame)
    distance, compatible = tablet_distances(tablets, np.array([0, 0]), np.array([1, 2]))
    assert compatible.tolist() == [True, False]
    assert distance[0] < distance[1]
    evidence = explain_pair(tablets, 0, 2)
    assert evidence["colour"] == {"a": "red", "b": "green", "component": 1.0, "agrees": False}
    assert evidence["diameter_mm"]["component"] is None and evidence["logo"]["agrees"] is True


def test_a_pair_without_logos_is_never_compatible() -> None:
    tablets = read_tablets(pd.DataFrame({"id": ["a", "b"], "colour": ["red", "red"], "logo": ["", ""]}))
    _, compatible = tablet_distances(tablets, np.array([0]), np.array([1]))
    assert not compatible[0]


@pytest.mark.parametrize(("column", "value", "reason"), [("weight_mg", "heavy", "'heavy' is not a positive number"),
                                                         ("diameter_mm", "-3", "'-3' is not a positive number")])
def test_bad_measurements_name_the_tablet(column: str, value: str, reason: str) -> None:
    frame = pd.DataFrame({"id": ["ok", "bad"], "logo": ["x", "x"], column: ["9", value]})
    with pytest.raises(InvalidInput) as error:
        read_tablets(frame)
    assert (error.value.record, error.value.field, error.value.reason) == ("bad", column, reason)


def test_tables_without_ids_or_features_are_refused(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="no id column"):
        read_tablets(pd.DataFrame({"logo": ["x"]}))
    with pytest.raises(InvalidInput, match="no tablet feature column"):
        read_tablets(pd.DataFrame({"id": ["x"], "mass": [3]}))
    with pytest.raises(InvalidInput, match="duplicate tablet id"):
        read_tablets(pd.DataFrame({"id": ["x", "x"], "logo": ["a", "b"]}))
    path = tmp_path / "t.csv"
    path.write_text("tablet_id,logo,color\n1,Tesla,Red\n")
    assert read_tablets(path).raw["colour"].tolist() == ["Red"]


def test_colour_shades_and_synonyms_fold_to_the_base_colour() -> None:
    from crystal_palace.linkage.tablets import normalise_colour

    assert {normalise_colour(c) for c in ("yellow", "Pale yellow", "pale-yellow")} == {"yellow"}
    assert normalise_colour("Azure") == normalise_colour("light blue") == "blue"
    assert normalise_colour("dark red") != normalise_colour("pink")
    assert normalise_colour(None) == ""

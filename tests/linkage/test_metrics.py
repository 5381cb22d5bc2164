from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.metrics import (
    METRICS,
    distance_matrix,
    iter_pair_blocks,
    metric_name,
    paired_distances,
)

rng = np.random.default_rng(7)
X = rng.random((23, 6))
X[3] = 0.5  # a constant profile: Pearson's r is undefined
X[5, :3] = 0.0


@pytest.mark.parametrize("metric", METRICS)
def test_row_by_row_and_block_distances_agree(metric: str) -> None:
    i, j = np.triu_indices(len(X), 1)
    paired = paired_distances(X, i, j, metric)
    blocks = list(iter_pair_blocks(X, metric, block=5))
    bi = np.concatenate([b[0] for b in blocks])
    bj = np.concatenate([b[1] for b in blocks])
    bd = np.concatenate([b[2] for b in blocks])
    assert len(bd) == len(paired)  # every pair exactly once
    order = np.lexsort((bj, bi))
    assert np.array_equal(bi[order], i) and np.array_equal(bj[order], j)
    assert np.allclose(bd[order], paired)
    assert np.all(np.isfinite(paired)) and np.all(paired >= 0)


@pytest.mark.parametrize(("metric", "scipy_name"), [("euclidean", "euclidean"), ("manhattan", "cityblock"),
                                                    ("canberra", "canberra")])
def test_distances_match_scipy(metric: str, scipy_name: str) -> None:
    i, j = np.triu_indices(len(X), 1)
    assert np.allclose(paired_distances(X, i, j, metric), pdist(X, scipy_name))


def test_pearson_and_cosine_conventions() -> None:
    x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    i, j = np.array([0, 0, 0]), np.array([1, 2, 3])
    assert np.allclose(paired_distances(x, i, j, "pearson"), [0.0, 2.0, 1.0])  # constant profile: r taken as 0
    assert np.allclose(paired_distances(x, i[:1], j[:1], "cosine"), [0.0])
    assert np.allclose(distance_matrix(x[:1], x, "pearson"), [[0.0, 0.0, 2.0, 1.0]])


def test_metric_names() -> None:
    assert metric_name("correlation") == "pearson"
    assert metric_name("CityBlock") == "manhattan"
    with pytest.raises(InvalidInput, match="unknown metric 'mahalanobis'"):
        metric_name("mahalanobis")


@pytest.mark.parametrize("metric", METRICS)
def test_pair_by_pair_path_for_large_tables_agrees_with_the_matrix(metric: str, monkeypatch) -> None:
    import crystal_palace.linkage.metrics as metrics

    i, j = np.triu_indices(len(X), 1)
    matrix_path = paired_distances(X, i, j, metric)
    monkeypatch.setattr(metrics, "MATRIX_UP_TO", 0)
    assert np.allclose(paired_distances(X, i, j, metric), matrix_path)

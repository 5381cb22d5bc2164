"""Distances between profiles: the metrics compared in the profiling literature, all as distances.

Every metric returns a distance (0 for identical profiles, larger for more different ones), so one
threshold rule ("linked when the distance is at most t") and one ROC convention serve them all:

- ``pearson``: 1 - r (0 to 2). The literature often reports (1 - r) / 2 x 100 or r itself; both are
  monotone in 1 - r, so rankings, ROC curves and AUC are the same. A constant profile has no defined r;
  it is taken as uncorrelated (r = 0, distance 1) rather than dropped.
- ``cosine``: 1 - cos(angle) (0 to 1 for non-negative profiles).
- ``canberra``: sum of |a - b| / (a + b) over peaks, 0/0 terms counted as 0 (0 to the number of peaks).
- ``euclidean`` and ``manhattan``: the L2 and L1 distances.

(Andersson et al. 2007 compare these metrics for amphetamine profiles; see docs/linkage.md.)
Distances of selected pairs are computed row by row (:func:`paired_distances`), and all pairs of a large
table in blocks of rows (:func:`iter_pair_blocks`), so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

from crystal_palace.exceptions import InvalidInput

Metric = Literal["pearson", "cosine", "canberra", "euclidean", "manhattan"]
Array = NDArray[np.float64]
Index = NDArray[np.intp]


def _pearson(a: Array, b: Array) -> Array:
    ac = a - a.mean(axis=1, keepdims=True)
    bc = b - b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((ac * ac).sum(axis=1) * (bc * bc).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (ac * bc).sum(axis=1) / denominator
    r = np.where(denominator > 0, r, 0.0)
    return np.clip(1.0 - r, 0.0, 2.0)


def _cosine(a: Array, b: Array) -> Array:
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (a * b).sum(axis=1) / denominator
    c = np.where(denominator > 0, c, 0.0)
    return np.clip(1.0 - c, 0.0, 2.0)


def _canberra(a: Array, b: Array) -> Array:
    denominator = np.abs(a) + np.abs(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(denominator > 0, np.abs(a - b) / denominator, 0.0)
    return np.asarray(terms.sum(axis=1), dtype=np.float64)


def _euclidean(a: Array, b: Array) -> Array:
    return np.asarray(np.sqrt(((a - b) ** 2).sum(axis=1)), dtype=np.float64)


def _manhattan(a: Array, b: Array) -> Array:
    return np.asarray(np.abs(a - b).sum(axis=1), dtype=np.float64)


PAIRED: dict[str, Callable[[Array, Array], Array]] = {
    "pearson": _pearson,
    "cosine": _cosine,
    "canberra": _canberra,
    "euclidean": _euclidean,
    "manhattan": _manhattan,
}
"""Every metric by name; the comparison of methods tries each of them."""

METRICS: tuple[str, ...] = tuple(PAIRED)
_SCIPY = {"pearson": "correlation", "cosine": "cosine", "canberra": "canberra", "euclidean": "euclidean",
          "manhattan": "cityblock"}
_UNDEFINED_AS = {"pearson": 1.0, "cosine": 1.0}
ALIASES = {"correlation": "pearson", "pcc": "pearson", "cityblock": "manhattan", "l1": "manhattan",
           "l2": "euclidean"}


def metric_name(name: str) -> str:
    """The canonical name of a metric, accepting common spellings (``correlation``, ``cityblock``, ``l2``)."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in PAIRED:
        raise InvalidInput(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}", field="metric")
    return key


BLOCK_CELLS = 4_000_000
"""Distances computed at once by :func:`iter_pair_blocks` (with their indices, about 100 MB)."""

MATRIX_UP_TO = 3000
"""Tables up to this many rows get selected pairs from one distance matrix (fast C code); larger ones
are computed pair by pair, so memory stays bounded."""


def paired_distances(values: Array, i: Index, j: Index, metric: str) -> Array:
    """Distances between rows ``i[k]`` and ``j[k]`` of ``values``, for each k.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 2.0, 1.0]])
    >>> paired_distances(x, np.array([0, 0]), np.array([1, 2]), "pearson").round(6).tolist()
    [0.0, 2.0]
    """
    name = metric_name(metric)
    if len(values) <= MATRIX_UP_TO and len(i) > len(values):
        return distance_matrix(values, values, name)[i, j]
    if name == "pearson":  # centre each row once: r is then the cosine of the centred rows
        centred = values - values.mean(axis=1, keepdims=True)
        constant = ~np.any(centred != 0, axis=1)
        d = _cosine(centred[i], centred[j])
        return np.where(constant[i] | constant[j], 1.0, d)
    return PAIRED[name](values[i], values[j])


def distance_matrix(rows: Array, columns: Array, metric: str) -> Array:
    """All distances between ``rows`` and ``columns`` (a matrix), with the same conventions as above."""
    name = metric_name(metric)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = cdist(rows, columns, _SCIPY[name])
    if name in _UNDEFINED_AS:
        matrix = np.where(np.isnan(matrix), _UNDEFINED_AS[name], np.clip(matrix, 0.0, 2.0))
    return np.asarray(matrix, dtype=np.float64)


def iter_pair_blocks(values: Array, metric: str, *, block: int = 1024) -> Iterator[tuple[Index, Index, Array]]:
    """Every pair ``i < j`` of rows with its distance, in blocks of rows, so memory stays bounded.

    Yields ``(i, j, distance)`` arrays; together the blocks hold each unordered pair once. A block has
    at most ``block`` rows and about :data:`BLOCK_CELLS` distances, so memory stays near 100 MB whatever
    the size of the table.
    """
    n = len(values)
    block = max(16, min(block, BLOCK_CELLS // max(n, 1)))
    for start in range(0, n, block):
        stop = min(start + block, n)
        matrix = distance_matrix(values[start:stop], values[start:], metric)
        local_i, local_j = np.triu_indices(stop - start, 1, m=n - start)
        yield (local_i + start).astype(np.intp), (local_j + start).astype(np.intp), matrix[local_i, local_j]

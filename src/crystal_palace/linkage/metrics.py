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


TILE = 1024
"""Rows and columns of one tile of :func:`close_pairs`: 1 M similarities, 4 MB in float32, so that a
tile stays in the processor's cache (larger tiles are several times slower per pair)."""

TIE = 1e-12
"""Distances this close to the threshold count as at it: the matrix product and the pair-by-pair formula
round differently in the last bits, and a pair exactly at the calibrated threshold must stay linked."""

_SLACK = 1e-4
"""Margin of the float32 screen: a float32 dot product of two unit vectors of a few dozen peaks is off
by well under 1e-5, so no pair within the threshold is screened out; candidates are then measured in
float64."""


def _unit_rows(values: Array, name: str) -> Array:
    """Rows scaled to unit length (centred first for Pearson); rows of zero length stay zero (r taken as 0)."""
    rows = np.asarray(values, dtype=np.float64)
    if name == "pearson":
        rows = rows - rows.mean(axis=1, keepdims=True)
    norms = np.sqrt((rows * rows).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(norms[:, None] > 0, rows / norms[:, None], 0.0)
    if name == "pearson":  # a constant row is exactly constant only before rounding: as paired_distances
        unit[~np.any(values - values.mean(axis=1, keepdims=True) != 0, axis=1)] = 0.0
    return np.asarray(unit, dtype=np.float64)


def _main_axis(unit: Array) -> Array:
    """The direction along which the rows spread most (first right singular vector of a seeded sample)."""
    rows = unit[np.random.default_rng(0).choice(len(unit), min(len(unit), 20_000), replace=False)]
    if not len(rows) or not np.any(rows):
        return np.eye(unit.shape[1], dtype=np.float64)[0] if unit.shape[1] else np.zeros(0)
    return np.asarray(np.linalg.svd(rows, full_matrices=False)[2][0], dtype=np.float64)


def close_pairs(values: Array, metric: str, max_distance: float, *, tile: int = TILE) -> tuple[Index, Index, Array]:
    """Every pair ``i < j`` of rows at most ``max_distance`` apart, closest first (ties by ``i``, ``j``).

    The same pairs as :func:`iter_pair_blocks` filtered at ``max_distance``, found faster: Pearson and
    cosine distances are one minus the dot product of the rows scaled to unit length (centred first for
    Pearson), so all pairs are screened by matrix products (BLAS GEMM, float32) on square tiles of the
    upper triangle, and only the pairs that pass are measured in float64. Memory stays at one tile
    whatever the size of the table. Other metrics go through :func:`iter_pair_blocks`.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.1], [3.0, 2.0, 1.0]])
    >>> i, j, d = close_pairs(x, "pearson", 0.01)
    >>> i.tolist(), j.tolist(), bool(d[0] < 1e-3)
    ([0], [1], True)
    """
    name = metric_name(metric)
    found_i: list[Index] = []
    found_j: list[Index] = []
    found_d: list[Array] = []
    if name not in ("pearson", "cosine"):
        for i, j, d in iter_pair_blocks(values, name):
            keep = d <= max_distance + TIE
            found_i.append(i[keep])
            found_j.append(j[keep])
            found_d.append(d[keep])
    else:
        unit = _unit_rows(values, name)
        projection = unit @ _main_axis(unit)
        order = np.argsort(projection, kind="stable").astype(np.intp)  # close rows in nearby tiles
        unit, axis = unit[order], projection[order]
        # |axis_a - axis_b| <= |a - b| = sqrt(2 d) for unit (or zero) rows: a column tile whose smallest
        # projection is farther than that from a row tile's largest holds no close pair, nor do the next
        reach = np.sqrt(2.0 * (max_distance + _SLACK)) + 1e-9
        width = -(-unit.shape[1] // 16) * 16  # zero columns change no dot product; BLAS kernels like 16
        screen = np.zeros((len(unit), width), dtype=np.float32)
        screen[:, :unit.shape[1]] = unit
        columns = np.ascontiguousarray(screen.T)
        floor = np.float32(1.0 - max_distance - _SLACK)
        n = len(unit)
        for r0 in range(0, n, tile):
            r1 = min(r0 + tile, n)
            for c0 in range(r0, n, tile):
                if axis[c0] - axis[r1 - 1] > reach:
                    break
                c1 = min(c0 + tile, n)
                similar = screen[r0:r1] @ columns[:, c0:c1]
                li, lj = np.nonzero(similar >= floor)
                if c0 == r0:
                    upper = li < lj
                    li, lj = li[upper], lj[upper]
                if not len(li):
                    continue
                i, j = (li + r0).astype(np.intp), (lj + c0).astype(np.intp)
                d = np.clip(1.0 - np.einsum("ij,ij->i", unit[i], unit[j]), 0.0, 2.0)
                keep = d <= max_distance + TIE
                a, b = order[i[keep]], order[j[keep]]
                found_i.append(np.minimum(a, b))
                found_j.append(np.maximum(a, b))
                found_d.append(d[keep])
    return closest_first(found_i, found_j, found_d)


def closest_first(found_i: list[Index], found_j: list[Index], found_d: list[Array]) -> tuple[Index, Index, Array]:
    """Pairs found block by block, joined and sorted closest first, ties by ``i`` then ``j`` (one order everywhere)."""
    if not found_d:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)
    ci, cj, cd = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)
    order = np.lexsort((cj, ci, cd))
    return ci[order], cj[order], cd[order]

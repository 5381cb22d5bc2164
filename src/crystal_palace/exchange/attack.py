"""Frequency attacks on encodings, to measure what a schema's hardening is worth before using it.

An attacker who receives encodings but not the secret can still count. Two attacks are simulated, both
with the attacker knowing the population's name frequencies (a census table) and the schema's parameters:

:func:`frequency_attack`
    identical encodings are grouped and the groups, from the largest, are given the names from the most
    frequent: the classic frequency alignment (Kuzu et al. 2011).
:func:`pattern_mining_attack`
    bit positions that are set in nearly the same records are clustered (a q-gram sets its k positions in
    every record that contains it), clusters are aligned by support with the q-grams ranked by their
    expected frequency, each record's q-grams are read off the aligned clusters, and the record is given
    the known name whose q-grams fit best (after Christen et al. 2018, pattern-mining cryptanalysis).

Both return the share of records whose name the attacker gets right. The tests require at most 5 % with
the default hardening; docs/exchange.md gives the figures with and without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from crystal_palace.exchange.clk import qgrams


def frequency_attack(bits: npt.NDArray[np.uint64], true_names: Sequence[str],
                     name_frequencies: Mapping[str, float]) -> float:
    """Share of records re-identified by aligning encoding frequencies with name frequencies."""
    _, inverse, counts = np.unique(bits, axis=0, return_inverse=True, return_counts=True)
    ranked_names = sorted(name_frequencies, key=lambda n: -name_frequencies[n])
    group_rank = np.empty(len(counts), dtype=np.int64)
    group_rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    guesses = [ranked_names[r] if r < len(ranked_names) else None for r in group_rank[inverse.ravel()].tolist()]
    return float(np.mean([g == t for g, t in zip(guesses, true_names, strict=True)]))


def pattern_mining_attack(bits: npt.NDArray[np.bool_], true_names: Sequence[str],
                          name_frequencies: Mapping[str, float], *, k: int = 12, q: int = 2,
                          max_clusters: int = 80, min_score: float = 0.8, min_grams: int = 3) -> float:
    """Share of records re-identified by mining co-occurring bit positions (see the module docstring).

    Clusters are grown greedily from the most frequent unused position, adding the position set in most
    of the records that have every position so far, while that keeps 90 % of them, up to ``k`` positions
    (the attacker knows ``k``). Clusters are assigned to q-grams by the closest expected count (Hungarian
    assignment). A record counts as re-identified only when at least ``min_grams`` aligned q-grams are read
    from it and exactly one known name fits best, with Dice >= ``min_score`` over the aligned q-grams.
    """
    from scipy.optimize import linear_sum_assignment

    n = bits.shape[0]
    x = bits.astype(np.float32)
    count = x.sum(axis=0)
    used = np.zeros(bits.shape[1], dtype=bool)
    clusters: list[tuple[npt.NDArray[np.intp], int]] = []
    for seed in np.argsort(-count, kind="stable").tolist():
        if used[seed] or not 20 <= count[seed] <= 0.6 * n:  # complements of balanced filters are > half
            continue
        members = [seed]
        rows = bits[:, seed].copy()
        while len(members) < k:
            overlap = x[rows].sum(axis=0)
            overlap[members] = -1
            overlap[used] = -1
            best = int(np.argmax(overlap))
            if overlap[best] < 0.9 * rows.sum():
                break
            members.append(best)
            rows &= bits[:, best]
        if len(members) >= max(2, k // 2):
            clusters.append((np.asarray(members), int(rows.sum())))
            used[members] = True
        if len(clusters) >= max_clusters:
            break
    if not clusters:
        return 0.0
    expected: dict[str, float] = {}
    for name, share in name_frequencies.items():
        for gram in qgrams(name, q):
            expected[gram] = expected.get(gram, 0.0) + share * n
    grams = sorted(expected, key=lambda g: -expected[g])[:3 * len(clusters)]
    cost = np.array([[abs(support - expected[g]) / expected[g] for g in grams] for _, support in clusters])
    rows_i, cols_j = linear_sum_assignment(cost)
    aligned = [(grams[j], clusters[i][0]) for i, j in zip(rows_i.tolist(), cols_j.tolist(), strict=True)]
    present = np.stack([np.all(bits[:, pos], axis=1) for _, pos in aligned], axis=1).astype(np.float32)
    gram_index = {g: i for i, (g, _) in enumerate(aligned)}
    names = list(name_frequencies)
    incidence = np.zeros((len(names), len(aligned)), dtype=np.float32)
    for i, name in enumerate(names):
        for gram in qgrams(name, q):
            if gram in gram_index:
                incidence[i, gram_index[gram]] = 1.0
    overlap = present @ incidence.T
    sizes = present.sum(axis=1)[:, None] + incidence.sum(axis=1)[None, :]
    score = np.divide(2 * overlap, sizes, out=np.zeros_like(overlap), where=sizes > 0)
    best = score.argmax(axis=1)
    top = score[np.arange(n), best]
    unique = (score >= top[:, None] - 1e-9).sum(axis=1) == 1
    confident = (top >= min_score) & unique & (present.sum(axis=1) >= min_grams)
    hits = [bool(c) and names[b] == t for b, c, t in zip(best.tolist(), confident.tolist(), true_names, strict=True)]
    return float(np.mean(hits))



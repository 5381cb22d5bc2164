"""EI library search: the NIST-style composite match factor and reverse match factor, fast at 10^6 spectra.

Scoring follows Stein and Scott (J. Am. Soc. Mass Spectrom. 1994, 5, 859-866), the basis of NIST MS
Search's identity search, on the unit m/z grid:

* the weighted dot product ``F_D = (sum w_q w_l)^2 / (sum w_q^2 * sum w_l^2)`` with peak weights
  ``intensity**0.6 * (m/z)**3`` (see :mod:`crystal_palace.spectra.weighting`);
* the peak-ratio term ``F_R``: for consecutive peaks both spectra share, the ratio of their intensity
  ratios (taken as at most 1), averaged over the ``N_LQ - 1`` consecutive pairs (Stein and Scott divide
  by ``N_LQ``, which keeps identical spectra with few peaks below 999; averaging over the pairs gives
  999 for identical spectra, as NIST MS Search reports);
* the composite ``MF = 999 * (N_U * F_D + N_LQ * F_R) / (N_U + N_LQ)``, ``N_U`` the query's peak
  count. The reverse match factor ``RMF`` computes the same on the query restricted to the m/z values
  the library spectrum has, so peaks of a co-eluting impurity in the query cost nothing.

Speed comes from a pre-search, as in NIST MS Search: the query's heaviest-weighted peaks (those that
make up ``presearch_coverage`` = 80 % of its squared norm, at most ``presearch_peaks`` = 6; with m/z**3
weights these are a handful of high-mass ions whose columns in the inverted index are short) give
every library spectrum a partial cosine; the best ``candidates`` (200) of those within 30 % of the
best partial score are then scored exactly; when that leaves fewer than ``top`` candidates (the
query's heaviest ions are in no library spectrum, as for a new derivative), all of its peaks are used
instead. The benchmark (``bench/spectra.py``) reports how often
this agrees with an exhaustive search; :func:`exhaustive_cosines` is the exhaustive reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.library import SpectralLibrary
from crystal_palace.spectra.model import Spectrum
from crystal_palace.spectra.weighting import Weighting, unit_bins


@dataclass(frozen=True)
class EIHit:
    """One library hit: its record index and scores (match factors on NIST's 0-999 scale)."""

    index: int
    match_factor: int
    reverse_match_factor: int
    cosine: float
    shared_peaks: int
    retention_index_delta: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Scores as JSON (``score`` is the match factor divided by 999)."""
        return {"score": round(self.match_factor / 999.0, 4), "match_factor": self.match_factor,
                "reverse_match_factor": self.reverse_match_factor, "cosine": round(self.cosine, 4),
                "shared_peaks": self.shared_peaks, "retention_index_delta": self.retention_index_delta}


@dataclass(frozen=True)
class PreparedQuery:
    """A query on the unit grid with its raw and unit-normalised weights (dense over m/z)."""

    bins: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    raw_weights: npt.NDArray[np.float64]
    dense_raw: npt.NDArray[np.float64]
    norm2: float


def prepare_query(query: Spectrum, weighting: Weighting, n_bins: int) -> PreparedQuery:
    """Bin and weight the query (peaks above the library's highest m/z still count in its norm)."""
    bins16, values32 = unit_bins(query.mz, query.intensities)
    if bins16.size == 0:
        raise InvalidInput("the query has no peak on the unit m/z grid", field="peaks", record=query.record)
    bins = bins16.astype(np.int64)
    values = values32.astype(np.float64)
    raw = weighting.weights(bins, values)
    dense = np.zeros(max(n_bins, int(bins[-1]) + 1), dtype=np.float64)  # bins are sorted
    dense[bins] = raw
    return PreparedQuery(bins, values, raw, dense, float(np.dot(raw, raw)))


def presearch(library: SpectralLibrary, q: PreparedQuery, *, coverage: float = 0.8, max_peaks: int = 6,
              allowed: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.float64]:
    """Partial cosines of every library spectrum over the query's heaviest peaks (inverted index).

    The columns of the chosen peaks are gathered and summed per spectrum in one ``bincount``, which is
    several times faster than adding column by column into the score array.
    """
    a = library.ei
    colptr, rows, weights = a["colptr"], a["rows"], a["weights"]
    n_cols = colptr.size - 1
    order = np.argsort(-q.raw_weights)
    share = np.cumsum(q.raw_weights[order] ** 2) / q.norm2
    take = min(max_peaks, int(np.searchsorted(share, coverage)) + 1, int(order.size))
    unit = q.raw_weights / np.sqrt(q.norm2)
    spans = [(int(colptr[b]), int(colptr[b + 1]), float(unit[k]))
             for k in order[:take] for b in (int(q.bins[k]),) if b < n_cols]
    if not spans:
        return np.zeros(library.count, dtype=np.float64)
    picked_rows = np.concatenate([rows[lo:hi] for lo, hi, _ in spans])
    contributions = np.concatenate([weights[lo:hi] * np.float32(u) for lo, hi, u in spans])
    scores = np.asarray(np.bincount(picked_rows, weights=contributions, minlength=library.count), dtype=np.float64)
    if allowed is not None:
        scores[~allowed] = 0.0
    return scores


def pick_candidates(partial: npt.NDArray[np.float64], k: int, floor: float = 0.3) -> npt.NDArray[np.int64]:
    """The ``k`` best partial scores among those within ``floor`` of the best (sorted indices)."""
    best = float(partial.max()) if partial.size else 0.0
    if best <= 0:
        return np.zeros(0, dtype=np.int64)
    found = np.flatnonzero(partial >= floor * best) if floor > 0 else np.flatnonzero(partial > 0)
    if found.size > k:
        found = found[np.argpartition(-partial[found], k - 1)[:k]]
    return np.sort(found).astype(np.int64)


def score_candidates(library: SpectralLibrary, q: PreparedQuery, candidates: npt.NDArray[np.int64]
                     ) -> dict[str, npt.NDArray[np.float64]]:
    """Exact composite and reverse match factors, cosine and shared-peak counts for ``candidates``."""
    a = library.ei
    indptr = a["indptr"]
    starts = np.asarray(indptr[candidates], dtype=np.int64)
    lengths = np.asarray(indptr[candidates + 1], dtype=np.int64) - starts
    total = int(lengths.sum())
    seg = np.repeat(np.arange(candidates.size), lengths)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    idx = offsets + np.arange(total)
    bins = np.asarray(a["bins"][idx], dtype=np.int64)
    wl = library.weighting.weights(bins, a["values"][idx])
    dense = q.dense_raw
    wq = np.where(bins < dense.size, dense[np.minimum(bins, dense.size - 1)], 0.0)
    m = candidates.size
    dot = np.bincount(seg, wl * wq, minlength=m)
    nl = np.bincount(seg, wl * wl, minlength=m)
    nq_rev = np.bincount(seg, wq * wq, minlength=m)
    shared = wq > 0
    n_shared = np.bincount(seg, shared.astype(np.float64), minlength=m)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_d = np.where(nl > 0, dot * dot / (q.norm2 * nl), 0.0)
        f_d_rev = np.where((nl > 0) & (nq_rev > 0), dot * dot / (nq_rev * nl), 0.0)
        s_seg, s_wl, s_wq = seg[shared], wl[shared], wq[shared]
        same = s_seg[1:] == s_seg[:-1]
        ratio = (s_wl[1:] / s_wl[:-1]) * (s_wq[:-1] / s_wq[1:])
        term = np.where(ratio > 1.0, 1.0 / ratio, ratio)
        f_r_sum = np.bincount(s_seg[1:][same], term[same], minlength=m)
        f_r = np.where(n_shared > 1, f_r_sum / np.maximum(n_shared - 1, 1), 0.0)
        n_u = float(q.bins.size)
        mf = 999.0 * (n_u * f_d + n_shared * f_r) / (n_u + n_shared)
        rmf = 999.0 * np.where(n_shared > 0, (f_d_rev + f_r) / 2.0, 0.0)
    return {"match_factor": np.nan_to_num(mf), "reverse_match_factor": np.nan_to_num(rmf),
            "cosine": np.sqrt(np.clip(f_d, 0, 1)), "shared_peaks": n_shared}


def search_ei(library: SpectralLibrary, query: Spectrum, *, top: int = 10, retention_index: float | None = None,
              ri_window: float | None = None, candidates: int = 200, presearch_coverage: float = 0.8,
              presearch_peaks: int = 6, rank_by: str = "match_factor",
              exclude: set[int] | frozenset[int] = frozenset()) -> list[EIHit]:
    """The ``top`` library hits for one EI query, best first.

    Parameters
    ----------
    retention_index, ri_window
        When both are given (the query's retention index, else the one in its metadata), library
        spectra whose retention index differs by more than ``ri_window`` are excluded; spectra without
        a retention index are kept (their ``retention_index_delta`` is None).
    candidates
        How many pre-search survivors are scored exactly.
    rank_by
        ``match_factor`` (identity search) or ``reverse_match_factor`` (mixtures, impure spectra).
    exclude
        Record indices never to return (leave-one-out evaluation, or records a user has rejected).
    """
    if top < 1:
        raise InvalidInput("top must be at least 1", field="top", record=query.record)
    if rank_by not in ("match_factor", "reverse_match_factor"):
        raise InvalidInput(f"rank_by is {rank_by!r}; use match_factor or reverse_match_factor", field="rank_by")
    n_cols = int(library.ei["colptr"].size - 1)
    q = prepare_query(query, library.weighting, n_cols)
    ri = retention_index if retention_index is not None else query.retention_index
    allowed: npt.NDArray[np.bool_] | None = None
    lib_ri = None
    if ri_window is not None and ri is not None:
        lib_ri = library.retention_indices
        allowed = ~(np.abs(lib_ri - ri) > ri_window)  # NaN (no RI) compares False: kept
    if exclude:
        allowed = np.ones(library.count, dtype=bool) if allowed is None else allowed
        allowed[np.fromiter(exclude, dtype=np.int64)] = False
    partial = presearch(library, q, coverage=presearch_coverage, max_peaks=presearch_peaks, allowed=allowed)
    picked = pick_candidates(partial, max(candidates, top))
    if picked.size < top:  # the heaviest peaks are nowhere in the library (a derivative, a new compound):
        partial = presearch(library, q, coverage=1.01, max_peaks=int(q.bins.size), allowed=allowed)
        picked = pick_candidates(partial, max(candidates, top), floor=0.0)  # use every peak, keep any overlap
    if picked.size == 0:
        return []
    scores = score_candidates(library, q, picked)
    order = np.lexsort((-scores["cosine"], -scores[rank_by]))[:top]
    hits = []
    for j in order:
        i = int(picked[j])
        delta = None
        if lib_ri is not None and ri is not None and not np.isnan(lib_ri[i]):
            delta = round(float(lib_ri[i] - ri), 1)
        hits.append(EIHit(i, int(round(scores["match_factor"][j])), int(round(scores["reverse_match_factor"][j])),
                          float(scores["cosine"][j]), int(scores["shared_peaks"][j]), delta))
    return hits


def exhaustive_cosines(library: SpectralLibrary, query: Spectrum) -> npt.NDArray[np.float64]:
    """The weighted cosine of the query with every library spectrum, over all of its peaks (no pre-search)."""
    n_cols = int(library.ei["colptr"].size - 1)
    q = prepare_query(query, library.weighting, n_cols)
    return presearch(library, q, coverage=1.01, max_peaks=int(q.bins.size))

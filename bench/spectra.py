"""Benchmark the EI library search against brute-force baselines, side by side in the same run.

    python bench/spectra.py                    # 10k, 100k and 1M synthetic spectra
    python bench/spectra.py --sizes 10000      # a quick look
    python bench/spectra.py --accuracy         # also the acceptance figures on ../shared/data

Synthetic EI-like libraries (seeded): per spectrum a molecular mass of 120-600, 50-150 peaks between m/z
30 and that mass, denser at low m/z (as in real EI), intensities log-normal with a few dominant ions,
scaled to 999. Queries are library spectra perturbed as replicate measurements are (intensities x
log-normal noise of 25 %, 10 % of peaks dropped, 5 noise peaks added), so the right answer is known.

Compared per library size, on the same queries:

* ``indexed``: :func:`crystal_palace.spectra.ei_search.search_ei` (pre-search on the query's
  heaviest-weighted peaks through the m/z inverted index, then the exact default score, the entropy
  similarity, and the composite match factors on 200 candidates);
* ``brute exact``: the default score (entropy similarity) of the query with EVERY library spectrum,
  over every peak, from a column-ordered copy of the spectra's entropy-weighted probabilities made once
  per library: the exhaustive reference the indexed search is measured against (recall: the indexed
  top-1 is the exhaustive top-1; the exhaustive best is in the indexed top 10), for every query;
* ``brute numpy``: the weighted cosine of the query with every spectrum from the raw CSR peaks,
  weights computed on the fly (what a search without an index does);
* ``brute sparse``: the same cosine as one scipy.sparse matrix-vector product over pre-normalised
  weights (every peak of every spectrum touched; the usual "vectorised" approach).

The load average of the machine (1 minute) is recorded before and after each size: on this shared
2-core machine other jobs move the p95 more than anything in the search does.

matchms is not installed in .venv (it would pull in its own numba/pandas stack); it is reported as
skipped. Memory: peak RSS of this process after each stage (``ru_maxrss``) and the library's size on
disk. Target (issue 5): < 20 ms per query at 10^6 spectra; 10^6 build within a few GB and ~2 minutes.
Prints a table; writes bench/results/spectra.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "spectra.json"
TARGET_MS = 20.0
_CHUNK = 100_000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_library(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR (indptr, bins uint16, values float32 scaled to 999), generated in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    indptr_parts, bins_parts, values_parts = [np.zeros(1, np.int64)], [], []
    total = 0
    for first in range(0, n, _CHUNK):
        m = min(_CHUNK, n - first)
        mass = rng.integers(120, 601, size=m)
        count = rng.integers(50, 151, size=m)
        rows = np.repeat(np.arange(m, dtype=np.int64), count)
        u = rng.random(rows.size)
        mz = 30 + np.floor((mass[rows] - 30 + 1) * u ** 1.6).astype(np.int64)
        keys = np.unique(rows * 1024 + mz)
        r, b = keys // 1024, (keys % 1024).astype(np.uint16)
        inten = np.exp(rng.normal(0.0, 1.4, size=keys.size))
        top = np.zeros(m)
        np.maximum.at(top, r, inten)
        vals = (inten / top[r] * 999.0).astype(np.float32)
        keep = vals >= 1.0
        r, b, vals = r[keep], b[keep], vals[keep]
        lengths = np.bincount(r, minlength=m)
        indptr_parts.append(total + np.cumsum(lengths))
        total += int(lengths.sum())
        bins_parts.append(b)
        values_parts.append(vals)
    return np.concatenate(indptr_parts), np.concatenate(bins_parts), np.concatenate(values_parts)


def replicate_queries(indptr: np.ndarray, bins: np.ndarray, values: np.ndarray, picks: np.ndarray,
                      seed: int) -> list:
    from crystal_palace.spectra.model import make_spectrum

    rng = np.random.default_rng(seed)
    queries = []
    for i in picks:
        lo, hi = int(indptr[i]), int(indptr[i + 1])
        mz = bins[lo:hi].astype(float)
        inten = values[lo:hi].astype(float) * np.exp(rng.normal(0, 0.25, size=hi - lo))
        keep = rng.random(hi - lo) > 0.10
        noise_mz = rng.integers(30, int(mz.max()) + 1, size=5).astype(float)
        noise_i = rng.uniform(1, 30, size=5)
        allmz = np.concatenate([mz[keep], noise_mz])
        alli = np.concatenate([inten[keep], noise_i])
        _, first = np.unique(allmz, return_index=True)
        queries.append(make_spectrum(allmz[first], alli[first], {"name": f"replicate of {i}"},
                                     record=f"query {i}"))
    return queries


def brute_numpy(library, query) -> np.ndarray:
    """Weighted cosine with every spectrum from raw CSR peaks (no index, weights on the fly)."""
    from crystal_palace.spectra.ei_search import prepare_query

    a = library.ei
    q = prepare_query(query, library.weighting, int(a["colptr"].size - 1))
    out = np.empty(library.count, dtype=np.float64)
    indptr = np.asarray(a["indptr"])
    for first in range(0, library.count, _CHUNK):
        last = min(library.count, first + _CHUNK)
        lo, hi = int(indptr[first]), int(indptr[last])
        b = np.asarray(a["bins"][lo:hi], dtype=np.int64)
        w = library.weighting.weights(b, a["values"][lo:hi])
        rows = np.repeat(np.arange(last - first), np.diff(indptr[first:last + 1]))
        dot = np.bincount(rows, w * q.dense_raw[b], minlength=last - first)
        norm = np.sqrt(np.bincount(rows, w * w, minlength=last - first) * q.norm2)
        out[first:last] = dot / np.where(norm > 0, norm, 1)
    return out


def sparse_matrix(library):
    import scipy.sparse as sp

    a = library.ei
    n_cols = int(a["colptr"].size - 1)
    return sp.csc_matrix((a["weights"], a["rows"], a["colptr"]), shape=(library.count, n_cols)).tocsr()


def brute_sparse(matrix, library, query) -> np.ndarray:
    from crystal_palace.spectra.ei_search import prepare_query

    q = prepare_query(query, library.weighting, matrix.shape[1])
    vector = (q.dense_raw[:matrix.shape[1]] / np.sqrt(q.norm2)).astype(np.float32)
    return matrix @ vector


def exact_columns(library) -> np.ndarray:
    """Every library peak's entropy-weighted probability, in the inverted index's (column) order."""
    from crystal_palace.spectra.weighting import entropy_probabilities

    a = library.ei
    indptr = np.asarray(a["indptr"])
    probs = np.empty(int(indptr[-1]), dtype=np.float32)
    for first in range(0, library.count, _CHUNK):
        last = min(library.count, first + _CHUNK)
        lo, hi = int(indptr[first]), int(indptr[last])
        seg = np.repeat(np.arange(last - first), np.diff(indptr[first:last + 1]))
        probs[lo:hi] = entropy_probabilities(np.asarray(a["values"][lo:hi], dtype=np.float64), seg, last - first)
    return probs[np.argsort(np.asarray(a["bins"]), kind="stable")]  # the index is sorted by (m/z, row)


def brute_exact(library, columns: np.ndarray, query) -> np.ndarray:
    """The entropy similarity of the query with every spectrum (only shared peaks contribute)."""
    from crystal_palace.spectra.ei_search import prepare_query

    a = library.ei
    colptr, rows = a["colptr"], a["rows"]
    q = prepare_query(query, library.weighting, int(colptr.size - 1))
    picked, terms = [], []
    for b in q.bins[q.bins < colptr.size - 1]:
        qb = float(q.dense_entropy[b])
        if qb > 0:
            lo, hi = int(colptr[b]), int(colptr[b + 1])
            x = columns[lo:hi].astype(np.float64)
            picked.append(rows[lo:hi])
            merged = (x + qb) * np.log(x + qb) - x * np.log(np.where(x > 0, x, 1.0)) - qb * np.log(qb)
            terms.append(merged / np.log(4))
    if not picked:
        return np.zeros(library.count)
    return np.bincount(np.concatenate(picked), np.concatenate(terms), minlength=library.count)


def timed(fn, *args, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        times.append((time.perf_counter() - t) * 1000)
    return result, times


def run_size(n: int, n_queries: int, n_brute: int, seed: int) -> dict:
    from crystal_palace.spectra.ei_search import search_ei
    from crystal_palace.spectra.library import SpectralLibrary, build_ei_from_arrays

    t0 = time.perf_counter()
    indptr, bins, values = synthetic_library(n, seed)
    t_gen = time.perf_counter() - t0
    rss_gen = rss_mb()
    names = [f"synthetic-{i}" for i in range(n)]
    t0 = time.perf_counter()
    info = build_ei_from_arrays(f"bench-{n}", indptr, bins, values, names, replace=True, source="synthetic")
    t_build = time.perf_counter() - t0
    rss_build = rss_mb()
    picks = np.random.default_rng(seed + 1).choice(n, size=n_queries, replace=False)
    queries = replicate_queries(indptr, bins, values, picks, seed + 2)
    nnz = int(indptr[-1])
    del indptr, bins, values, names
    library = SpectralLibrary(Path(info.path))
    disk = sum(f.stat().st_size for f in Path(info.path).iterdir())
    load_before = os.getloadavg()[0]
    search_ei(library, queries[0], top=10)  # warm the page cache and the lazily opened arrays
    indexed_ms, indexed_right, indexed_hits = [], 0, []
    for q, truth in zip(queries, picks, strict=True):
        hits, times = timed(lambda q=q: search_ei(library, q, top=10))
        indexed_ms.extend(times)
        indexed_right += bool(hits) and hits[0].index == truth
        indexed_hits.append([h.index for h in hits])
    rss_search = rss_mb()
    t0 = time.perf_counter()
    columns = exact_columns(library)
    t_exact_build = time.perf_counter() - t0
    exact_ms, exact_right, same_top1, exact_in_top10 = [], 0, 0, 0
    for q, truth, found in zip(queries, picks, indexed_hits, strict=True):
        scores, times = timed(brute_exact, library, columns, q)
        exact_ms.extend(times)
        best = int(np.argmax(scores))
        exact_right += best == truth
        same_top1 += bool(found) and found[0] == best
        exact_in_top10 += best in found
    del columns
    numpy_ms, numpy_right, sparse_ms, sparse_right, agree = [], 0, [], 0, 0
    t0 = time.perf_counter()
    matrix = sparse_matrix(library)
    t_sparse_build = time.perf_counter() - t0
    for q, truth in zip(queries[:n_brute], picks[:n_brute], strict=True):
        scores, times = timed(brute_numpy, library, q)
        numpy_ms.extend(times)
        numpy_right += int(np.argmax(scores)) == truth
        scores2, times2 = timed(brute_sparse, matrix, library, q)
        sparse_ms.extend(times2)
        sparse_right += int(np.argmax(scores2)) == truth
        hits = search_ei(library, q, top=10)
        agree += int(np.argmax(scores)) in {h.index for h in hits}
    rss_all = rss_mb()
    del matrix
    shutil.rmtree(info.path, ignore_errors=True)

    def stats(ms: list[float]) -> dict:
        return {"median_ms": round(float(np.median(ms)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
                "queries": len(ms)}

    return {"spectra": n, "peaks": nnz, "generate_s": round(t_gen, 1), "build_s": round(t_build, 1),
            "disk_mb": round(disk / 2**20), "rss_mb_after_generate": round(rss_gen), "rss_mb_after_build":
            round(rss_build), "rss_mb_after_search": round(rss_search), "rss_mb_after_baselines": round(rss_all),
            "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
            "indexed": {**stats(indexed_ms), "top1_right": indexed_right / len(queries)},
            "brute_exact": {**stats(exact_ms), "top1_right": exact_right / len(queries),
                            "columns_build_s": round(t_exact_build, 1)},
            "recall_vs_brute_exact": {"same_top1": same_top1 / len(queries),
                                      "exact_best_in_indexed_top10": exact_in_top10 / len(queries)},
            "brute_numpy": {**stats(numpy_ms), "top1_right": numpy_right / max(1, n_brute)},
            "brute_sparse": {**stats(sparse_ms), "top1_right": sparse_right / max(1, n_brute),
                             "matrix_build_s": round(t_sparse_build, 1)},
            "exhaustive_best_in_indexed_top10": agree / max(1, n_brute),
            "matchms": "skipped (not installed in .venv)"}


def accuracy() -> dict:
    sys.path.insert(0, str(HERE.parent / "tests" / "spectra"))
    import spectra_sets

    shared = HERE.parent.parent / "shared" / "data"
    if not shared.exists():
        return {"skipped": f"{shared} not found"}
    return {"fentanyl_ei_nist": spectra_sets.evaluate_ei(shared), "ei_methods": spectra_sets.compare_ei_methods(shared),
            "fentanyl_msms": spectra_sets.evaluate_msms(shared)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--brute-queries", type=int, default=None, help="default: 20 (5 at 10^6)")
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="cp-bench-spectra-")
    os.environ["CRYSTAL_PALACE_HOME"] = home  # never the user's real data home
    try:
        rows = []
        for n in args.sizes:
            brute = args.brute_queries or (5 if n >= 1_000_000 else 20)
            row = run_size(n, args.queries, brute, args.seed)
            rows.append(row)
            print(f"{n:>9,} spectra: built in {row['build_s']} s, {row['disk_mb']} MB on disk, indexed "
                  f"{row['indexed']['median_ms']} ms/query", file=sys.stderr, flush=True)
        result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "platform": platform.platform()}, "target_ms": TARGET_MS, "sizes": rows}
        if args.accuracy:
            result["accuracy"] = accuracy()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    header = (f"{'spectra':>9} {'peaks':>11} {'build s':>7} {'disk MB':>7} {'RSS MB':>7} {'load':>9} | "
              f"{'indexed ms':>10} {'p95':>6} {'top1':>5} | {'exact ms':>8} {'top1':>5} {'recall':>6} | "
              f"{'numpy ms':>9} {'top1':>5} | {'sparse ms':>9} {'top1':>5} | {'x numpy':>7} {'x sparse':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        ix, bn, bs, ex = r["indexed"], r["brute_numpy"], r["brute_sparse"], r["brute_exact"]
        load = r["load_average_1min"]
        print(f"{r['spectra']:>9,} {r['peaks']:>11,} {r['build_s']:>7} {r['disk_mb']:>7} "
              f"{r['rss_mb_after_build']:>7} {load['before']:>4}/{load['after']:<4} | "
              f"{ix['median_ms']:>10} {ix['p95_ms']:>6} {ix['top1_right']:>5.2f} | {ex['median_ms']:>8} "
              f"{ex['top1_right']:>5.2f} {r['recall_vs_brute_exact']['same_top1']:>6.2f} | "
              f"{bn['median_ms']:>9} {bn['top1_right']:>5.2f} | {bs['median_ms']:>9} {bs['top1_right']:>5.2f} | "
              f"{bn['median_ms'] / ix['median_ms']:>7.1f} {bs['median_ms'] / ix['median_ms']:>8.1f}")
    if "accuracy" in result:
        methods = result["accuracy"].get("ei_methods")
        if methods:
            sys.path.insert(0, str(HERE.parent / "tests" / "spectra"))
            import spectra_sets

            print("\nEI scores on fentanyl-ei-nist (broad = rotated + leave-one-out; the default is the best by "
                  "broad top-1, then mean rank):")
            print(spectra_sets.method_table(methods))
        print(json.dumps({k: v for k, v in result["accuracy"].items() if k != "ei_methods"}, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

"""Match two encoded sets: Dice scores on packed words, blocking, one-to-one assignment, a report.

The Dice coefficient of two filters is ``2 |A & B| / (|A| + |B|)``. Filters are rows of 64-bit words;
bits are counted a word at a time over a tile of pairs (one word column against another,
``np.bitwise_count``, add), so that the work stays in the CPU cache and memory stays bounded by the
tile, whatever the set sizes. Exact shortcuts keep the rate up:

* the kernel counts the Hamming distance ``H`` (``np.bitwise_xor``), since Dice = 1 - H / (|A| + |B|)
  and ``H`` only grows word by word: a pair whose distance so far exceeds ``(1 - t)(|A| + |B|)`` can be
  dropped, exactly. Once at most 2 % of a tile's pairs are left, they are finished by gathering their
  remaining words; unrelated filters are settled after a third or so of the words;
* balanced filters (every bit has a complementary partner) are compared on one bit of each pair
  (:func:`halve_balanced`, verified on every record), which halves the words to count;
* row tiles run on a thread pool (numpy releases the GIL), when ``workers > 1``.

For large sets, :func:`lsh_candidates` proposes pairs by Hamming locality-sensitive hashing (bit sampling,
Indyk and Motwani 1998): a band is ``r`` keyed-random bit positions, and two records are candidates when
they agree on every bit of at least one of ``b`` bands. Matching filters agree on about 90 % of bits, so
they share some band with high probability; unrelated ones agree on about 60 % and rarely do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.encoded import Bits, EncodedSet

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Assignment = Literal["greedy", "hungarian", "none"]


def popcounts(bits: Bits) -> npt.NDArray[np.int32]:
    """Set bits per row."""
    counts: npt.NDArray[np.int32] = np.bitwise_count(bits).sum(axis=1, dtype=np.int32)
    return counts


def dice_pairs(ia: Ints, ib: Ints, a: Bits, b: Bits, pa: npt.NDArray[np.int32] | None = None,
               pb: npt.NDArray[np.int32] | None = None, *, scale: int = 1, chunk: int = 65536) -> Floats:
    """Dice scores of the listed pairs ``(a[ia[i]], b[ib[i]])``, in chunks of ``chunk`` pairs.

    With halved balanced filters (:func:`halve_balanced`), pass the full filters' popcounts and
    ``scale=2``.
    """
    pa = popcounts(a) if pa is None else pa
    pb = popcounts(b) if pb is None else pb
    out = np.empty(len(ia), dtype=np.float64)
    for s in range(0, len(ia), chunk):
        x, y = ia[s:s + chunk], ib[s:s + chunk]
        distance = np.bitwise_count(a[x] ^ b[y]).sum(axis=1, dtype=np.int32)
        total = pa[x] + pb[y]
        out[s:s + chunk] = np.divide(total - scale * distance, total, out=np.zeros(len(x)), where=total > 0)
    return out


def score_pairs(ia: Ints, ib: Ints, a: Bits, b: Bits) -> Floats:
    """Dice scores of candidate pairs, on halved filters when they are balanced."""
    halves = halve_balanced(a, b)
    if halves is None:
        return dice_pairs(ia, ib, a, b)
    return dice_pairs(ia, ib, halves[0], halves[1], popcounts(a), popcounts(b), scale=2)


class _Tiler:
    """All-pairs Dice above a threshold, tile by tile, with the exact early drop described above.

    ``a`` and ``b`` are the filters the distance is counted on (possibly halved, see
    :func:`halve_balanced`); ``pa`` and ``pb`` are the popcounts of the full filters and ``scale`` how
    many full-filter bits one counted bit stands for, so that Dice = 1 - scale * H / (pa + pb).
    """

    def __init__(self, a: Bits, b: Bits, threshold: float, rows: int, cols: int, *,
                 pa: npt.NDArray[np.int32], pb: npt.NDArray[np.int32], scale: int = 1,
                 survivors: float = 0.02) -> None:
        if a.shape[1] != b.shape[1]:
            raise InvalidInput(f"filters of {a.shape[1] * 64} and {b.shape[1] * 64} bits cannot be compared",
                               field="bits")
        self.a, self.b, self.threshold, self.scale = a, b, threshold, scale
        self.rows, self.cols, self.survivors = rows, cols, survivors
        self.words = a.shape[1]
        self.bt = np.ascontiguousarray(b.T)  # word-major: one word of every b record is contiguous
        self.pa, self.pb = pa, pb
        self.checks = set(range(max(1, self.words // 8), self.words))
        self.learned = 0
        self.pa16, self.pb16 = pa.astype(np.uint16), pb.astype(np.uint16)
        totals = np.arange(int(pa.max(initial=0)) + int(pb.max(initial=0)) + 1, dtype=np.float64)
        # the largest distance that still reaches the threshold: scale * H <= (1 - t) * (pa + pb)
        self.hmax = np.floor(totals * (1.0 - threshold) / scale + 1e-9).astype(np.uint16)
        same = len(pa) and len(pb) and pa.min() == pa.max() and pb.min() == pb.max()
        # balanced filters all have the same weight: one bound for every pair, no table look-up
        self.constant = self.hmax[int(pa[0]) + int(pb[0])] if same else None

    def block(self, r0: int) -> tuple[Ints, Ints, Floats]:
        """Pairs above the threshold with ``a`` rows ``r0 .. r0 + rows``."""
        a, bt, t = self.a[r0:r0 + self.rows], self.bt, self.threshold
        nr = a.shape[0]
        tmp = np.empty((nr, self.cols), dtype=np.uint64)
        cnt = np.empty((nr, self.cols), dtype=np.uint8)
        acc = np.empty((nr, self.cols), dtype=np.uint16)
        found_a: list[Ints] = []
        found_b: list[Ints] = []
        scores: list[Floats] = []
        pa = self.pa[r0:r0 + nr]
        for c0 in range(0, bt.shape[1], self.cols):
            nc = min(self.cols, bt.shape[1] - c0)
            t_, c_, s_ = tmp[:, :nc], cnt[:, :nc], acc[:, :nc]
            s_[...] = 0
            hmax: Any = self.constant if self.constant is not None else \
                self.hmax[self.pa16[r0:r0 + nr, None] + self.pb16[None, c0:c0 + nc]]
            limit = self.survivors * nr * nc
            ri = ci = None
            w = 0
            while w < self.words:
                np.bitwise_xor(a[:, w, None], bt[w, None, c0:c0 + nc], out=t_)
                np.bitwise_count(t_, out=c_)
                np.add(s_, c_, out=s_)
                w += 1
                if w in self.checks and w >= self.learned:
                    alive = s_ <= hmax  # the distance only grows: a pair past hmax is settled
                    if np.count_nonzero(alive) <= limit:
                        ri, ci = np.nonzero(alive)
                        self.learned = w  # later tiles skip the checks that could not succeed here
                        break
            if ri is None or ci is None:
                ri, ci = np.nonzero(s_ <= hmax)
                distance = s_[ri, ci].astype(np.int32)
            else:
                rest = np.bitwise_count(a[ri, w:] ^ self.b[c0 + ci, w:]).sum(axis=1, dtype=np.int32)
                distance = s_[ri, ci].astype(np.int32) + rest
            tot = pa[ri] + self.pb[c0 + ci]
            score = np.divide(tot - self.scale * distance, tot, out=np.zeros(len(ri)), where=tot > 0)
            keep = score >= t - 1e-12
            found_a.append(ri[keep].astype(np.int64) + r0)
            found_b.append(ci[keep].astype(np.int64) + c0)
            scores.append(score[keep])
        return _join(found_a, found_b, scores)


def _column_partners(sample: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp] | None:
    """For each column, the column that is its exact negation in ``sample`` (None unless all pair up)."""
    keys = np.packbits(sample.T, axis=1)
    negated = np.packbits(~sample.T, axis=1)
    index: dict[bytes, int] = {}
    for p, key in enumerate(keys):
        if index.setdefault(key.tobytes(), p) != p:
            return None  # two equal columns: the pairing would be ambiguous
    partner = np.array([index.get(k.tobytes(), -1) for k in negated], dtype=np.intp)
    if (partner < 0).any() or (partner[partner] != np.arange(len(partner))).any():
        return None
    return partner


def halve_balanced(a: Bits, b: Bits, *, sample: int = 512, chunk: int = 8192) -> tuple[Bits, Bits] | None:
    """Balanced filters reduced to one bit of each complementary pair, or None when they are not balanced.

    A balanced filter is a filter joined with its complement and permuted: every bit has a partner that
    is its negation in every record. The pairing is read off a sample of records and then verified on
    every record of both sets, so the result is exact: the Hamming distance of two halves is half that
    of the full filters, and Dice = 1 - 2 H_half / (|A| + |B|). The matcher needs no key for this; it
    halves the words to compare.
    """
    from crystal_palace.exchange.encoded import pack_bits, unpack_bits

    nbits = a.shape[1] * 64
    if nbits % 128 or len(a) == 0 or len(b) == 0:
        return None
    if (popcounts(a) != nbits // 2).any() or (popcounts(b) != nbits // 2).any():
        return None
    rows = np.vstack([a[:sample], b[:sample]])
    partner = _column_partners(unpack_bits(rows, nbits))
    if partner is None:
        return None
    keep = np.nonzero(np.arange(nbits) < partner)[0]
    order = np.concatenate([keep, partner[keep]])  # one gather: kept bits, then their partners
    half = len(keep)
    halves = []
    for bits in (a, b):
        parts = []
        for s in range(0, len(bits), chunk):
            paired = np.take(unpack_bits(bits[s:s + chunk], nbits), order, axis=1)
            if not np.all(paired[:, :half] != paired[:, half:]):
                return None
            parts.append(pack_bits(paired[:, :half]))
        halves.append(np.vstack(parts))
    return halves[0], halves[1]


def _join(xs: list[Ints], ys: list[Ints], ss: list[Floats]) -> tuple[Ints, Ints, Floats]:
    if not xs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ss)


def dice_all_pairs(a: Bits, b: Bits, threshold: float, *, rows: int = 16, cols: int = 4096,
                   workers: int = 1, halve: bool = True) -> tuple[Ints, Ints, Floats]:
    """Every pair ``(i, j)`` with Dice(a[i], b[j]) >= threshold, and its score (exact).

    Balanced filters are compared on their halves (:func:`halve_balanced`) unless ``halve`` is false.
    """
    if a.shape[1] != b.shape[1]:
        raise InvalidInput(f"filters of {a.shape[1] * 64} and {b.shape[1] * 64} bits cannot be compared",
                           field="bits")
    pa, pb = popcounts(a), popcounts(b)
    halves = halve_balanced(a, b) if halve else None
    if halves is not None:
        tiler = _Tiler(halves[0], halves[1], threshold, rows, cols, pa=pa, pb=pb, scale=2)
    else:
        tiler = _Tiler(a, b, threshold, rows, cols, pa=pa, pb=pb)
    starts = range(0, a.shape[0], rows)
    if workers <= 1:
        parts = [tiler.block(r0) for r0 in starts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(tiler.block, starts))
    return _join([p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts])


@dataclass(frozen=True)
class LshBlocking:
    """Hamming-LSH bit sampling: ``bands`` bands of ``bits_per_band`` positions, drawn from ``seed``."""

    bands: int = 40
    bits_per_band: int = 20
    seed: int = 20240611
    max_bucket: int = 5000

    def band_positions(self, nbits: int) -> npt.NDArray[np.intp]:
        """The sampled positions, one row per band."""
        rng = np.random.default_rng(self.seed)
        return np.stack([rng.choice(nbits, self.bits_per_band, replace=False) for _ in range(self.bands)])


def _band_keys(bits: Bits, positions: npt.NDArray[np.intp]) -> Ints:
    """Each record's key in one band: its bits at ``positions``, packed into an integer."""
    words, offsets = positions // 64, (positions % 64).astype(np.uint64)
    sampled = (bits[:, words] >> offsets) & np.uint64(1)
    weights = np.uint64(1) << np.arange(len(positions), dtype=np.uint64)
    keys: Ints = (sampled * weights).sum(axis=1, dtype=np.uint64).astype(np.int64)
    return keys


def lsh_candidates(a: Bits, b: Bits, blocking: LshBlocking = LshBlocking()) -> tuple[Ints, Ints]:
    """Candidate pairs sharing at least one band key (deduplicated, sorted); huge buckets are skipped."""
    if blocking.bits_per_band > 62:
        raise InvalidInput("at most 62 bits per band", field="bits_per_band")
    positions = blocking.band_positions(a.shape[1] * 64)
    m = np.int64(b.shape[0])
    found: list[Ints] = []
    for band in positions:
        ka, kb = _band_keys(a, band), _band_keys(b, band)
        order = np.argsort(kb, kind="stable")
        kb_sorted = kb[order]
        lo = np.searchsorted(kb_sorted, ka, side="left")
        hi = np.searchsorted(kb_sorted, ka, side="right")
        size = hi - lo
        size[size > blocking.max_bucket] = 0  # a bucket that large is a degenerate key (e.g. empty records)
        rows = np.repeat(np.arange(len(ka), dtype=np.int64), size)
        starts = np.repeat(lo - np.cumsum(size) + size, size)
        idx = np.arange(len(rows), dtype=np.int64) + starts
        found.append(rows * m + order[idx].astype(np.int64))
    pairs = np.concatenate(found) if found else np.zeros(0, np.int64)
    pairs.sort()  # sort and drop repeats: much faster than np.unique's hashing on millions of codes
    if len(pairs):
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return pairs // m, pairs % m


def assign_one_to_one(ia: Ints, ib: Ints, scores: Floats, method: Assignment = "greedy") -> npt.NDArray[np.bool_]:
    """Which candidate pairs to keep so that each record is matched at most once.

    ``greedy`` accepts pairs by descending score (what anonlink does; near-optimal when matches are clear);
    ``hungarian`` maximises the total score per connected component of the candidate graph with
    :func:`scipy.optimize.linear_sum_assignment`; ``none`` keeps every pair.
    """
    keep = np.zeros(len(ia), dtype=bool)
    if method == "none":
        keep[:] = True
        return keep
    if method == "greedy":
        order = np.lexsort((ib, ia, -scores))
        used_a: set[int] = set()
        used_b: set[int] = set()
        for i in order.tolist():
            x, y = int(ia[i]), int(ib[i])
            if x not in used_a and y not in used_b:
                used_a.add(x)
                used_b.add(y)
                keep[i] = True
        return keep
    if method != "hungarian":
        raise InvalidInput(f"unknown assignment {method!r} (greedy, hungarian or none)", field="assignment")
    return _hungarian(ia, ib, scores)


def _hungarian(ia: Ints, ib: Ints, scores: Floats) -> npt.NDArray[np.bool_]:
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = np.zeros(len(ia), dtype=bool)
    if len(ia) == 0:
        return keep
    ua, xa = np.unique(ia, return_inverse=True)
    ub, xb = np.unique(ib, return_inverse=True)
    na = len(ua)
    graph = coo_matrix((np.ones(len(ia)), (xa, xb + na)), shape=(na + len(ub),) * 2)
    _, labels = connected_components(graph, directed=False)
    comp = labels[xa]
    for c in np.unique(comp):
        sel = np.nonzero(comp == c)[0]
        ra, rx = np.unique(xa[sel], return_inverse=True)
        rb, ry = np.unique(xb[sel], return_inverse=True)
        cost = np.full((len(ra), len(rb)), 0.0)
        cost[rx, ry] = -scores[sel] - 1.0  # any edge beats no edge
        r, s = linear_sum_assignment(cost)
        lookup = {(int(p), int(q)): int(e) for p, q, e in zip(rx, ry, sel, strict=True)}
        for p, q in zip(r.tolist(), s.tolist(), strict=True):
            e = lookup.get((p, q))
            if e is not None:
                keep[e] = True
    return keep


def token_hits(a: EncodedSet, b: EncodedSet) -> Iterator[tuple[int, int, str]]:
    """Pairs ``(i, j, field)`` whose exact keyed tokens are equal, by hash join per field."""
    for name, values in a.tokens.items():
        other: dict[str, list[int]] = {}
        for j, token in enumerate(b.tokens.get(name, [])):
            if token:
                other.setdefault(token, []).append(j)
        for i, token in enumerate(values):
            for j in other.get(token, ()) if token else ():
                yield i, j, name


@dataclass
class MatchReport:
    """What matched, with scores, and how: the parameters, counts and time of the run."""

    pairs: list[dict[str, Any]]
    threshold: float
    assignment: str
    blocking: dict[str, Any] | None
    compared: int
    candidates_above_threshold: int
    seconds: float
    schema_fingerprint: str
    token_matches: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (written by ``exchange match``)."""
        return {"threshold": self.threshold, "assignment": self.assignment, "blocking": self.blocking,
                "compared": self.compared, "candidates_above_threshold": self.candidates_above_threshold,
                "matched": len(self.pairs), "seconds": round(self.seconds, 4),
                "schema_fingerprint": self.schema_fingerprint, "pairs": self.pairs,
                "token_matches": self.token_matches}


def require_comparable(a: EncodedSet, b: EncodedSet) -> None:
    """Refuse sets made with different schemas or secrets: their scores would be meaningless."""
    if a.schema.fingerprint != b.schema.fingerprint:
        raise InvalidInput(f"the encodings use different schemas ({a.schema.fingerprint} and "
                           f"{b.schema.fingerprint})", field="schema")
    if a.secret_fingerprint and b.secret_fingerprint and a.secret_fingerprint != b.secret_fingerprint:
        raise InvalidInput(f"the encodings were made with different secrets ({a.secret_fingerprint} and "
                           f"{b.secret_fingerprint})", field="secret")


def match(a: EncodedSet, b: EncodedSet, *, threshold: float = 0.75, assignment: Assignment = "greedy",
          blocking: LshBlocking | None = None, workers: int = 1) -> MatchReport:
    """Match two encoded sets: candidate pairs (all, or by LSH), Dice above ``threshold``, one-to-one."""
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput(f"threshold {threshold} is not in (0, 1]", field="threshold")
    require_comparable(a, b)
    started = time.perf_counter()
    if blocking is None:
        ia, ib, scores = dice_all_pairs(a.bits, b.bits, threshold, workers=workers)
        compared = len(a) * len(b)
    else:
        ca, cb = lsh_candidates(a.bits, b.bits, blocking)
        all_scores = score_pairs(ca, cb, a.bits, b.bits)
        keep = all_scores >= threshold
        ia, ib, scores = ca[keep], cb[keep], all_scores[keep]
        compared = len(ca)
    chosen = assign_one_to_one(ia, ib, scores, assignment)
    shared: dict[tuple[int, int], list[str]] = {}
    token_list = []
    for i, j, name in token_hits(a, b):
        shared.setdefault((i, j), []).append(name)
        token_list.append({"a": a.pseudonyms[i], "b": b.pseudonyms[j], "field": name})
    pairs = [{"a": a.pseudonyms[x], "b": b.pseudonyms[y], "score": round(float(s), 4),
              "tokens": shared.get((int(x), int(y)), [])}
             for x, y, s in zip(ia[chosen].tolist(), ib[chosen].tolist(), scores[chosen].tolist(), strict=True)]
    pairs.sort(key=lambda p: -p["score"])
    return MatchReport(pairs, threshold, assignment,
                       None if blocking is None else {"method": "hamming-lsh", "bands": blocking.bands,
                                                      "bits_per_band": blocking.bits_per_band},
                       compared, len(ia), time.perf_counter() - started, a.schema.fingerprint, token_list)

"""Calibrate distances on known linked and unlinked pairs: ROC, threshold, likelihood ratio, verbal scale.

A distance alone means little to a court or a colleague. Pairs known to be linked (same seizure group,
same batch) and known to be unlinked give two score populations; from them come the ROC curve and its
AUC (how well the method separates them), a decision threshold, and for any new pair a likelihood
ratio LR = f(d | linked) / f(d | unlinked) from the two score densities, expressed on the verbal scale of
the ENFSI Guideline for Evaluative Reporting in Forensic Science (2015).

Densities are kernel estimates computed on a fine histogram (a binned Gaussian KDE, reflected at the
ends of the score range so no mass leaks past a distance of 0). Two safeguards keep LRs honest with few
linked pairs: each density is mixed with one pseudo-observation spread uniformly over the range (add-one
smoothing: no score is ever "impossible", so LRs stay finite and are bounded by the population sizes, in
the spirit of Vergeer et al. 2016's empirical bounds), and the log LR is made non-increasing in the
distance (a closer pair never gets a smaller LR) by a pool-adjacent-violators fit weighted by the number
of pairs expected in each bin, as PAV calibration does (Zadrozny and Elkan 2002; Brummer and du Preez
2006): a bump in a sparse tail, where both densities are tiny, weighs little and is pooled with its
neighbours.

Which pairs count as linked or unlinked is a :class:`PairRule`; its presets follow Popovic et al.'s four
population definitions (``group``, ``sized``, ``attributes``, ``strict``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crystal_palace.exceptions import InvalidInput

Array = NDArray[np.float64]
Index = NDArray[np.intp]
RuleName = Literal["group", "sized", "attributes", "strict"]
RULES: tuple[str, ...] = ("group", "sized", "attributes", "strict")


@dataclass(frozen=True)
class PairRule:
    """Which reference pairs are known linked, known unlinked, or left out.

    Linked: same ``group`` and, when ``same`` names columns, equal non-missing values in all of them; with
    ``linked_group_sizes`` both samples' groups must have that many samples. Unlinked: different groups
    and, with ``same``, every one of those columns different (a missing value never counts as equal);
    with ``unlinked_singletons`` both samples must be alone in their group.
    """

    name: str = "group"
    group: str = "group"
    same: tuple[str, ...] = ()
    linked_group_sizes: tuple[int, int] | None = None
    unlinked_singletons: bool = False

    @classmethod
    def named(cls, name: str, *, group: str = "group", same: Sequence[str] = (),
              group_sizes: tuple[int, int] = (2, 10)) -> PairRule:
        """A preset: ``group`` (R1), ``sized`` (R2), ``attributes`` (R3) or ``strict`` (R4, Popovic et al.)."""
        if name not in RULES:
            raise InvalidInput(f"unknown rule {name!r}; choose one of {', '.join(RULES)}", field="rule")
        if name in ("attributes", "strict") and not same:
            raise InvalidInput(f"the {name!r} rule needs the columns that must agree (same=...)", field="same")
        sized = name in ("sized", "strict")
        return cls(name=name, group=group, same=tuple(same) if name in ("attributes", "strict") else (),
                   linked_group_sizes=group_sizes if sized else None, unlinked_singletons=sized)

    def describe(self) -> str:
        """One line saying what the rule counts as linked and unlinked."""
        linked = f"same {self.group}" + "".join(f", same {c}" for c in self.same)
        if self.linked_group_sizes:
            linked += f", both from groups of {self.linked_group_sizes[0]} to {self.linked_group_sizes[1]}"
        unlinked = f"different {self.group}" + "".join(f", different {c}" for c in self.same)
        if self.unlinked_singletons:
            unlinked += ", both from single-sample groups"
        return f"{self.name}: linked = {linked}; unlinked = {unlinked}"


def _codes(values: pd.Series) -> NDArray[np.int64]:
    """Integer codes per distinct value, -1 for a missing value (so missing never equals anything)."""
    text = values.astype("string").str.strip()
    missing = text.isna() | (text == "")
    codes, _ = pd.factorize(text.where(~missing, None))
    return np.where(missing.to_numpy(), -1, codes).astype(np.int64)


@dataclass(frozen=True)
class PairLabeller:
    """Labels pairs of samples (by row position) under a :class:`PairRule`: 1 linked, 0 unlinked, -1 neither."""

    rule: PairRule
    groups: NDArray[np.int64]
    sizes: NDArray[np.int64]
    attributes: NDArray[np.int64]

    @classmethod
    def from_reference(cls, reference: pd.DataFrame | str | Path, ids: Sequence[str], rule: PairRule, *,
                       id_column: str | None = None) -> PairLabeller:
        """Read a reference table (DataFrame or CSV) holding each sample's group and the rule's columns."""
        source = str(reference) if isinstance(reference, str | Path) else "<reference>"
        if isinstance(reference, str | Path):
            if not Path(reference).is_file():
                raise InvalidInput("no such file", field="reference", record=source)
            reference = pd.read_csv(reference, dtype=str, keep_default_na=False)
        id_col = id_column or _reference_id_column(reference)
        for column in (id_col, rule.group, *rule.same):
            if column not in reference.columns:
                raise InvalidInput(f"no column {column!r}; the columns are {', '.join(map(str, reference.columns))}",
                                   field="reference", record=source)
        table = reference.assign(_id=reference[id_col].astype(str).str.strip())
        duplicated = table["_id"][table["_id"].duplicated()]
        if len(duplicated):
            raise InvalidInput("sample listed twice in the reference", field=id_col, record=str(duplicated.iloc[0]))
        table = table.set_index("_id")
        absent = [i for i in ids if i not in table.index]
        if absent:
            raise InvalidInput(f"sample not in the reference table ({len(absent)} missing in all)", field=id_col,
                               record=absent[0])
        table = table.loc[list(ids)]
        groups = _codes(table[rule.group])
        if (groups < 0).any():
            raise InvalidInput("sample without a group", field=rule.group, record=ids[int(np.argmax(groups < 0))])
        sizes = np.bincount(groups)[groups]
        attributes = (np.stack([_codes(table[c]) for c in rule.same], axis=1) if rule.same
                      else np.zeros((len(ids), 0), dtype=np.int64))
        return cls(rule, groups, sizes.astype(np.int64), attributes)

    @classmethod
    def from_groups(cls, groups: Sequence[str | None], rule: PairRule | None = None) -> PairLabeller:
        """Label by group alone (e.g. a ground-truth batch per sample); a missing group is its own group."""
        labels = [g if g is not None and str(g) != "" else f"\x00{n}" for n, g in enumerate(groups)]
        codes, _ = pd.factorize(pd.Series(labels, dtype=object))
        codes = codes.astype(np.int64)
        return cls(rule or PairRule(), codes, np.bincount(codes)[codes].astype(np.int64),
                   np.zeros((len(codes), 0), dtype=np.int64))

    def label(self, i: Index, j: Index) -> NDArray[np.int8]:
        """1 for linked, 0 for unlinked, -1 for pairs the rule leaves out."""
        same_group = self.groups[i] == self.groups[j]
        a, b = self.attributes[i], self.attributes[j]
        equal = (a == b) & (a >= 0)
        linked = same_group & equal.all(axis=1)
        unlinked = ~same_group & (~equal).all(axis=1)
        if self.rule.linked_group_sizes is not None:
            low, high = self.rule.linked_group_sizes
            sized = (self.sizes >= low) & (self.sizes <= high)
            linked &= sized[i] & sized[j]
        if self.rule.unlinked_singletons:
            single = self.sizes == 1
            unlinked &= single[i] & single[j]
        return np.where(linked, 1, np.where(unlinked, 0, -1)).astype(np.int8)

    def labelled_pairs(self, *, max_pairs: int = 2_000_000, max_unlinked: int = 500_000,
                       seed: int = 0) -> tuple[Index, Index, NDArray[np.int8], bool]:
        """The labelled pairs ``(i, j, label, sampled)``.

        All of them for small tables; else the linked pairs within groups and a seeded random sample of
        unlinked pairs (``sampled`` is then True).
        """
        n = len(self.groups)
        if n * (n - 1) // 2 <= max_pairs:
            i, j = np.triu_indices(n, 1)
            labels = self.label(i.astype(np.intp), j.astype(np.intp))
            keep = labels >= 0
            return i[keep].astype(np.intp), j[keep].astype(np.intp), labels[keep], False
        order = np.argsort(self.groups, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(self.groups[order]) != 0])
        bounds = np.r_[starts, n]
        within_i, within_j = [], []
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            if hi - lo > 1:
                a, b = np.triu_indices(int(hi - lo), 1)
                within_i.append(order[lo + a])
                within_j.append(order[lo + b])
        li = np.concatenate(within_i) if within_i else np.zeros(0, dtype=np.intp)
        lj = np.concatenate(within_j) if within_j else np.zeros(0, dtype=np.intp)
        rng = np.random.default_rng(seed)
        draw_i, draw_j = rng.integers(0, n, 2 * max_unlinked), rng.integers(0, n, 2 * max_unlinked)
        lo_, hi_ = np.minimum(draw_i, draw_j), np.maximum(draw_i, draw_j)
        pairs = np.unique(np.stack([lo_[lo_ < hi_], hi_[lo_ < hi_]], axis=1), axis=0)
        ui, uj = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
        u_labels = self.label(ui, uj)
        ui, uj = ui[u_labels == 0][:max_unlinked], uj[u_labels == 0][:max_unlinked]
        l_labels = self.label(li.astype(np.intp), lj.astype(np.intp))
        li, lj = li[l_labels == 1], lj[l_labels == 1]
        labels = np.r_[np.ones(len(li), dtype=np.int8), np.zeros(len(ui), dtype=np.int8)]
        return np.r_[li, ui].astype(np.intp), np.r_[lj, uj].astype(np.intp), labels, True


    def unlinked_total(self, *, draws: int = 1_000_000, seed: int = 1) -> float:
        """How many pairs the rule counts as unlinked in the whole table (not only in a sample of them).

        Counted exactly from the group sizes when the rule asks nothing of attribute columns (``group`` and
        ``sized``); else estimated from ``draws`` seeded random pairs (the share labelled unlinked times
        the number of pairs). A sample of unlinked pairs estimates the false-positive *rate* without bias,
        but a false-positive *count* (what F1 weighs against the linked pairs) needs this total.
        """
        n = len(self.groups)
        if not self.rule.same:
            if self.rule.unlinked_singletons:
                single = int(np.sum(self.sizes == 1))
                return float(single * (single - 1) // 2)
            within = np.bincount(self.groups).astype(np.int64)
            return float(n * (n - 1) // 2 - int((within * (within - 1) // 2).sum()))
        rng = np.random.default_rng(seed)
        i, j = rng.integers(0, n, draws), rng.integers(0, n, draws)
        distinct = i != j
        i, j = i[distinct].astype(np.intp), j[distinct].astype(np.intp)
        return float(np.mean(self.label(i, j) == 0) * (n * (n - 1) // 2)) if len(i) else 0.0


def _reference_id_column(frame: pd.DataFrame) -> str:
    lowered = {str(c).lower(): str(c) for c in frame.columns}
    for name in ("sample_id", "specimen", "sample", "id"):
        if name in lowered:
            return lowered[name]
    return str(frame.columns[0])


@dataclass(frozen=True)
class Roc:
    """An ROC curve of a distance ("linked when distance <= threshold") and its area."""

    thresholds: Array
    tpr: Array
    fpr: Array
    auc: float
    n_linked: int = 0
    n_unlinked: int = 0
    unlinked_total: float | None = None
    """Unlinked pairs in the whole population when ``n_unlinked`` are a random sample of them (else None)."""


def roc_curve(linked: Array, unlinked: Array) -> Roc:
    """The ROC curve and AUC; AUC = P(a linked pair is closer than an unlinked pair), ties counting half.

    Examples
    --------
    >>> roc_curve(np.array([0.1, 0.2]), np.array([0.15, 0.9, 1.0])).auc
    0.8333333333333334
    """
    linked, unlinked = np.sort(np.asarray(linked, float)), np.sort(np.asarray(unlinked, float))
    if len(linked) == 0 or len(unlinked) == 0:
        raise InvalidInput(f"an ROC needs linked and unlinked pairs; got {len(linked)} linked, "
                           f"{len(unlinked)} unlinked", field="reference")
    thresholds = np.unique(np.r_[linked, unlinked])
    tpr = np.searchsorted(linked, thresholds, side="right") / len(linked)
    fpr = np.searchsorted(unlinked, thresholds, side="right") / len(unlinked)
    return Roc(np.r_[-np.inf, thresholds], np.r_[0.0, tpr], np.r_[0.0, fpr], roc_auc(linked, unlinked),
               len(linked), len(unlinked))


def roc_points(roc: Roc, *, points: int = 101) -> list[dict[str, float | None]]:
    """The ROC curve thinned to about ``points`` points for a plot or a report (the first and last kept).

    A point is kept where the false-positive rate first reaches each step of an even grid, and where the
    true-positive rate does, so the steep start of a good curve is not lost.
    """
    if len(roc.fpr) <= points:
        keep = np.arange(len(roc.fpr))
    else:
        grid = np.linspace(0.0, 1.0, points)
        keep = np.unique(np.r_[0, np.searchsorted(roc.fpr, grid), np.searchsorted(roc.tpr, grid), len(roc.fpr) - 1])
        keep = keep[keep < len(roc.fpr)]
    return [{"fpr": float(roc.fpr[k]), "tpr": float(roc.tpr[k]),
             "threshold": float(roc.thresholds[k]) if np.isfinite(roc.thresholds[k]) else None} for k in keep]


def roc_auc(linked: Array, unlinked: Array) -> float:
    """The area under the ROC curve alone (Mann-Whitney U / (n_linked x n_unlinked)), without the curve."""
    if len(linked) == 0 or len(unlinked) == 0:
        raise InvalidInput(f"an ROC needs linked and unlinked pairs; got {len(linked)} linked, "
                           f"{len(unlinked)} unlinked", field="reference")
    ordered = np.sort(np.asarray(unlinked, float))
    linked = np.asarray(linked, float)
    above = np.searchsorted(ordered, linked, side="right")
    ties = above - np.searchsorted(ordered, linked, side="left")
    farther = len(ordered) - above
    return float((farther.sum() + 0.5 * ties.sum()) / (len(linked) * len(ordered)))


Criterion = Literal["youden", "f1"]
CRITERIA: tuple[str, ...] = ("youden", "f1")


def choose_threshold(roc: Roc, *, max_fpr: float | None = None, criterion: str = "youden"
                     ) -> tuple[float, float, float]:
    """``(threshold, tpr, fpr)``: the largest threshold with FPR <= ``max_fpr``, else the criterion's optimum.

    ``youden`` maximises TPR - FPR (Youden 1950), which ignores how many more unlinked than linked pairs
    there are; ``f1`` maximises the F1 score of the linked pairs at the reference's own proportions, which
    keeps false links few when unlinked pairs vastly outnumber linked ones (as in any large collection).
    When the unlinked pairs are a sample, each stands for ``unlinked_total / n_unlinked`` pairs of the
    population (:attr:`Roc.unlinked_total`), so F1 is taken at the population's proportions, not the
    sample's (which would let far too many false links through).
    """
    if max_fpr is not None:
        allowed = np.flatnonzero(roc.fpr <= max_fpr)
        k = int(allowed[-1])
    elif criterion == "f1":
        hits = roc.tpr * roc.n_linked
        unlinked = roc.unlinked_total if roc.unlinked_total is not None else roc.n_unlinked
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(hits > 0, 2 * hits / (hits + roc.fpr * unlinked + roc.n_linked), 0.0)
        k = int(np.argmax(f1))
    elif criterion == "youden":
        k = int(np.argmax(roc.tpr - roc.fpr))
    else:
        raise InvalidInput(f"unknown threshold criterion {criterion!r}; choose one of {', '.join(CRITERIA)}",
                           field="criterion")
    threshold = float(roc.thresholds[k]) if np.isfinite(roc.thresholds[k]) else 0.0
    return threshold, float(roc.tpr[k]), float(roc.fpr[k])


def _smoothed(scores: Array, edges: Array) -> Array:
    """Probability per bin from a binned Gaussian KDE, reflected at both ends, mixed with one uniform pseudo-count."""
    bins = len(edges) - 1
    width = edges[1] - edges[0]
    counts, _ = np.histogram(np.clip(scores, edges[0], edges[-1]), edges)
    n = len(scores)
    spread = float(np.std(scores))
    iqr = float(np.subtract(*np.percentile(scores, [75, 25]))) / 1.34 if n > 1 else 0.0
    scale = min(s for s in (spread, iqr) if s > 0) if (spread > 0 or iqr > 0) else width
    bandwidth = max(0.9 * scale * n ** -0.2, width)  # Silverman's rule, never narrower than a bin
    half = int(min(math.ceil(4 * bandwidth / width), bins))
    offsets = np.arange(-half, half + 1) * width
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2)
    padded = np.r_[counts[:half][::-1], counts, counts[bins - half:][::-1]].astype(float)
    density = np.convolve(padded, kernel / kernel.sum(), mode="same")[half:half + bins]
    density /= density.sum()
    return np.asarray((n * density + 1.0 / bins) / (n + 1), dtype=np.float64)


@dataclass(frozen=True)
class LikelihoodRatioModel:
    """LR as a function of the distance, on a grid of bin centres (interpolated in log10 between them)."""

    grid: Array
    log10_lr: Array

    def __call__(self, distances: Array | Sequence[float] | float) -> Array:
        """The likelihood ratio at each distance (the end values beyond the grid)."""
        return np.asarray(10.0 ** np.interp(np.asarray(distances, dtype=float), self.grid, self.log10_lr))

    @classmethod
    def fit(cls, linked: Array, unlinked: Array, *, bins: int = 400, lower: float = 0.0) -> LikelihoodRatioModel:
        """Fit the LR curve from linked and unlinked distances (see the module docstring)."""
        top = float(max(np.max(linked), np.max(unlinked)))
        upper = top * 1.05 if top > lower else lower + 1.0
        edges = np.linspace(lower, upper, bins + 1)
        p_linked = _smoothed(np.asarray(linked, float), edges)
        p_unlinked = _smoothed(np.asarray(unlinked, float), edges)
        log_ratio = np.log10(p_linked / p_unlinked)
        weights = p_linked * len(linked) + p_unlinked * len(unlinked)  # expected pairs per bin
        return cls((edges[:-1] + edges[1:]) / 2, _non_increasing(log_ratio, weights))


def _non_increasing(values: Array, weights: Array) -> Array:
    """Weighted least-squares non-increasing fit (pool adjacent violators).

    Examples
    --------
    >>> _non_increasing(np.array([3.0, 1.0, 2.0, 0.0]), np.ones(4)).tolist()
    [3.0, 1.5, 1.5, 0.0]
    """
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        means.append(value)
        totals.append(weight)
        sizes.append(1)
        while len(means) > 1 and means[-2] < means[-1]:
            weight_sum = totals[-2] + totals[-1]
            means[-2] = (means[-2] * totals[-2] + means[-1] * totals[-1]) / weight_sum
            totals[-2] = weight_sum
            sizes[-2] += sizes[-1]
            del means[-1], totals[-1], sizes[-1]
    return np.repeat(np.asarray(means), sizes).astype(np.float64)


ENFSI_SCALE: tuple[tuple[float, str], ...] = (
    (1e6, "extremely strong support"),
    (1e4, "very strong support"),
    (1e3, "strong support"),
    (1e2, "moderately strong support"),
    (1e1, "moderate support"),
    (1.0, "weak support"),
)
"""Lower LR bound of each verbal expression (ENFSI Guideline for Evaluative Reporting, 2015, table 2)."""


def verbal_scale(lr: float) -> str:
    """The ENFSI verbal expression of a likelihood ratio, for the linked (LR > 1) or unlinked (LR < 1) proposition.

    Examples
    --------
    >>> verbal_scale(250.0)
    'moderately strong support for the same source'
    >>> verbal_scale(0.05)
    'moderate support for different sources'
    """
    if not np.isfinite(lr) or lr <= 0:
        raise InvalidInput(f"a likelihood ratio must be a positive number, not {lr!r}", field="lr")
    if lr == 1.0:
        return "no support for either proposition"
    strength = lr if lr > 1 else 1.0 / lr
    words = next(w for bound, w in ENFSI_SCALE if strength > bound or (bound == 1.0 and strength >= bound))
    return _PHRASES[(words, lr > 1)]  # one string object per phrase: millions of linked pairs share them


_PHRASES = {(words, same): f"{words} for {'the same source' if same else 'different sources'}"
            for _, words in ENFSI_SCALE for same in (True, False)}


@dataclass(frozen=True)
class Calibration:
    """What a method's distances mean, learnt from known pairs: AUC, threshold and the LR curve."""

    method: dict[str, str]
    rule: str
    n_linked: int
    n_unlinked: int
    auc: float
    threshold: float
    tpr: float
    fpr: float
    lr_model: LikelihoodRatioModel
    sampled: bool = False
    features: tuple[str, ...] = ()
    """What the distances were computed on (a profile's target peaks), so a calibration is never applied
    to profiles of another target set."""
    roc: Roc | None = field(default=None, compare=False)

    def likelihood_ratio(self, distances: Array | Sequence[float] | float) -> Array:
        """The likelihood ratio of "same source" against "different sources" at each distance."""
        return self.lr_model(distances)

    def lr_at(self, distances: Sequence[float]) -> list[dict[str, Any]]:
        """LR and its verbal expression at given distances (for a report)."""
        return [{"distance": float(d), "lr": float(lr), "support": verbal_scale(float(lr))}
                for d, lr in zip(distances, self.likelihood_ratio(list(distances)), strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description, LR curve included, that :meth:`from_dict` reads back."""
        return {"method": dict(self.method), "features": list(self.features), "rule": self.rule,
                "n_linked": self.n_linked,
                "n_unlinked": self.n_unlinked, "sampled": self.sampled, "auc": self.auc,
                "threshold": self.threshold, "tpr": self.tpr, "fpr": self.fpr,
                "lr_curve": {"distance": self.lr_model.grid.tolist(), "log10_lr": self.lr_model.log10_lr.tolist()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Read back a calibration written by :meth:`to_dict` (e.g. a lab's saved calibration)."""
        try:
            curve = data["lr_curve"]
            model = LikelihoodRatioModel(np.asarray(curve["distance"], float), np.asarray(curve["log10_lr"], float))
            return cls(dict(data["method"]), str(data["rule"]), int(data["n_linked"]), int(data["n_unlinked"]),
                       float(data["auc"]), float(data["threshold"]), float(data["tpr"]), float(data["fpr"]),
                       model, bool(data.get("sampled", False)), tuple(str(f) for f in data.get("features", ())))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a calibration: {exc}", field="calibration") from None

    def save(self, path: str | Path) -> None:
        """Write the calibration as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        """Read a calibration saved by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not JSON: {exc}", field="calibration", record=str(path)) from None
        return cls.from_dict(data)


def calibrate(linked: Array, unlinked: Array, *, method: dict[str, str], rule: str = "group",
              max_fpr: float | None = None, criterion: str = "youden", sampled: bool = False,
              bins: int = 400, features: Sequence[str] = (), unlinked_total: float | None = None) -> Calibration:
    """Calibrate a method's distances from its linked and unlinked populations (at least 2 pairs of each).

    ``unlinked_total``: when ``unlinked`` is a random sample, the number of unlinked pairs in the whole
    population (:meth:`PairLabeller.unlinked_total`), so that the ``f1`` criterion counts false links at
    the population's proportions.
    """
    if len(linked) < 2 or len(unlinked) < 2:
        raise InvalidInput(f"calibration needs at least 2 linked and 2 unlinked pairs; the reference gives "
                           f"{len(linked)} linked and {len(unlinked)} unlinked under rule {rule!r}",
                           field="reference")
    roc = roc_curve(linked, unlinked)
    if unlinked_total is not None:
        roc = replace(roc, unlinked_total=float(unlinked_total))
    threshold, tpr, fpr = choose_threshold(roc, max_fpr=max_fpr, criterion=criterion)
    model = LikelihoodRatioModel.fit(linked, unlinked, bins=bins)
    return Calibration(method, rule, len(linked), len(unlinked), roc.auc, threshold, tpr, fpr, model, sampled,
                       tuple(features), roc)


def pair_f1(found: Sequence[tuple[str, str]], groups: dict[str, str | None]) -> dict[str, float | int]:
    """Precision, recall and F1 of found pairs against true groups (e.g. a demo data set's batches).

    Items whose group is None (or absent) belong to no group: every pair found with them is false.

    Examples
    --------
    >>> pair_f1([("a", "b"), ("a", "c")], {"a": "x", "b": "x", "c": "y", "d": "x"})
    {'found': 2, 'true': 3, 'true_positives': 1, 'precision': 0.5, 'recall': 0.3333333333333333, 'f1': 0.4}
    """
    pairs = {(a, b) if a < b else (b, a) for a, b in found if a != b}
    sizes: dict[str, int] = {}
    for group in groups.values():
        if group is not None:
            sizes[group] = sizes.get(group, 0) + 1
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    hits = sum(1 for a, b in pairs if groups.get(a) is not None and groups.get(a) == groups.get(b))
    precision = hits / len(pairs) if pairs else 0.0
    recall = hits / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"found": len(pairs), "true": true_pairs, "true_positives": hits, "precision": precision,
            "recall": recall, "f1": f1}

"""Link samples by chemical profile or by tablet features, calibrated on known linked and unlinked pairs.

``link_profiles`` runs the standard profiling pipeline (target peaks, normalisation, pretreatment,
distance), calibrates it on a reference of known groups when one is given (AUC, threshold, a likelihood
ratio per pair with its ENFSI verbal expression), and returns the pairs that the threshold links.
``compare_profile_methods`` scores every combination of normalisation, pretreatment and metric by ROC
AUC on the same reference, so the method is chosen from evidence, as Popovic et al. (2019) recommend.
``link_tablets`` does the same for tablet logos and physical features.

Every result converts to link records (``to_links``) in the store's ``links`` shape (type, from_id,
to_id, score, method, explanation), so linkage results can be stored and drawn in the network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.calibration import (
    Calibration,
    PairLabeller,
    PairRule,
    calibrate,
    roc_auc,
    roc_points,
    verbal_scale,
)
from crystal_palace.linkage.metrics import METRICS, close_pairs, iter_pair_blocks, metric_name, paired_distances
from crystal_palace.linkage.pretreatment import PRETREATMENTS, pretreat, pretreatment_name
from crystal_palace.linkage.profiles import (
    NORMALISATIONS,
    ProfileTable,
    normalise,
    profiles_from_tables,
    read_profiles,
)
from crystal_palace.linkage.tablets import (
    Tolerances,
    close_tablet_pairs,
    explain_pairs,
    read_tablets,
    tablet_distances,
)

DEFAULT_LIMIT = 10_000
"""Most pairs returned when no threshold applies (the closest first)."""


def _open(db: Any) -> Any:
    """A store from a URL or path (read-only for an existing DuckDB file), or the store object itself."""
    if hasattr(db, "read_table"):
        return db
    from crystal_palace.store.backend import open_store, parse_url

    dialect, location = parse_url(db)
    if dialect == "duckdb" and location != ":memory:" and not Path(location).is_file():
        raise InvalidInput("no such store", field="db", record=location)
    return open_store(db, init=False, read_only=dialect == "duckdb")


def read_store_profiles(db: Any, *, target_set: str | None = None) -> ProfileTable:
    """The profiles of one target set from a store (URL, path or open store) or generated demo data."""
    frames = getattr(db, "tables", None)
    if isinstance(frames, dict):  # crystal_palace.demo.generate(...) output
        return profiles_from_tables(frames["profiles"], frames["target_sets"], target_set=target_set,
                                    source="demo data")
    store = _open(db)
    try:
        return profiles_from_tables(store.read_table("profiles"), store.read_table("target_sets"),
                                    target_set=target_set, source=str(db))
    finally:
        if store is not db:
            store.close()


def read_store_tablets(db: Any) -> pd.DataFrame:
    """The tablets of a store (URL, path or open store) or of generated demo data, as a DataFrame."""
    frames = getattr(db, "tables", None)
    if isinstance(frames, dict):
        return frames["tablets"]
    store = _open(db)
    try:
        frame: pd.DataFrame = store.read_table("tablets")
        return frame
    finally:
        if store is not db:
            store.close()


def read_store_truth(db: Any, kind: str = "batch") -> pd.DataFrame:
    """Demo ground truth as a calibration reference, from a store or from generated demo data.

    For ``batch``: ``sample_id`` and ``group`` (the true batch); for ``press``: the tablet ``id`` and
    ``group`` (the true press of its sample), from the ``truth_samples`` table. A sample with no true
    batch (or a tablet with no recorded press) is its own group, so it counts only in unlinked pairs.
    """
    if kind not in ("batch", "press"):
        raise InvalidInput("kind is 'batch' (profiles) or 'press' (tablets)", field="kind", record=kind)
    frames = getattr(db, "truth", None)
    if isinstance(frames, dict):
        truth, tablets = frames["truth_samples"], getattr(db, "tables", {}).get("tablets")
    else:
        store = _open(db)
        try:
            truth = store.read_table("truth_samples", order_by="sample_id")
            tablets = store.read_table("tablets") if kind == "press" else None
        finally:
            if store is not db:
                store.close()
    if truth.empty:
        raise InvalidInput("the store holds no ground truth (truth_samples): it is not generated demo data",
                           field="truth", record=str(db))
    column = "batch_id" if kind == "batch" else "press_id"
    groups = {str(s): (str(g) if isinstance(g, str) and g else None)
              for s, g in zip(truth["sample_id"], truth[column], strict=True)}
    if kind == "batch":
        return pd.DataFrame({"sample_id": list(groups), "group": [g or f"alone:{s}" for s, g in groups.items()]})
    assert tablets is not None
    ids = [str(t) for t in tablets["id"]]
    presses = [groups.get(str(s)) if isinstance(s, str) else None for s in tablets["sample_id"]]
    return pd.DataFrame({"id": ids, "group": [p or f"alone:{t}" for t, p in zip(ids, presses, strict=True)]})


def _rule(rule: str | PairRule, group: str, same: Sequence[str]) -> PairRule:
    return rule if isinstance(rule, PairRule) else PairRule.named(rule, group=group, same=tuple(same))


def _calibration(calibration: Calibration | str | Path | dict[str, Any] | None) -> Calibration | None:
    if calibration is None or isinstance(calibration, Calibration):
        return calibration
    if isinstance(calibration, dict):
        return Calibration.from_dict(calibration)
    return Calibration.load(calibration)


@dataclass
class LinkageResult:
    """Linked pairs (closest first) with their distances and, when calibrated, likelihood ratios."""

    kind: str
    method: dict[str, str]
    n_items: int
    pairs: pd.DataFrame
    calibration: Calibration | None = None
    threshold: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary and the pairs (evidence included)."""
        pairs = json.loads(self.pairs.to_json(orient="records"))
        return {"kind": self.kind, "method": self.method, "items": self.n_items, "threshold": self.threshold,
                "calibration": _calibration_summary(self.calibration), "pairs": pairs, "groups": self.groups(),
                "notes": self.notes}

    def groups(self) -> list[list[str]]:
        """The linked items gathered into groups (connected components of the linked pairs), largest first.

        Linking is pairwise; a group is what an analyst reads as "one batch" or "one press" when A is
        linked to B and B to C. Items linked to nothing are not listed.
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        linked = self.pairs[self.pairs["linked"]] if len(self.pairs) else self.pairs
        ids = sorted(set(linked["a"]) | set(linked["b"])) if len(linked) else []
        if not ids:
            return []
        index = {item: k for k, item in enumerate(ids)}
        rows = [index[a] for a in linked["a"]]
        cols = [index[b] for b in linked["b"]]
        graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
        _, labels = connected_components(graph, directed=False)
        found: dict[int, list[str]] = {}
        for item, label in zip(ids, labels.tolist(), strict=True):
            found.setdefault(label, []).append(item)
        return sorted(found.values(), key=lambda g: (-len(g), g[0]))

    def to_links(self) -> list[dict[str, Any]]:
        """The linked pairs as records of the store's ``links`` table."""
        link_type = "same_batch" if self.kind == "profiles" else "same_press"
        method = f"{self.kind}:" + "-".join(self.method.values())
        links = []
        for row in self.pairs.itertuples(index=False):
            if not bool(getattr(row, "linked", True)):
                continue
            lr = getattr(row, "lr", None)
            explanation = {"distance": row.distance, "lr": lr, "support": getattr(row, "support", None),
                           "threshold": self.threshold, **({"features": row.evidence}
                                                            if hasattr(row, "evidence") else {})}
            links.append({"type": link_type, "from_id": row.a, "to_id": row.b,  # score: the LR, when calibrated
                          "score": float(lr) if lr is not None and not pd.isna(lr) else None,
                          "method": method, "explanation": json.dumps(explanation, default=str)})
        return links


def _calibration_summary(calibration: Calibration | None) -> dict[str, Any] | None:
    if calibration is None:
        return None
    summary = {k: v for k, v in calibration.to_dict().items() if k != "lr_curve"}
    linked_points = sorted({0.0, calibration.threshold / 2, calibration.threshold, calibration.threshold * 2})
    summary["lr_at"] = calibration.lr_at(linked_points)
    if calibration.roc is not None:
        summary["roc"] = roc_points(calibration.roc)
    return summary


def _prepare(table: pd.DataFrame | str | Path | ProfileTable, *, id_column: str | None,
             peaks: Sequence[str] | None, missing: str) -> ProfileTable:
    if isinstance(table, ProfileTable):
        return table
    return read_profiles(table, id_column=id_column, peaks=peaks, missing="zero" if missing == "zero" else "error")


def _collect(blocks: Any, threshold: float | None, limit: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gather pairs under the threshold (or the ``limit`` closest), block by block."""
    keep_i, keep_j, keep_d = [], [], []
    for i, j, d, *_ in blocks:
        mask = d <= threshold if threshold is not None else np.ones(len(d), dtype=bool)
        keep_i.append(i[mask])
        keep_j.append(j[mask])
        keep_d.append(d[mask])
        if limit is not None and sum(len(x) for x in keep_d) > 4 * limit:  # keep memory bounded
            ci, cj, cd = np.concatenate(keep_i), np.concatenate(keep_j), np.concatenate(keep_d)
            order = np.argsort(cd, kind="stable")[:limit]
            keep_i, keep_j, keep_d = [ci[order]], [cj[order]], [cd[order]]
    if not keep_d:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0)
    ci, cj, cd = np.concatenate(keep_i), np.concatenate(keep_j), np.concatenate(keep_d)
    order = np.argsort(cd, kind="stable")
    if limit is not None:
        order = order[:limit]
    return ci[order], cj[order], cd[order]


def link_profiles(table: pd.DataFrame | str | Path | ProfileTable, *, id_column: str | None = None,
                  peaks: Sequence[str] | None = None, missing: str = "error", normalisation: str = "sum",
                  pretreatment: str = "fourth_root", metric: str = "pearson",
                  reference: pd.DataFrame | str | Path | None = None, rule: str | PairRule = "group",
                  group: str = "group", same: Sequence[str] = (),
                  calibration: Calibration | str | Path | dict[str, Any] | None = None,
                  threshold: float | None = None, max_fpr: float | None = None, criterion: str = "youden",
                  limit: int | None = DEFAULT_LIMIT) -> LinkageResult:
    """Link samples whose chemical profiles are close: pairs, distances, likelihood ratios and verbal support.

    Parameters
    ----------
    table
        Profiles: a DataFrame or CSV (a sample id column and one column per peak), or a ``ProfileTable``.
    normalisation, pretreatment, metric
        The method (see :func:`compare_profile_methods` to choose it): ``sum``/``max``/``none``;
        ``none``/``sqrt``/``fourth_root``/``log1p``; ``pearson``/``cosine``/``canberra``/``euclidean``/
        ``manhattan``.
    reference, rule, group, same
        Known groups to calibrate on: a table with each sample's ``group`` (and the ``same`` columns for the
        ``attributes`` and ``strict`` rules); see :class:`~crystal_palace.linkage.calibration.PairRule`.
    calibration
        A saved calibration to apply instead (a :class:`Calibration`, its dict, or a JSON path).
    threshold
        Link pairs at most this far apart (default: the calibration's threshold; without either, the
        ``limit`` closest pairs are returned, none marked linked).
    max_fpr, criterion
        The calibrated threshold: the largest with at most ``max_fpr`` false positives when given, else the
        optimum of ``criterion`` (``youden``, the default, or ``f1``; see
        :func:`~crystal_palace.linkage.calibration.choose_threshold`).
    """
    method = {"normalisation": normalisation, "pretreatment": pretreatment_name(pretreatment),
              "metric": metric_name(metric)}
    profiles = _prepare(table, id_column=id_column, peaks=peaks, missing=missing)
    values = pretreat(normalise(profiles, normalisation).values, method["pretreatment"])  # type: ignore[arg-type]
    notes: list[str] = []
    fitted = _calibration(calibration)
    if fitted is not None and fitted.method != method:
        raise InvalidInput(f"the calibration was made for {fitted.method}, not {method}", field="calibration")
    if fitted is not None and fitted.features and fitted.features != profiles.peaks:
        raise InvalidInput(f"the calibration was made on the peaks {', '.join(fitted.features)}, not "
                           f"{', '.join(profiles.peaks)}", field="calibration")
    if reference is not None:
        if fitted is not None:
            raise InvalidInput("give a reference to calibrate on, or a saved calibration, not both",
                               field="calibration")
        labeller = PairLabeller.from_reference(reference, profiles.ids, _rule(rule, group, same))
        i, j, labels, sampled = labeller.labelled_pairs()
        d = paired_distances(values, i, j, method["metric"])
        fitted = calibrate(d[labels == 1], d[labels == 0], method=method, rule=labeller.rule.describe(),
                           max_fpr=max_fpr, criterion=criterion, sampled=sampled, features=profiles.peaks,
                           unlinked_total=labeller.unlinked_total() if sampled else None)
        if sampled:
            notes.append("unlinked reference pairs were a random sample (the table is large)")
    cut = threshold if threshold is not None else (fitted.threshold if fitted is not None else None)
    if cut is None:
        notes.append(f"no threshold and no calibration: the {limit} closest pairs are listed, none marked linked")
        ci, cj, cd = _collect(iter_pair_blocks(values, method["metric"]), None, limit)
    else:  # the same pairs as all pairs filtered at the threshold, screened by matrix products
        ci, cj, cd = close_pairs(values, method["metric"], cut)
    pairs = pd.DataFrame({"a": [profiles.ids[k] for k in ci], "b": [profiles.ids[k] for k in cj], "distance": cd})
    pairs["linked"] = cut is not None  # close_pairs keeps what is within the threshold (up to rounding)
    if fitted is not None:
        lrs = fitted.likelihood_ratio(cd) if len(cd) else np.zeros(0)
        pairs["lr"] = lrs
        pairs["support"] = [verbal_scale(float(x)) for x in lrs]
    return LinkageResult("profiles", method, len(profiles), pairs, fitted, cut, notes)


@dataclass
class MethodComparison:
    """ROC AUC of every combination of normalisation, pretreatment and metric on one reference."""

    rows: list[dict[str, Any]]
    rule: str
    n_linked: int
    n_unlinked: int

    @property
    def best(self) -> dict[str, Any]:
        """The combination with the highest AUC (the first listed among equals)."""
        return self.rows[0]

    def to_text(self) -> str:
        """A printable table, best first."""
        lines = [f"{self.rule}", f"{self.n_linked:,} linked and {self.n_unlinked:,} unlinked pairs",
                 f"{'rank':>4}  {'normalisation':<13} {'pretreatment':<12} {'metric':<10} {'AUC':>6}  "
                 f"{'TPR at FPR 1 %':>14}"]
        for rank, row in enumerate(self.rows, start=1):
            lines.append(f"{rank:>4}  {row['normalisation']:<13} {row['pretreatment']:<12} {row['metric']:<10} "
                         f"{row['auc']:.4f}  {row['tpr_at_1pct_fpr']:>14.3f}")
        best = self.best
        lines.append(f"best: {best['normalisation']} + {best['pretreatment']} + {best['metric']} "
                     f"(AUC {best['auc']:.4f})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"rule": self.rule, "n_linked": self.n_linked, "n_unlinked": self.n_unlinked, "best": self.best,
                "rows": self.rows}


def _tpr_at(linked: np.ndarray, unlinked: np.ndarray, fpr: float = 0.01) -> float:
    """The share of linked pairs found when at most ``fpr`` of the unlinked pairs are let through."""
    ordered = np.sort(unlinked)
    allowed = int(np.floor(fpr * len(ordered)))
    cut = ordered[allowed] if allowed < len(ordered) else np.inf
    return float(np.mean(linked < cut))


def compare_profile_methods(table: pd.DataFrame | str | Path | ProfileTable,
                            reference: pd.DataFrame | str | Path, *, id_column: str | None = None,
                            peaks: Sequence[str] | None = None, missing: str = "error",
                            rule: str | PairRule = "group", group: str = "group", same: Sequence[str] = (),
                            normalisations: Sequence[str] = NORMALISATIONS,
                            pretreatments: Sequence[str] = tuple(PRETREATMENTS),
                            metrics: Sequence[str] = METRICS) -> MethodComparison:
    """Score every method combination by ROC AUC on the reference's linked and unlinked pairs, best first.

    Ties keep the order normalisation, pretreatment, metric as listed, so the choice is deterministic.
    Each row also gives the true-positive rate at a 1 % false-positive rate (``tpr_at_1pct_fpr``), what
    matters when a large collection is searched.
    """
    profiles = _prepare(table, id_column=id_column, peaks=peaks, missing=missing)
    labeller = PairLabeller.from_reference(reference, profiles.ids, _rule(rule, group, same))
    i, j, labels, _ = labeller.labelled_pairs()
    linked, unlinked = labels == 1, labels == 0
    if linked.sum() < 1 or unlinked.sum() < 1:
        raise InvalidInput(f"the reference gives {int(linked.sum())} linked and {int(unlinked.sum())} unlinked "
                           f"pairs under {labeller.rule.describe()}; both are needed", field="reference")
    rows: list[dict[str, Any]] = []
    for norm, pre, met in product(normalisations, pretreatments, metrics):
        values = pretreat(normalise(profiles, norm).values, pre)  # type: ignore[arg-type]
        d = paired_distances(values, i, j, met)
        rows.append({"normalisation": norm, "pretreatment": pretreatment_name(pre), "metric": metric_name(met),
                     "auc": roc_auc(d[linked], d[unlinked]), "tpr_at_1pct_fpr": _tpr_at(d[linked], d[unlinked])})
    rows.sort(key=lambda r: -r["auc"])  # stable: ties keep the listed order
    return MethodComparison(rows, labeller.rule.describe(), int(linked.sum()), int(unlinked.sum()))


def link_tablets(table: pd.DataFrame | str | Path, *, id_column: str | None = None,
                 tolerances: Tolerances | None = None, reference: pd.DataFrame | str | Path | None = None,
                 rule: str | PairRule = "group", group: str = "group", same: Sequence[str] = (),
                 calibration: Calibration | str | Path | dict[str, Any] | None = None,
                 threshold: float | None = None, max_fpr: float | None = None, criterion: str = "youden",
                 limit: int | None = DEFAULT_LIMIT, evidence: bool = True) -> LinkageResult:
    """Link tablets that may come from the same press, with each pair's feature-by-feature evidence.

    Without a threshold or a calibration, the compatible pairs (same logo, measurements within tolerance,
    categories agreeing) are linked. With a reference of known groups (e.g. presses) the tablet distance
    is calibrated like a profile distance: AUC, threshold, likelihood ratio per pair. ``evidence=False``
    leaves out the per-feature evidence (about 1 kB per pair) when only the pairs are wanted.
    """
    tol = tolerances or Tolerances()
    tablets = read_tablets(table, id_column=id_column)
    method = {"features": "logo+physical"}
    notes: list[str] = []
    fitted = _calibration(calibration)
    if fitted is not None and fitted.method != method:
        raise InvalidInput(f"the calibration was made for {fitted.method}, not tablets", field="calibration")
    if reference is not None:
        if fitted is not None:
            raise InvalidInput("give a reference to calibrate on, or a saved calibration, not both",
                               field="calibration")
        labeller = PairLabeller.from_reference(reference, tablets.ids, _rule(rule, group, same))
        i, j, labels, sampled = labeller.labelled_pairs()
        d, _ = tablet_distances(tablets, i, j, tol)
        fitted = calibrate(d[labels == 1], d[labels == 0], method=method, rule=labeller.rule.describe(),
                           max_fpr=max_fpr, criterion=criterion, sampled=sampled,
                           unlinked_total=labeller.unlinked_total() if sampled else None)
    cut = threshold if threshold is not None else (fitted.threshold if fitted is not None else None)
    # blocked on logo and diameter: the same pairs as all pairs filtered, without comparing the rest
    ci, cj, cd = close_tablet_pairs(tablets, tol, cut)
    if cut is None:
        notes.append("no threshold and no calibration: compatible pairs are linked")
        if limit is not None:
            ci, cj, cd = ci[:limit], cj[:limit], cd[:limit]
    pairs = pd.DataFrame({"a": [tablets.ids[k] for k in ci], "b": [tablets.ids[k] for k in cj], "distance": cd})
    pairs["linked"] = True
    if fitted is not None:
        lrs = fitted.likelihood_ratio(cd) if len(cd) else np.zeros(0)
        pairs["lr"] = lrs
        pairs["support"] = [verbal_scale(float(x)) for x in lrs]
    if evidence:
        pairs["evidence"] = explain_pairs(tablets, ci, cj, tol)
    return LinkageResult("tablets", method, len(tablets), pairs, fitted, cut, notes)


def store_links(db: Any, links: Sequence[dict[str, Any]], *, country: str, agency: str,
                handling_code: str = "H2", source: str = "crystal-palace linkage") -> dict[str, int]:
    """Write link records (``LinkageResult.to_links()``) into a store, owned by ``country`` and ``agency``.

    A link's natural key is its type, ends and method, so linking again updates the stored link (a new
    score or explanation) instead of adding a second one. Returns the counts inserted, updated, unchanged.
    """
    import datetime as dt

    from crystal_palace.store.backend import open_store
    from crystal_palace.store.frames import record_frame
    from crystal_palace.store.ids import record_ids
    from crystal_palace.store.model import COUNTRY, HANDLING_CODES

    if not COUNTRY.match(country):
        raise InvalidInput("a country is its ISO 3166-1 alpha-2 code (PL, IT, NL...)", field="country",
                           record=country)
    if handling_code not in HANDLING_CODES:
        raise InvalidInput(f"choose one of {', '.join(HANDLING_CODES)}", field="handling_code", record=handling_code)
    if not agency.strip():
        raise InvalidInput("the agency that owns the links is required", field="agency")
    n = len(links)
    refs = [f"{link['type']}:{link['from_id']}:{link['to_id']}:{link['method']}" for link in links]
    now = np.full(n, np.datetime64(dt.datetime.now(dt.UTC).replace(tzinfo=None)), dtype="datetime64[ns]")
    frame = record_frame("links", {
        "id": record_ids("ln", [country] * n, [agency] * n, refs), "ref": refs, "country": country,
        "agency": agency, "source": source, "handling_code": handling_code, "created_at": now, "updated_at": now,
        **{column: [link[column] for link in links] for column in ("type", "from_id", "to_id", "score", "method",
                                                                   "explanation")}})
    store = db if hasattr(db, "write_frames") else open_store(db)
    try:
        report = store.write_frames({"links": frame}, actor=agency, action="link", target=source)
    finally:
        if store is not db:
            store.close()
    return {"inserted": report.inserted.get("links", 0), "updated": report.updated.get("links", 0),
            "unchanged": report.unchanged.get("links", 0)}

"""Benchmark profile and tablet linkage: the published GC-MS figures, and recovery of generated batches and presses.

    python bench/profiles.py                    # GC-MS data + generated data of 2,000 seizures
    python bench/profiles.py --seizures 10000   # larger generated data sets
    OPENBLAS_NUM_THREADS=1 python bench/profiles.py --pair-search 476190  # pair searches, before and after

1. ``../shared/data/impurity-profiles`` (GC-MS sheet): ROC AUC of every combination of normalisation,
   pretreatment and metric under the strict linked rule (R4 of SOURCE.md); the best combination and the
   published method (normalisation to the sum + fourth root + Pearson) side by side with the published
   AUC 0.980; the published method under the four population rules beside the figures SOURCE.md
   reproduces (0.583, 0.744, 0.901, 0.980); the calibrated threshold and likelihood ratios.
2. Generated data (``crystal_palace.demo.generate``): calibrate on one data set (seed 1), apply the
   calibration to another (seed 2), and score the linked pairs against the ground truth (batches for
   profiles, presses for tablets): precision, recall, F1 and the time taken.

Prints tables; writes bench/results/profiles.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "profiles.json"
DATA = HERE.parent.parent / "shared" / "data" / "impurity-profiles"
PUBLISHED_AUC = 0.980
SOURCE_RULE_AUC = {"group": 0.583, "sized": 0.744, "attributes": 0.901, "strict": 0.980}
STRICT = {"group": "Group", "same": ("PriR", "Pre", "PreR")}


def gcms() -> dict[str, Any]:
    from crystal_palace import compare_profile_methods, link_profiles

    started = time.perf_counter()
    comparison = compare_profile_methods(DATA / "gcms.csv", DATA / "lookup.csv", rule="strict", **STRICT)
    compare_seconds = time.perf_counter() - started
    print(comparison.to_text())
    best = comparison.best
    published = next(r for r in comparison.rows
                     if (r["normalisation"], r["pretreatment"], r["metric"]) == ("sum", "fourth_root", "pearson"))
    print(f"\n{'':<34} {'AUC':>7} {'published':>10} {'ratio':>7}")
    for label, row in (("best of the comparison", best), ("published method, reproduced", published)):
        print(f"{label:<34} {row['auc']:>7.4f} {PUBLISHED_AUC:>10.3f} {row['auc'] / PUBLISHED_AUC:>7.3f}")
    rules = {}
    print(f"\n{'rule (published method)':<24} {'linked':>7} {'unlinked':>9} {'AUC':>7} {'SOURCE.md':>10}")
    for rule, expected in SOURCE_RULE_AUC.items():
        result = compare_profile_methods(DATA / "gcms.csv", DATA / "lookup.csv", rule=rule, normalisations=("sum",),
                                         pretreatments=("fourth_root",), metrics=("pearson",), **STRICT)
        rules[rule] = {"auc": result.best["auc"], "source_md": expected, "n_linked": result.n_linked,
                       "n_unlinked": result.n_unlinked}
        print(f"{rule:<24} {result.n_linked:>7,} {result.n_unlinked:>9,} {result.best['auc']:>7.4f} {expected:>10.3f}")
    method = {k: best[k] for k in ("normalisation", "pretreatment", "metric")}
    calibrations = {}
    for label, options in (("youden", {}), ("f1", {"criterion": "f1"}), ("max_fpr_0.01", {"max_fpr": 0.01})):
        linked = link_profiles(DATA / "gcms.csv", reference=DATA / "lookup.csv", rule="strict", **STRICT, **method,
                               **options)
        summary = linked.to_dict()["calibration"]
        calibrations[label] = {**{k: summary[k] for k in ("auc", "threshold", "tpr", "fpr", "lr_at")},
                               "pairs_linked": int(linked.pairs["linked"].sum())}
    print(f"\n{'threshold by':<14} {'threshold':>9} {'TPR':>6} {'FPR':>7} {'linked pairs':>13}  LR at 0 / threshold")
    for label, c in calibrations.items():
        at = {round(p["distance"], 9): p for p in c["lr_at"]}
        zero, cut = at[0.0], at[round(c["threshold"], 9)]
        print(f"{label:<14} {c['threshold']:>9.4f} {c['tpr']:>6.3f} {c['fpr']:>7.4f} {c['pairs_linked']:>13,}  "
              f"{zero['lr']:.3g} ({zero['support']}) / {cut['lr']:.3g} ({cut['support']})")
    return {"comparison": comparison.to_dict(), "compare_seconds": compare_seconds, "best": best,
            "published_method": published, "published_auc": PUBLISHED_AUC, "ratio_best_to_published":
            best["auc"] / PUBLISHED_AUC, "rules": rules, "calibrations": calibrations}


def _truth(data: Any, column: str) -> dict[str, str | None]:
    truth = data.truth["truth_samples"]
    return {s: (v if isinstance(v, str) else None) for s, v in zip(truth["sample_id"], truth[column], strict=True)}


def generated(seizures: int) -> dict[str, Any]:
    from crystal_palace import compare_profile_methods, link_profiles, link_tablets
    from crystal_palace.demo import generate
    from crystal_palace.linkage.calibration import pair_f1
    from crystal_palace.workflows.linkage import read_store_profiles

    started = time.perf_counter()
    train, test = generate(seizures=seizures, seed=1), generate(seizures=seizures, seed=2)
    out: dict[str, Any] = {"seizures": seizures, "generate_seconds": time.perf_counter() - started, "profiles": {}}
    print(f"\ngenerated data, {seizures:,} seizures per set (calibrated on seed 1, scored on seed 2)")
    print(f"{'what':<28} {'items':>6} {'method':<28} {'AUC':>7} {'found':>7} {'true':>7} {'prec.':>6} "
          f"{'recall':>6} {'F1':>6} {'s':>6}")
    for target_set in sorted(set(train.tables["target_sets"]["name"])):
        profiles = read_store_profiles(train, target_set=target_set)
        batches = _truth(train, "batch_id")
        reference = pd.DataFrame({"sample_id": profiles.ids, "group": [batches[s] for s in profiles.ids]})
        best = compare_profile_methods(profiles, reference).best
        method = {k: best[k] for k in ("normalisation", "pretreatment", "metric")}
        for criterion in ("youden", "f1"):
            calibrated = link_profiles(profiles, reference=reference, criterion=criterion, **method)
            scored = read_store_profiles(test, target_set=target_set)
            started = time.perf_counter()
            applied = link_profiles(scored, calibration=calibrated.calibration, **method, limit=None)
            seconds = time.perf_counter() - started
            truth = {s: _truth(test, "batch_id")[s] for s in scored.ids}
            score = pair_f1(list(zip(applied.pairs.a, applied.pairs.b, strict=True)), truth)
            assert calibrated.calibration is not None
            label = f"{target_set} ({criterion})"
            out["profiles"][label] = {"method": method, "auc": calibrated.calibration.auc,
                                      "threshold": calibrated.threshold, "samples": len(scored), "seconds": seconds,
                                      **score}
            print(f"{label:<28} {len(scored):>6,} {'-'.join(method.values()):<28} {calibrated.calibration.auc:>7.4f} "
                  f"{score['found']:>7,} {score['true']:>7,} {score['precision']:>6.3f} {score['recall']:>6.3f} "
                  f"{score['f1']:>6.3f} {seconds:>6.2f}")

    def presses(data: Any) -> dict[str, str | None]:
        truth = _truth(data, "press_id")
        tablets = data.tables["tablets"]
        return {t: truth.get(s) for t, s in zip(tablets["id"], tablets["sample_id"], strict=True)}

    reference = pd.DataFrame({"id": train.tables["tablets"]["id"],
                              "group": [p or t for t, p in presses(train).items()]})
    calibrated = link_tablets(train.tables["tablets"], reference=reference)
    out["tablets"] = {}
    for label, options in (("tablets (compatible)", {}), ("tablets (calibrated)",
                                                           {"calibration": calibrated.calibration})):
        started = time.perf_counter()
        result = link_tablets(test.tables["tablets"], limit=None, **options)
        seconds = time.perf_counter() - started
        score = pair_f1(list(zip(result.pairs.a, result.pairs.b, strict=True)), presses(test))
        auc = calibrated.calibration.auc if options and calibrated.calibration else float("nan")
        out["tablets"][label] = {"tablets": len(test.tables["tablets"]), "seconds": seconds, "auc": auc, **score}
        print(f"{label:<28} {len(test.tables['tablets']):>6,} {'logo+physical':<28} {auc:>7.4f} {score['found']:>7,} "
              f"{score['true']:>7,} {score['precision']:>6.3f} {score['recall']:>6.3f} {score['f1']:>6.3f} "
              f"{seconds:>6.2f}")
    return out


def _rate(pairs: int, seconds: float) -> dict[str, float]:
    return {"pairs": pairs, "seconds": round(seconds, 2), "pairs_per_second": round(pairs / max(seconds, 1e-9))}


def pair_search(seizures: int, old_rows: int) -> dict[str, Any]:
    """Pairs within a threshold: all pairs compared (before) against the matrix-product and blocked searches.

    Profiles: the largest target set's profiles (sum, fourth root, Pearson) at a distance of 0.025 (about
    the calibrated threshold); tablets at a distance of 0.15. The all-pairs code runs on the first
    ``old_rows`` rows only (it is quadratic); its rate is pairs of that part per second.
    """
    from crystal_palace.demo import generate
    from crystal_palace.linkage.metrics import close_pairs, iter_pair_blocks
    from crystal_palace.linkage.pretreatment import pretreat
    from crystal_palace.linkage.profiles import normalise
    from crystal_palace.linkage.tablets import close_tablet_pairs, iter_tablet_blocks, read_tablets
    from crystal_palace.workflows.linkage import read_store_profiles

    data = generate(seizures=seizures, seed=1)
    names = data.tables["target_sets"]["name"].tolist()
    sets = {name: read_store_profiles(data, target_set=name) for name in names}
    name = max(sets, key=lambda k: len(sets[k]))
    values = pretreat(normalise(sets[name], "sum").values, "fourth_root")
    out: dict[str, Any] = {"seizures": seizures, "target_set": name, "profiles": len(values)}

    def old(blocks: Any, cut: float | None) -> int:
        return sum(int((d <= cut).sum()) for _, _, d, *_ in blocks)

    part = values[:old_rows]
    started = time.perf_counter()
    found = old(iter_pair_blocks(part, "pearson"), 0.025)
    out["profiles_all_pairs"] = {**_rate(len(part) * (len(part) - 1) // 2, time.perf_counter() - started),
                                 "rows": len(part), "within": found}
    started = time.perf_counter()
    i, _, _ = close_pairs(values, "pearson", 0.025)
    out["profiles_close_pairs"] = {**_rate(len(values) * (len(values) - 1) // 2, time.perf_counter() - started),
                                   "rows": len(values), "within": len(i)}
    tablets = read_tablets(data.tables["tablets"])
    out["tablets"] = len(tablets)
    subset = read_tablets(data.tables["tablets"].iloc[:old_rows])
    started = time.perf_counter()
    found = old(((i, j, d) for i, j, d, _ in iter_tablet_blocks(subset)), 0.15)
    out["tablets_all_pairs"] = {**_rate(len(subset) * (len(subset) - 1) // 2, time.perf_counter() - started),
                                "rows": len(subset), "within": found}
    started = time.perf_counter()
    i, _, _ = close_tablet_pairs(tablets, None, 0.15)
    out["tablets_blocked"] = {**_rate(len(tablets) * (len(tablets) - 1) // 2, time.perf_counter() - started),
                              "rows": len(tablets), "within": len(i)}
    for key in ("profiles_all_pairs", "profiles_close_pairs", "tablets_all_pairs", "tablets_blocked"):
        row = out[key]
        print(f"{key:<22} {row['rows']:>8,} rows  {row['seconds']:>8.1f} s  {row['pairs_per_second']:>14,} pairs/s  "
              f"{row['within']:>12,} within")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=2000, help="seizures per generated data set")
    parser.add_argument("--pair-search", type=int, default=0, metavar="SEIZURES",
                        help="only time the pair searches (all pairs against close_pairs and blocked tablets) on "
                             "generated data of this many seizures, kept beside the other results")
    parser.add_argument("--old-rows", type=int, default=20_000, help="rows the all-pairs code is timed on")
    args = parser.parse_args()
    from crystal_palace import __version__

    if args.pair_search:
        kept = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        kept["pair_search"] = pair_search(args.pair_search, args.old_rows)
        RESULTS.write_text(json.dumps(kept, indent=1, default=str) + "\n", encoding="utf-8")
        print(f"\nwrote {RESULTS}")
        return

    results: dict[str, Any] = {"version": __version__, "machine": platform.platform(),
                               "python": platform.python_version()}
    if (DATA / "gcms.csv").exists():
        results["gcms"] = gcms()
    else:
        print(f"skipped: {DATA} not found")
    results["generated"] = generated(args.seizures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()

"""Benchmark manifest screening: a 10,000-row manifest must screen in under one minute (issue 4).

    python bench/precursors.py              # 10,000 rows (bench/.cache/precursors-10000.csv, made once)
    python bench/precursors.py --n 2000     # fewer rows

The manifest is generated deterministically from the project's own data and tests/data: scheduled
precursors by CAS number and by name (with grades and concentrations), designer precursors by SMILES
(glycidate and alpha-phenylacetoacetate esters with 60 different alcohols, so the transformation
search runs on new structures), inorganic reagents, the ordinary chemicals of
tests/data/precursor_negatives.csv by CAS, name and SMILES, unknown product names (sent to OPSIN in one
batch when Java is present) and unreadable rows (bad CAS check digits, bad quantities). 150 consignees.

The time is wall-clock for ``screen_manifest`` in a fresh process, first with everything loaded on the
way (library, listings, precursor data, OPSIN's Java start) and then again warm, and also with the
CSV and HTML outputs written. Results go to bench/results/precursors.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "precursors.json"
TARGET_S = 60.0

ALCOHOLS = ["C", "CC", "CCC", "CC(C)", "CCCC", "CC(C)C", "CCC(C)", "CC(C)(C)", "CCCCC", "CCCCCC", "CCCCCCC",
            "CCCCCCCC", "C1CCCC1", "C1CCCCC1", "c1ccccc1C", "C=CC", "C#CC", "COCC", "CCOCC", "ClCC", "FCC",
            "CC(C)CC", "CCC(C)C", "CCCC(C)", "C1CC1C", "C1CCC1", "OCC", "NCC", "CSCC", "FC(F)(F)C"]
UNITS = ["kg", "kg", "kg", "g", "t", "L", "lb"]


def _negatives() -> list[dict[str, str]]:
    with (ROOT / "tests" / "data" / "precursor_negatives.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_manifest(n: int, path: Path) -> None:
    """Write a deterministic manifest of ``n`` rows to ``path``."""
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.precursors.knowledge import default_knowledge, scheduled_ids

    rng = random.Random(4)
    lib = default_library()
    scheduled = [lib.by_id[i] for i in sorted(scheduled_ids())]
    reagents = default_knowledge().reagents
    negatives = _negatives()
    designers = [f"{a}OC(=O)C1(C)OC1c1ccccc1" for a in ALCOHOLS] + \
                [f"{a}OC(=O)C(C(C)=O)c1ccc2OCOc2c1" for a in ALCOHOLS]
    consignees = [f"Company {i:03d}" for i in range(150)]
    rows = []
    for _ in range(n):
        kind = rng.random()
        product, cas, structure = "", "", ""
        if kind < 0.15:
            entry = rng.choice(scheduled)
            product = rng.choice([entry.name, *entry.synonyms]) + rng.choice(["", " technical", " 99%", " HCl"])
            cas = entry.cas[0] if entry.cas and rng.random() < 0.7 else ""
        elif kind < 0.25:
            product, structure = f"Intermediate {rng.randrange(60)}", rng.choice(designers)
        elif kind < 0.28:
            r = rng.choice(reagents)
            product, cas = r.name, r.cas
        elif kind < 0.88:
            neg = rng.choice(negatives)
            how = rng.random()
            product = neg["name"]
            cas = neg["cas"] if how < 0.6 else ""
            structure = neg["smiles"] if how > 0.9 else ""
        elif kind < 0.96:
            product = f"Proprietary blend {rng.randrange(200)}"
        else:
            product, cas = rng.choice(["Unlabelled drum", "Mystery powder"]), "12-34-5"
        quantity = f"{rng.uniform(0.1, 2000):.1f}" if rng.random() > 0.01 else "about ten"
        rows.append({"Product": product, "CAS No.": cas, "SMILES": structure, "HS code": "",
                     "Quantity": quantity, "Unit": rng.choice(UNITS), "Shipper": f"Supplier {rng.randrange(40)}",
                     "Consignee": rng.choice(consignees)})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    manifest = CACHE / f"precursors-{args.n}.csv"
    t0 = time.perf_counter()
    from crystal_palace import __version__
    from crystal_palace.chemistry.opsin import opsin_available
    from crystal_palace.workflows.precursors import _context, screen_manifest

    if not manifest.exists():
        make_manifest(args.n, manifest)
        t0 = time.perf_counter()  # generating the file (and loading the library for it) is not screening
        _context.cache_clear()
    cold = screen_manifest(manifest)
    cold_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    warm = screen_manifest(manifest, out=CACHE / "precursors-out.csv", html=CACHE / "precursors-report.html")
    warm_s = time.perf_counter() - t1
    totals = cold["totals"]
    unique = len({r["inchikey"] for r in cold["rows"] if r["inchikey"]})
    result = {
        "benchmark": "precursors", "version": __version__, "python": platform.python_version(),
        "machine": platform.machine(), "rows": totals["rows"], "distinct_structures": unique,
        "opsin": opsin_available(), "seconds_cold": round(cold_s, 2), "seconds_warm_with_outputs": round(warm_s, 2),
        "rows_per_second_cold": round(totals["rows"] / cold_s, 1), "target_seconds": TARGET_S,
        "ratio_to_target": round(cold_s / TARGET_S, 3), "by_risk": totals["by_risk"],
        "rows_with_errors": totals["rows_with_errors"],
        "same_result_warm": warm["totals"]["by_risk"] == totals["by_risk"],
    }
    print(f"{'measure':<38}{'value':>12}")
    for key in ("rows", "distinct_structures", "opsin", "seconds_cold", "seconds_warm_with_outputs",
                "rows_per_second_cold", "target_seconds", "ratio_to_target", "rows_with_errors"):
        print(f"{key:<38}{result[key]!s:>12}")
    print("by risk: " + ", ".join(f"{k} {v}" for k, v in totals["by_risk"].items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

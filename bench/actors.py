"""Benchmark actor resolution: FEBRL4 against the Splink reference, and 1,000,000 generated persons.

    python bench/actors.py                       # FEBRL4, then 1,000,000 generated person records
    python bench/actors.py --records 100000      # a smaller generated set
    python bench/actors.py --records 0           # FEBRL4 only

1. FEBRL4 (../shared/data/febrl, 5,000 x 5,000, ground truth in the record ids) linked with
   :func:`crystal_palace.link_actor_sets`, side by side with the reference figures of the data set's
   SOURCE.md (Splink 5 on DuckDB: 2.4 s, precision 1.000, recall 0.998, F1 0.999): time ratio and F1.
2. A generated set of person records (default 1,000,000), about two records per person, written the
   ways agencies write them (typos, nicknames, swapped names, missing or day/month-swapped birth dates,
   phone numbers in national and international forms, upper case), deduplicated end to end with
   :func:`crystal_palace.resolve_actors`'s pipeline on DuckDB. Blocking keeps only the rules under the
   pair budget (20 million pairs each), which is what lets a million records fit two cores and 24 GB.

Per stage: wall time and peak resident memory (the process's high-water mark, reset at each stage
through /proc/self/clear_refs, so each figure is the stage's own peak). Prints a table and writes
bench/results/actors.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "actors.json"
FEBRL = HERE.parents[1] / "shared" / "data" / "febrl"
REFERENCE = {"name": "Splink 5 on DuckDB (shared/data/febrl/SOURCE.md)", "seconds": 2.4, "precision": 1.000,
             "recall": 0.998, "f1": 0.999}

FIRST = ["jan", "piotr", "krzysztof", "tomasz", "pawel", "michal", "marcin", "jakub", "anna", "katarzyna",
         "malgorzata", "agnieszka", "barbara", "ewa", "giuseppe", "giovanni", "antonio", "mario", "luigi",
         "francesco", "salvatore", "maria", "giulia", "francesca", "johannes", "pieter", "cornelis", "willem",
         "hendrik", "jacobus", "sanne", "emma", "lotte", "aleksander", "oleksandr", "sergei", "dmitriy",
         "mikhail", "vladimir", "olga", "natalia", "irina", "marco", "luca", "andrea", "alessandro", "sofia",
         "daan", "bram", "sem", "lucas", "milan", "levi", "julia", "zofia", "hanna", "lena", "maja"]
NICK = {"jakub": "kuba", "tomasz": "tomek", "giuseppe": "beppe", "giovanni": "gianni", "johannes": "hans",
        "cornelis": "kees", "pieter": "piet", "willem": "wim", "hendrik": "henk", "aleksander": "olek",
        "salvatore": "toto", "francesco": "ciccio", "katarzyna": "kasia", "barbara": "basia", "anna": "ania"}
SYLLABLES = ["no", "wak", "kow", "al", "ski", "wis", "niew", "ros", "si", "bian", "chi", "es", "po", "si",
             "to", "jan", "sen", "de", "vries", "bak", "ker", "vis", "ser", "mel", "lo", "con", "ti", "ma",
             "rin", "gal", "li", "wo", "zniak", "ka", "min", "ska", "ber", "ga", "ri", "van", "dijk"]
CITIES = [f"city{i:03d}" for i in range(400)]


def peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not permitted: peaks then run from the start
        pass


class Stages:
    """Wall time and peak memory of consecutive stages."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.start = time.perf_counter()
        reset_peak()

    def end(self, name: str, **extra: Any) -> None:
        now = time.perf_counter()
        self.rows.append({"stage": name, "seconds": round(now - self.start, 2), "peak_rss_mb": round(peak_rss_mb()),
                          **extra})
        print(f"  {name:<28} {now - self.start:9.1f} s  {peak_rss_mb():9,.0f} MB", flush=True)
        self.start = time.perf_counter()
        reset_peak()


def scores(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    hit = len(predicted & truth)
    precision = hit / len(predicted) if predicted else 0.0
    recall = hit / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def bench_febrl() -> dict[str, Any] | None:
    from crystal_palace.workflows.actors import link_actor_sets

    if not (FEBRL / "dataset4a.csv").exists():
        print(f"FEBRL not found at {FEBRL}: skipped")
        return None
    start = time.perf_counter()
    result = link_actor_sets(FEBRL / "dataset4a.csv", FEBRL / "dataset4b.csv", names=("a", "b"))
    seconds = time.perf_counter() - start
    predicted = {(m.left.record_id, m.right.record_id) for m in result.matches}
    left = pd.read_csv(FEBRL / "dataset4a.csv", skipinitialspace=True, dtype=str)["rec_id"]
    right = set(pd.read_csv(FEBRL / "dataset4b.csv", skipinitialspace=True, dtype=str)["rec_id"])
    truth = {(r, r.replace("-org", "-dup-0")) for r in left if r.replace("-org", "-dup-0") in right}
    measured = {"seconds": round(seconds, 2), **scores(predicted, truth),
                "stage_seconds": result.models[0].timings}
    print(f"FEBRL4 5,000 x 5,000: {seconds:.1f} s, precision {measured['precision']:.4f} recall "
          f"{measured['recall']:.4f} F1 {measured['f1']:.4f}  (reference {REFERENCE['seconds']} s, F1 "
          f"{REFERENCE['f1']}; time ratio {seconds / REFERENCE['seconds']:.1f}x)")
    return {"crystal_palace": measured, "reference": REFERENCE,
            "time_ratio_vs_reference": round(seconds / REFERENCE["seconds"], 2)}


def generate_people(records: int, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """``records`` person records of about ``records / 2`` people, each written by up to four agencies."""
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    people = int(records / 2.1)
    surnames = sorted({"".join(prng.sample(SYLLABLES, k)) for k in (2, 3) for _ in range(4000)})
    first = np.array(FIRST, dtype=object)[rng.integers(0, len(FIRST), people)]
    last = np.array(surnames, dtype=object)[(rng.pareto(1.2, people) * 40).astype(int) % len(surnames)]
    born = (np.datetime64("1950-01-01") + rng.integers(0, 55 * 365, people).astype("timedelta64[D]")).astype(str)
    phone = rng.integers(500_000_000, 899_999_999, people)
    idnum = rng.integers(10**8, 10**9, people)
    city = np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), people)]
    copies = np.minimum(1 + rng.geometric(0.5, people), 4)
    copies[rng.random(people) < 0.35] = 1
    person = np.repeat(np.arange(people), copies)[:records]
    if person.size < records:
        person = np.concatenate([person, rng.integers(0, people, records - person.size)])
    rows: dict[str, list[Any]] = {k: [] for k in ("record_id", "first_name", "surname", "birth_date",
                                                   "phone", "id_number", "city", "country")}
    countries = ("PL", "IT", "NL")
    for i, p in enumerate(person.tolist()):
        f, s, b = first[p], last[p], born[p]
        r = prng.random()
        if r < 0.05 and f in NICK:
            f = NICK[f]
        elif r < 0.09 and len(f) > 3:
            j = prng.randrange(len(f) - 1)
            f = f[:j] + f[j + 1] + f[j] + f[j + 2:]
        if prng.random() < 0.06 and len(s) > 3:
            j = prng.randrange(len(s))
            s = s[:j] + s[j + 1:]
        if prng.random() < 0.02:
            f, s = s, f
        if prng.random() < 0.1:
            s = s.upper()
        r = prng.random()
        day = "" if r < 0.15 else (f"{b[:4]}-{b[8:10]}-{b[5:7]}" if r < 0.18 and int(b[8:10]) <= 12 else b)
        if day and prng.random() < 0.3:
            day = f"{day[8:10]}.{day[5:7]}.{day[:4]}"
        number = str(phone[p])
        form = prng.randrange(4)
        written = ("" if prng.random() < 0.4 else
                   (f"+48 {number[:3]} {number[3:6]} {number[6:]}", f"0048{number}", number, f"(48) {number}")[form])
        rows["record_id"].append(f"r{i:07d}")
        rows["first_name"].append(f.capitalize())
        rows["surname"].append(s.capitalize() if not s.isupper() else s)
        rows["birth_date"].append(day or None)
        rows["phone"].append(written or None)
        rows["id_number"].append(str(idnum[p]) if prng.random() < 0.4 else None)
        rows["city"].append(city[p] if prng.random() < 0.7 else None)
        rows["country"].append("PL" if form else countries[prng.randrange(3)])
    frame = pd.DataFrame(rows)
    return frame, dict(zip(frame["record_id"], person.tolist(), strict=True))


def bench_generated(records: int, seed: int, explain: bool) -> dict[str, Any]:
    from crystal_palace.linkage.actors import RunOptions, run_splink
    from crystal_palace.linkage.actors_backends import open_engine
    from crystal_palace.workflows.actors import _split_by_type

    print(f"{records:,} generated person records:")
    stages = Stages()
    frame, truth = generate_people(records, seed)
    stages.end("generate")
    prepared, _, _ = _split_by_type(frame, "generated", "person", None, None)
    part = prepared["person"]
    stages.end("normalise", problems=len(part.problems))
    engine = open_engine("duckdb")
    options = RunOptions(explain=explain, on_stage=lambda name: stages.end(
        {"register": "block + register", "explain": "explain + entities"}.get(name, name)))
    try:
        matches, entities, report = run_splink(engine, [("generated", part)], options)
    finally:
        engine.close()
    by_person: dict[int, list[str]] = {}
    for record_id, person in truth.items():
        by_person.setdefault(person, []).append(record_id)
    true_pairs = {p for ids in by_person.values() for p in itertools.combinations(sorted(ids), 2)}
    predicted = {p for e in entities for p in itertools.combinations(sorted(r.record_id for r in e.records), 2)}
    measured = scores(predicted, true_pairs)
    stages.end("evaluate")
    total = sum(r["seconds"] for r in stages.rows)
    print(f"  clusters: precision {measured['precision']:.4f} recall {measured['recall']:.4f} F1 {measured['f1']:.4f};"
          f" {len(matches):,} matched pairs, {len(entities):,} actors; total {total:,.0f} s")
    kept = [b for b in report.blocking if b["kept"]]
    print("  blocking kept: " + ", ".join(f"{b['rule']} ({b['pairs']:,})" for b in kept))
    return {"records": records, "people": len(by_person), "stages": stages.rows, "total_seconds": round(total, 1),
            "max_peak_rss_mb": max(r["peak_rss_mb"] for r in stages.rows), "clusters": measured,
            "matched_pairs": len(matches), "actors": len(entities), "blocking": report.blocking,
            "training": report.training, "explain": explain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="generated person records (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-explain", action="store_true", help="skip the per-pair explanations")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                                           "cpus": __import__("os").cpu_count()}}
    results["febrl4"] = bench_febrl()
    if args.records:
        results["generated"] = bench_generated(args.records, args.seed, not args.no_explain)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

"""Benchmark privacy-preserving matching against anonlink on the same encodings.

    python bench/exchange.py                  # 10k x 10k all pairs, 100k x 100k with blocking
    python bench/exchange.py --big 0          # skip the 100k run
    python bench/exchange.py --rounds 3       # best of 3 rounds per measurement

Data: a synthetic population (Zipf-distributed names, crystal_palace.exchange.population) and a copy of
it with one typing error per record; both encoded once with the default hardened schema (balanced,
2,048 bits) and with a plain 1,024-bit schema, cached in bench/.cache/exchange-*.npz.

Measured, on exactly the same packed filters and threshold:

* all pairs, 10k x 10k: Crystal Palace's ``dice_all_pairs`` (1 and 2 threads) against anonlink's
  ``find_candidate_pairs`` with ``dice_coefficient_accelerated`` (C++, one thread), in Dice comparisons
  per second -- per CPU second for one thread (the machine is shared: CPU time is what each engine
  actually spent), per wall second for two threads;
* blocking, 100k x 100k: Crystal Palace's Hamming-LSH candidates + ``dice_pairs`` against anonlink's
  ``find_candidate_pairs`` given the *same* blocks (a ``blocking_f`` returning our band keys); the rate
  counts the distinct candidate pairs per CPU second of blocking and scoring together.

anonlink runs in its own virtual environment, bench/.cache/anonlink-venv (created with
``python -m venv`` and ``pip install anonlink`` when missing), through a subprocess. Prints a table and
writes bench/results/exchange.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VENV = CACHE / "anonlink-venv"
RESULTS = HERE / "results" / "exchange.json"

ANONLINK_SCRIPT = r'''
import json, sys, time
import numpy as np
from bitarray import bitarray
import anonlink

args = json.loads(sys.argv[1])
data = np.load(args["npz"])
def to_bitarrays(words):
    out = []
    for row in words.astype("<u8").view(np.uint8):
        b = bitarray(endian="little"); b.frombytes(row.tobytes()); out.append(b)
    return out
a = to_bitarrays(data["a"][: args["n"]]); b = to_bitarrays(data["b"][: args["n"]])
blocking_f = None
if args.get("keys"):
    keys = np.load(args["keys"])
    ka, kb = keys["a"][: args["n"]], keys["b"][: args["n"]]
    def blocking_f(dataset, record, _):
        row = (ka if dataset == 0 else kb)[record]
        return [(band, int(key)) for band, key in enumerate(row.tolist())]
best = cpu_best = None
for _ in range(args["rounds"]):
    started, cpu = time.perf_counter(), time.process_time()
    found = anonlink.candidate_generation.find_candidate_pairs(
        [a, b], anonlink.similarities.dice_coefficient_accelerated, args["threshold"], blocking_f=blocking_f)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    best = elapsed if best is None else min(best, elapsed)
    cpu_best = cpu if cpu_best is None else min(cpu_best, cpu)
started = time.perf_counter()
solution = anonlink.solving.greedy_solve(found)
solve = time.perf_counter() - started
pairs = sorted((int(g[0][1]), int(g[1][1])) for g in solution if len(g) == 2)
print(json.dumps({"seconds": best, "cpu_seconds": cpu_best, "candidates": len(found[0]),
                  "solve_seconds": solve, "matched": len(pairs), "true": sum(i == j for i, j in pairs),
                  "version": anonlink.__version__}))
'''


def ensure_anonlink() -> Path | None:
    """The anonlink venv's python, created when missing; None when anonlink cannot be installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
    check = subprocess.run([str(python), "-c", "import anonlink"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "anonlink"], check=False)
        check = subprocess.run([str(python), "-c", "import anonlink"], capture_output=True)
    return python if check.returncode == 0 else None


def encodings(size: int, schema_name: str) -> Path:
    """Encode the population and its corrupted copy once; cache the packed words."""
    path = CACHE / f"exchange-{schema_name}-{size}.npz"
    if path.exists():
        return path
    from crystal_palace.exchange.clk import PERSON_SCHEMA, ClkEncoder
    from crystal_palace.exchange.keys import ExchangeSecret
    from crystal_palace.exchange.population import corrupt, population

    schema = PERSON_SCHEMA if schema_name == "hardened" else dataclasses.replace(
        PERSON_SCHEMA, balance=False, salt_field=None)
    people = population(size, seed=7)
    copies = corrupt(people, errors=1, seed=8)
    encoder = ClkEncoder(ExchangeSecret(b"bench-exchange-secret-0123456789"), schema)
    started = time.perf_counter()
    a = encoder.encode(people).bits
    b = encoder.encode(copies).bits
    print(f"encoded 2 x {size:,} records ({schema_name}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, a=a, b=b)
    return path


def run_anonlink(python: Path | None, npz: Path, n: int, threshold: float, rounds: int,
                 keys: Path | None = None) -> dict[str, Any] | None:
    if python is None:
        return None
    args = {"npz": str(npz), "n": n, "threshold": threshold, "rounds": rounds, "keys": str(keys) if keys else None}
    done = subprocess.run([str(python), "-c", ANONLINK_SCRIPT, json.dumps(args)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best_of(rounds: int, fn: Any) -> tuple[float, float, Any]:
    """Best wall and best CPU seconds of ``rounds`` calls, and the last result."""
    wall, cpu, value = float("inf"), float("inf"), None
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        value = fn()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - cpu_started)
    return wall, cpu, value


def row(case: str, engine: str, bits: int, pairs: int, wall: float, cpu: float, threads: int,
        **extra: Any) -> dict[str, Any]:
    """One result; the rate is per CPU second for one thread (fair on a shared machine), per wall second
    for several threads."""
    seconds = cpu if threads == 1 else wall
    return {"case": case, "engine": engine, "bits": bits, "pairs": pairs, "wall_seconds": wall,
            "cpu_seconds": cpu, "threads": threads, "rate": pairs / seconds, **extra}


def all_pairs(npz: Path, n: int, threshold: float, rounds: int, python: Path | None,
              label: str) -> list[dict[str, Any]]:
    from crystal_palace.exchange.match import assign_one_to_one, dice_all_pairs

    data = np.load(npz)
    a, b = data["a"][:n], data["b"][:n]
    case, bits = f"{label} all pairs {n:,}x{n:,}", a.shape[1] * 64
    rows = []
    for workers in (1, 2):
        wall, cpu, (ia, ib, s) = best_of(rounds, lambda w=workers: dice_all_pairs(a, b, threshold, workers=w))
        keep = assign_one_to_one(ia, ib, s)
        rows.append(row(case, f"crystal-palace ({workers} thread{'s' if workers > 1 else ''})", bits, n * n, wall,
                        cpu, workers, candidates=len(ia), matched=int(keep.sum()),
                        true=int((ia[keep] == ib[keep]).sum())))
    other = run_anonlink(python, npz, n, threshold, rounds)
    if other is not None:
        rows.append(row(case, f"anonlink {other['version']} (1 thread)", bits, n * n, other["seconds"],
                        other["cpu_seconds"], 1, candidates=other["candidates"], matched=other["matched"],
                        true=other["true"]))
    return rows


def blocked(npz: Path, n: int, threshold: float, rounds: int, python: Path | None) -> list[dict[str, Any]]:
    from crystal_palace.exchange.match import LshBlocking, _band_keys, assign_one_to_one, lsh_candidates, score_pairs

    data = np.load(npz)
    a, b = data["a"][:n], data["b"][:n]
    blocking = LshBlocking()
    case, bits = f"blocked {n:,}x{n:,}", a.shape[1] * 64
    wall, cpu, (ca, cb) = best_of(1, lambda: lsh_candidates(a, b, blocking))
    score_wall, score_cpu, scores = best_of(rounds, lambda: score_pairs(ca, cb, a, b))
    above = scores >= threshold
    keep = assign_one_to_one(ca[above], cb[above], scores[above])
    rows = [row(case, "crystal-palace (LSH + Dice, 1 thread)", bits, len(ca), wall + score_wall, cpu + score_cpu, 1,
                blocking_cpu_seconds=cpu, scoring_cpu_seconds=score_cpu, candidates=int(above.sum()),
                matched=int(keep.sum()), true=int((ca[above][keep] == cb[above][keep]).sum()),
                blocking_recall=int((ca == cb).sum()) / n, reduction=1 - len(ca) / (n * n))]
    positions = blocking.band_positions(a.shape[1] * 64)
    keys = CACHE / f"exchange-keys-{n}.npz"
    np.savez(keys, a=np.stack([_band_keys(a, p) for p in positions], axis=1),
             b=np.stack([_band_keys(b, p) for p in positions], axis=1))
    other = run_anonlink(python, npz, n, threshold, 1, keys)
    if other is not None:
        rows.append(row(case, f"anonlink {other['version']} (same blocks)", bits, len(ca), other["seconds"],
                        other["cpu_seconds"], 1, candidates=other["candidates"], matched=other["matched"],
                        true=other["true"]))
    return rows


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Our rate over anonlink's per case: CPU against CPU for one thread, wall against wall for two."""
    out = {}
    for case in dict.fromkeys(r["case"] for r in rows):
        theirs = [r for r in rows if r["case"] == case and r["engine"].startswith("anonlink")]
        if not theirs:
            continue
        for mine in (r for r in rows if r["case"] == case and r["engine"].startswith("crystal")):
            if mine["threads"] == 1:
                out[f"{case} / {mine['engine']} (CPU)"] = theirs[0]["cpu_seconds"] / mine["cpu_seconds"]
            else:
                out[f"{case} / {mine['engine']} (wall)"] = theirs[0]["wall_seconds"] / mine["wall_seconds"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records per side, all pairs")
    parser.add_argument("--big", type=int, default=100_000, help="records per side with blocking (0: skip)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per measurement (best is kept)")
    parser.add_argument("--threshold", type=float, default=0.8, help="Dice threshold for every engine")
    args = parser.parse_args()

    python = ensure_anonlink()
    if python is None:
        print("anonlink could not be installed in bench/.cache/anonlink-venv: comparing against nothing",
              file=sys.stderr)
    size = max(args.n, args.big)
    rows = []
    for schema_name in ("hardened", "plain"):
        rows += all_pairs(encodings(size, schema_name), args.n, args.threshold, args.rounds, python, schema_name)
    if args.big:
        rows += blocked(encodings(size, "hardened"), args.big, args.threshold, 1, python)

    print(f"{'case':32} {'engine':38} {'bits':>5} {'pairs':>15} {'cpu s':>7} {'wall s':>7} {'M pairs/s':>10} "
          f"{'matched':>8} {'true':>7}")
    for r in rows:
        print(f"{r['case']:32} {r['engine']:38} {r['bits']:>5} {r['pairs']:>15,} {r['cpu_seconds']:>7.2f} "
              f"{r['wall_seconds']:>7.2f} {r['rate'] / 1e6:>10.1f} {r['matched']:>8,} {r['true']:>7,}")
    found = ratios(rows)
    for key, value in found.items():
        print(f"rate ratio vs anonlink, {key}: {value:.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                   "python": platform.python_version(), "numpy": np.__version__,
                                   "threshold": args.threshold, "rows": rows, "ratios": found}, indent=1))
    print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()

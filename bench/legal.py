"""Benchmark what legal status (every jurisdiction) adds to screen-equivalent work per structure, in one run.

    python bench/legal.py               # the first 3,000 structures of bench/.cache/screen-10000.smi
    python bench/legal.py --n 10000     # all of them
    python bench/legal.py --rounds 3    # more rounds (the best round of each measurement is reported)

The input is bench/screen.py's deterministic NPS-like file (generated when missing). Screen-equivalent
work is ``identify_many(smiles, input_types=["smiles"] * n, explain=False, legal=False)`` (what a screen
worker does per record); with legal status it is the same call with ``legal=True`` (all jurisdictions,
today). Both are timed in CPU seconds of this process, alternately, ``--rounds`` times each; the legal
caches are emptied before every round (a screen starts cold). The added time per structure, and its ratio
to the screen time, is the acceptance figure of the legal issue: at most 50 %.

Also measured, with ``legal_status`` alone on the identified structures: the cost of each jurisdiction
asked alone, and of all jurisdictions on the distinct structures only (the input repeats substances,
as seizure batches do; a structure met before is answered from memory). Prints a table; writes
bench/results/legal.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results" / "legal.json"
TARGET_RATIO = 0.50


def _cpu(fn: Any) -> float:
    """CPU seconds of this process spent in ``fn()`` (garbage collected first, so rounds start alike)."""
    gc.collect()
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="structures (from the start of the input)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each measurement")
    parser.add_argument("--size", type=int, default=10_000, help="input file: bench/.cache/screen-SIZE.smi")
    args = parser.parse_args()

    from rdkit import Chem, RDLogger

    from screen import input_file  # bench/screen.py: the same deterministic input

    RDLogger.DisableLog("rdApp.*")
    from crystal_palace import __version__
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.legal.engine import forget_answers, legal_index, legal_status
    from crystal_palace.workflows.identify import identify_many

    path = input_file(max(args.size, args.n))
    smiles = [line.split(None, 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    smiles = smiles[: args.n]
    n = len(smiles)
    types = ["smiles"] * n
    # loading (library, rules, listings) is not per-structure work: done before timing
    default_library()
    index = legal_index()
    identify_many(["CNC(C)Cc1ccccc1", "c1ccccc1"], input_types=["smiles"] * 2, explain=False, legal=True)

    screen_s: list[float] = []
    legal_s: list[float] = []
    for _ in range(args.rounds):
        forget_answers()
        screen_s.append(_cpu(lambda: identify_many(smiles, input_types=types, explain=False, legal=False)))
        forget_answers()
        legal_s.append(_cpu(lambda: identify_many(smiles, input_types=types, explain=False, legal=True)))
    screen_ms = 1000 * min(screen_s) / n
    with_legal_ms = 1000 * min(legal_s) / n
    added_ms = with_legal_ms - screen_ms

    # legal_status alone, on the identified structures: per jurisdiction, and on distinct structures
    results = identify_many(smiles, input_types=types, explain=False, legal=False)
    done = [(r.mol, r.identity["id"] if r.identity else None) for r in results if r.mol is not None]
    today = None
    alone: dict[str, float] = {}
    for code in ("ALL", *index.order):
        codes = None if code == "ALL" else [code]
        best = float("inf")
        for _ in range(args.rounds):
            forget_answers()
            mols = [(Chem.Mol(m), sid) for m, sid in done]
            best = min(best, _cpu(lambda mols=mols, codes=codes: [
                legal_status(m, sid, as_of=today, jurisdictions=codes) for m, sid in mols]))
        alone[code] = 1000 * best / len(done)
    distinct: dict[str, tuple[Any, Any]] = {}
    for m, sid in done:
        distinct.setdefault(Chem.MolToSmiles(m), (m, sid))
    best = float("inf")
    for _ in range(args.rounds):
        forget_answers()
        mols = [(Chem.Mol(m), sid) for m, sid in distinct.values()]
        best = min(best, _cpu(lambda mols=mols: [legal_status(m, sid) for m, sid in mols]))
    distinct_ms = 1000 * best / len(distinct)

    ratio = added_ms / screen_ms
    report = {
        "benchmark": "legal", "version": __version__, "rdkit": Chem.rdBase.rdkitVersion,
        "python": platform.python_version(), "input": str(path), "structures": n,
        "identified_structures": len(done), "distinct_structures": len(distinct), "rounds": args.rounds,
        "screen_cpu_ms_per_structure": round(screen_ms, 4),
        "screen_with_legal_cpu_ms_per_structure": round(with_legal_ms, 4),
        "legal_added_cpu_ms_per_structure": round(added_ms, 4),
        "ratio_legal_added_to_screen": round(ratio, 3), "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
        "legal_status_cpu_ms_per_structure": {k: round(v, 4) for k, v in alone.items()},
        "legal_status_all_jurisdictions_distinct_structures_cpu_ms": round(distinct_ms, 4),
        "rounds_cpu_s": {"screen": [round(s, 3) for s in screen_s],
                         "screen_with_legal": [round(s, 3) for s in legal_s]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(f"{n:,} structures ({len(done):,} identified, {len(distinct):,} distinct) from {path.name}, "
          f"CPU time, best of {args.rounds} rounds")
    print(f"  screen (identify, legal=False)          {screen_ms:8.3f} ms/structure")
    print(f"  screen with legal status (legal=True)    {with_legal_ms:8.3f} ms/structure")
    print(f"  legal status added                       {added_ms:8.3f} ms/structure  "
          f"= {100 * ratio:.0f} % of screen (target <= {100 * TARGET_RATIO:.0f} %: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    print("  legal_status alone, per jurisdiction asked:")
    for code, ms in alone.items():
        print(f"    {'all' if code == 'ALL' else code:4s} {ms:8.3f} ms/structure")
    print(f"    all jurisdictions, distinct structures only: {distinct_ms:.3f} ms/structure")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

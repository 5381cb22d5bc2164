"""Benchmark what legal status (every jurisdiction) adds to screen-equivalent work per structure, in one run.

    python bench/legal.py               # the first 3,000 structures of bench/.cache/screen-10000.smi
    python bench/legal.py --n 10000     # all of them
    python bench/legal.py --rounds 3    # more rounds (the best round of each measurement is reported)
    python bench/legal.py --instructions 1000   # also count CPU instructions (valgrind) on 1,000 structures

The input is bench/screen.py's deterministic NPS-like file (generated when missing). Screen-equivalent
work is ``identify_many(smiles, input_types=["smiles"] * n, explain=False, legal=False)`` (what a screen
worker does per record); with legal status it is the same call with ``legal=True`` (all jurisdictions,
today). Both are timed in CPU seconds of this process, alternately, ``--rounds`` times each; the legal
caches are emptied before every round (a screen starts cold). The added time per structure, and its ratio
to the screen time, is the acceptance figure of the legal issue: at most 50 %.

Also measured, with ``legal_status`` alone on the identified structures: the cost of each jurisdiction
asked alone, and of all jurisdictions on the distinct structures only (the input repeats substances,
as seizure batches do; a structure met before is answered from memory); and RDKit's own substructure
searches within legal status (count and time of the calls; those that find something are the part
no faster Python around them can remove).

CPU time on a shared machine drifts between rounds (each round's ratio is printed, and spread by tens of
per cent on 2026-11-29); ``--instructions N`` counts instructions under valgrind instead, which the
machine's load cannot skew. Prints a table; writes bench/results/legal.json.
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
    parser.add_argument("--instructions", type=int, default=0, metavar="N",
                        help="also count CPU instructions (valgrind) for the first N structures: a ratio "
                             "that a busy machine cannot skew (a few minutes for N=600)")
    parser.add_argument("--count-mode", choices=("base", "screen", "legal"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_mode:
        _count_mode(args)
        return

    from rdkit import Chem

    from crystal_palace import __version__
    from crystal_palace.legal.engine import forget_answers, legal_index, legal_status
    from crystal_palace.workflows.identify import identify_many

    path, smiles = _prepare(args)
    index = legal_index()
    n = len(smiles)
    types = ["smiles"] * n

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
    # each round's pair (run back to back) gives its own ratio: the spread shows how much the machine
    # drifted between rounds, which the best-of figures above cannot
    paired = sorted((w - s) / s for s, w in zip(screen_s, legal_s, strict=True))

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

    searches = _rdkit_searches(done, legal_status, forget_answers)
    instructions = _instructions(args.instructions, args.size) if args.instructions else None

    ratio = added_ms / screen_ms
    report = {
        "benchmark": "legal", "version": __version__, "rdkit": Chem.rdBase.rdkitVersion,
        "python": platform.python_version(), "input": str(path), "structures": n,
        "identified_structures": len(done), "distinct_structures": len(distinct), "rounds": args.rounds,
        "screen_cpu_ms_per_structure": round(screen_ms, 4),
        "screen_with_legal_cpu_ms_per_structure": round(with_legal_ms, 4),
        "legal_added_cpu_ms_per_structure": round(added_ms, 4),
        "ratio_legal_added_to_screen": round(ratio, 3), "target_ratio": TARGET_RATIO,
        "ratio_per_round_sorted": [round(r, 3) for r in paired],
        "meets_target": ratio <= TARGET_RATIO,
        "legal_status_cpu_ms_per_structure": {k: round(v, 4) for k, v in alone.items()},
        "legal_status_all_jurisdictions_distinct_structures_cpu_ms": round(distinct_ms, 4),
        "rdkit_searches_in_legal_status": {
            **{k: round(v / len(done), 3) for k, v in searches.items() if k.endswith("_calls")},
            **{k: round(1000 * v / len(done), 4) for k, v in searches.items() if k.endswith("_s")},
            "share_of_screen": round(1000 * searches["all_s"] / len(done) / screen_ms, 3),
            "found_share_of_screen": round(1000 * searches["found_s"] / len(done) / screen_ms, 3)},
        "instructions": instructions,
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
    print(f"  the same ratio round by round (screen and screen with legal back to back): "
          f"{', '.join(f'{100 * r:.0f} %' for r in paired)}")
    print("  legal_status alone, per jurisdiction asked:")
    for code, ms in alone.items():
        print(f"    {'all' if code == 'ALL' else code:4s} {ms:8.3f} ms/structure")
    print(f"    all jurisdictions, distinct structures only: {distinct_ms:.3f} ms/structure")
    per = len(done)
    print("  RDKit substructure searches inside legal status (same stream, wall time of the calls):")
    all_ms, found_ms = 1000 * searches["all_s"] / per, 1000 * searches["found_s"] / per
    print(f"    {searches['all_calls'] / per:.1f} searches/structure, {all_ms:.3f} ms/structure "
          f"= {100 * all_ms / screen_ms:.0f} % of screen")
    print(f"    of which found (a core or pattern present: {searches['found_calls'] / per:.1f}/structure) "
          f"{found_ms:.3f} ms/structure = {100 * found_ms / screen_ms:.0f} % of screen")
    if instructions is not None:
        print(f"  CPU instructions (valgrind), first {instructions['structures']:,} structures: screen "
              f"{instructions['screen_per_structure'] / 1e6:.2f} M/structure, legal status added "
              f"{instructions['legal_added_per_structure'] / 1e6:.2f} M/structure = "
              f"{100 * instructions['ratio_legal_added_to_screen']:.0f} % of screen")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


def _prepare(args: argparse.Namespace) -> tuple[Path, list[str]]:
    """The input file and its first ``--n`` SMILES, with everything loaded that is not per-structure work.

    Loading (library, rules, listings) is done before anything is timed or counted.
    """
    from rdkit import RDLogger

    from screen import input_file  # bench/screen.py: the same deterministic input

    RDLogger.DisableLog("rdApp.*")
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.legal.engine import legal_index
    from crystal_palace.workflows.identify import identify_many

    path = input_file(max(args.size, args.n))
    smiles = [line.split(None, 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    default_library()
    legal_index()
    identify_many(["CNC(C)Cc1ccccc1", "c1ccccc1"], input_types=["smiles"] * 2, explain=False, legal=True)
    return path, smiles[: args.n]


def _count_mode(args: argparse.Namespace) -> None:
    """One leg of ``--instructions``: load everything, then run one mode (the parent counts instructions)."""
    from crystal_palace.legal.engine import forget_answers
    from crystal_palace.workflows.identify import identify_many

    _, smiles = _prepare(args)
    forget_answers()
    if args.count_mode != "base":
        identify_many(smiles, input_types=["smiles"] * len(smiles), explain=False, legal=args.count_mode == "legal")


def _instructions(n: int, size: int) -> dict[str, Any]:
    """CPU instructions of screen and of screen with legal status for ``n`` structures, under valgrind.

    Each mode runs in its own process under callgrind; a third that only loads gives the fixed part,
    which is subtracted. Instruction counts do not depend on what else the machine runs, so this ratio
    is steady where the CPU-time one drifts by tens of per cent between rounds on a shared machine.
    """
    import os
    import re
    import shutil
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")

    def count(mode: str) -> int:
        cmd = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--count-mode", mode, "--n", str(n), "--size", str(size)]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"},
                              check=True)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found is None:
            raise SystemExit(f"valgrind printed no instruction count for {mode}:\n{done.stderr[-2000:]}")
        return int(found.group(1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        base, screen, legal = pool.map(count, ("base", "screen", "legal"))
    screen_per = (screen - base) / n
    added_per = (legal - screen) / n
    return {"structures": n, "tool": "valgrind --tool=callgrind", "base": base, "screen": screen,
            "screen_with_legal": legal, "screen_per_structure": round(screen_per),
            "legal_added_per_structure": round(added_per),
            "ratio_legal_added_to_screen": round(added_per / screen_per, 3)}


def _rdkit_searches(done: list[tuple[Any, Any]], legal_status: Any, forget_answers: Any) -> dict[str, float]:
    """Count and time RDKit's substructure searches made by legal status over the stream (cold answers).

    The part of legal status that is RDKit's own matching, whatever Python does around it: the floor
    of any engine that asks RDKit where each rule's core and patterns are. A search that finds something
    (a core present, a pattern matched) cannot be skipped by a cheaper screen; one that finds nothing
    could be, in principle. Timing wraps each call (wall clock of the call alone).
    """
    from rdkit import Chem

    totals = {"all_calls": 0.0, "found_calls": 0.0, "all_s": 0.0, "found_s": 0.0}
    has, get = Chem.Mol.HasSubstructMatch, Chem.Mol.GetSubstructMatches
    clock = time.perf_counter

    def timed(fn: Any) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = clock()
            out = fn(self, *args, **kwargs)
            spent = clock() - started
            totals["all_calls"] += 1
            totals["all_s"] += spent
            if out:
                totals["found_calls"] += 1
                totals["found_s"] += spent
            return out
        return call

    forget_answers()
    mols = [(Chem.Mol(m), sid) for m, sid in done]
    Chem.Mol.HasSubstructMatch, Chem.Mol.GetSubstructMatches = timed(has), timed(get)
    try:
        for m, sid in mols:
            legal_status(m, sid, detail=False)
    finally:
        Chem.Mol.HasSubstructMatch, Chem.Mol.GetSubstructMatches = has, get
    return totals


if __name__ == "__main__":
    main()

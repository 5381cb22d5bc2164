"""Benchmark `crystal_palace.screen` against bare RDKit SMILES parsing of the same file, in the same run.

    python bench/screen.py                 # 10,000 and 100,000 structures, jobs=2
    python bench/screen.py --sizes 2000    # a quick look
    python bench/screen.py --profile 3000  # also cProfile one worker's share of the work, in-process

The input is generated deterministically (seeded R-group enumeration on NPS scaffolds: cathinones,
amphetamines, 2C/NBOMe phenethylamines, tryptamines, fentanyls, indazole/indole carboxamides, nitazenes,
plus drug-like decoys, about 10 % as salts and 0.2 % broken SMILES) into bench/.cache/ (ignored by git).
Each screen runs in a fresh process whose process tree (parent and workers) is sampled from /proc every
50 ms for peak RSS and PSS (PSS counts pages shared by the forked workers once, RSS once per process).

Targets (issue): screen >= 3,000 structures/s with jobs=2, >= 25 % of bare parsing throughput, and the
same peak memory for 10,000 and 100,000 inputs. Prints a table; writes bench/results/screen.json.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "screen.json"
TARGET_RATE = 3000.0
TARGET_RATIO = 0.25

# -- deterministic NPS-like input -------------------------------------------------------------------
SUBST = ["F", "Cl", "Br", "I", "C", "CC", "OC", "SC", "C(F)(F)F", "OC(F)(F)F", "C#N", "OCC", "O", "C(C)C", "CCC",
         "N(C)C", "C(C)=O", "OCC(F)(F)F"]
# amines are written to end on the nitrogen, which bonds to what follows
AMINES = ["N", "CN", "CCN", "CCCN", "CC(C)N", "CN(C)", "CCN(CC)", "C1CCCN1", "C1CCCCN1", "C1COCCN1",
          "CC(C)(C)N", "c1ccccc1CN"]
ALPHA = ["C", "CC", "CCC", "CCCC", "CCCCC", "CCCCCC", "C(C)C"]


def aryl(rng: random.Random) -> str:
    pick = rng.random()
    x, y = rng.choice(SUBST), rng.choice(SUBST)
    if pick < 0.10:
        return "c1ccccc1"
    if pick < 0.40:
        return f"c1ccc({x})cc1"
    if pick < 0.55:
        return f"c1cccc({x})c1"
    if pick < 0.65:
        return f"c1ccccc1{x}"
    if pick < 0.80:
        return f"c1ccc({x})c({y})c1"
    return rng.choice(["c1ccc2OCOc2c1", "c1ccc2ccccc2c1", "c1cccs1", "c1ccc2CCCc2c1", "c1ccc2OCCOc2c1"])


def cathinone(rng: random.Random) -> str:
    return f"{rng.choice(AMINES)}C({rng.choice(ALPHA)})C(=O){aryl(rng)}"


def amphetamine(rng: random.Random) -> str:
    alpha = rng.choice(["", "(C)", "(CC)"])
    return f"{rng.choice(AMINES)}C{alpha}C{aryl(rng)}" if alpha else f"{rng.choice(AMINES)}CC{aryl(rng)}"


def two_c(rng: random.Random) -> str:
    x = rng.choice(["Br", "I", "Cl", "C", "CC", "SC", "SCC", "SCCC", "C(F)(F)F", "N(=O)=O", "CCC"])
    n = rng.choice(["", "Cc2ccccc2OC", "Cc2ccccc2O", "Cc2ccccc2F", "Cc2ccccc2C#N"])
    chain = rng.choice(["CCN", "CC(C)N"])
    return f"COc1cc({chain}{n})c(OC)cc1{x}"


def tryptamine(rng: random.Random) -> str:
    amine = rng.choice(["CN(C)", "CCN(CC)", "CC(C)N(C)", "CC(C)N(C(C)C)", "CCCN(CCC)", "C=CCN(C)", "C1CCCN1",
                        "CCN(C)"])
    ring = rng.choice(["c1c[nH]c2ccccc12", "c1c[nH]c2ccc(OC)cc12", "c1c[nH]c2cccc(O)c12",
                       "c1c[nH]c2cccc(OC(C)=O)c12", "c1c[nH]c2cccc(OP(=O)(O)O)c12", "c1c[nH]c2ccc(F)cc12",
                       "c1cn(C)c2ccccc12", "c1c[nH]c2ccc(Br)cc12"])
    alpha = rng.choice(["CC", "C(C)C"])
    return f"{amine}{alpha}{ring}"


def fentanyl(rng: random.Random) -> str:
    acyl = rng.choice(["CCC(=O)", "CC(=O)", "CCCC(=O)", "C1CC1C(=O)", "COCC(=O)", "C=CC(=O)", "o1cccc1C(=O)",
                       "C1CCC1C(=O)", "CC(C)C(=O)", "C1CCOC1C(=O)"])
    aniline = rng.choice(["c1ccccc1", "c1ccc(F)cc1", "c1ccccc1F", "c1ccc(OC)cc1", "c1ccc(C)cc1", "c1ccccc1Cl"])
    chain = rng.choice(["CCc2ccccc2", "CCc2cccs2", "CC(O)c2ccccc2", "CCc2ccc(F)cc2", "CCN2N=NN(CC)C2=O",
                        "C(C)Cc2ccccc2"])
    piperidine = rng.choice(["C1CCN({c})CC1", "C1CCN({c})CC1C", "C1(C(=O)OC)CCN({c})CC1"])
    return f"{acyl}N({aniline}){piperidine.format(c=chain)}"


def carboxamide(rng: random.Random) -> str:
    tail = rng.choice(["CCCCC", "CCCCCF", "Cc3ccc(F)cc3", "CCCC=C", "CC3CCCCC3", "CCCCC#N", "CCCC", "CCCCCC",
                       "CC3CCOCC3"])
    head = rng.choice(["C(C(N)=O)C(C)C", "C(C(=O)OC)C(C)(C)C", "C(C(=O)OC)C(C)C", "C(C(N)=O)C(C)(C)C",
                       "C34CC5CC(CC(C5)C3)C4", "C(C(=O)OC)Cc3ccccc3", "c3cccc4ccccc34", "C(C(=O)OCC)C(C)C"])
    core = rng.choice(["n1({t})nc(C(=O)N{h})c2ccccc21", "n1({t})cc(C(=O)N{h})c2ccccc21",
                       "n1({t})nc(C(=O)N{h})c2cccnc21", "n1({t})cc(C(=O){h})c2ccccc21"])
    if "N{h}" not in core:
        head = rng.choice(["c3cccc4ccccc34", "C3C(C)(C)C3(C)C"])
    return core.format(t=tail, h=head)


def nitazene(rng: random.Random) -> str:
    ether = rng.choice(["OCC", "OC(C)C", "OCCC", "OC", "F", "Cl", "OCCCC", "C"])
    amine = rng.choice(["CCN(CC)", "C1CCCN1", "C1CCCCN1", "CN(C)", "CCCN(CCC)"])
    nitro = rng.choice(["cc([N+](=O)[O-])ccc21", "ccccc21", "cc(C(F)(F)F)ccc21"])
    return f"{amine}CCn1c(Cc2ccc({ether})cc2)nc2{nitro}"


DRUGS = ["Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CC(=O)Nc1ccc(O)cc1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
         "CC(=O)Oc1ccccc1C(=O)O", "CN1CCC[C@H]1c1cccnc1", "O=C(O)CCCc1c[nH]c2ccccc12",
         "CN(C)CCCN1c2ccccc2CCc2ccccc21", "Clc1ccc2c(c1)C(c1ccccc1)=NCC(=O)N2C", "OCC1OC(O)C(O)C(O)C1O",
         "CCOC(=O)C1=C(C)NC(C)=C(C(=O)OC)C1c1cccc([N+](=O)[O-])c1", "CC(C)NCC(O)COc1ccc(CC(N)=O)cc1"]


def decoy(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(DRUGS)
    left = rng.choice(["C1CCNCC1", "c1ccncc1", "C1CCOCC1", "CC(C)C", "c1ccc(O)cc1", "C1CC1", "OCC",
                       "s1ccnc1", "C1COCCN1CC"])
    link = rng.choice(["NC(=O)", "NS(=O)(=O)", "OC(=O)", "NC(=O)N", "CO", "CNC(=O)"])
    return f"{left}{link}{aryl(rng)}"


GENERATORS = [(cathinone, 22), (amphetamine, 15), (two_c, 8), (tryptamine, 8), (fentanyl, 12),
              (carboxamide, 12), (nitazene, 3), (decoy, 20)]
SALTS = [".Cl", ".Cl", ".OC(=O)C=CC(=O)O", ".Br", ".O"]
BROKEN = ["C1CC((N", "c1ccccc", "CC(C)(C)(C)(C)C", "XYZ", "C[N+](C)(C)(C)C", "N1CC2"]


def generate(n: int, seed: int = 20240601) -> list[str]:
    """``n`` SMILES lines ("SMILES id"), the same on every run."""
    rng = random.Random(seed)
    funcs = [f for f, _ in GENERATORS]
    weights = [w for _, w in GENERATORS]
    lines: list[str] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.002:
            smiles = rng.choice(BROKEN)
        else:
            smiles = rng.choices(funcs, weights)[0](rng)
            if roll > 0.90:
                smiles += rng.choice(SALTS)
        lines.append(f"{smiles} bench-{i + 1}")
    return lines


def input_file(n: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"screen-{n}.smi"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(generate(n)) + "\n", encoding="utf-8")
        tmp.replace(path)
    return path


# -- measurements ------------------------------------------------------------------------------------
def bare_parse(path: Path) -> dict[str, float]:
    """Single-process Chem.MolFromSmiles over the file's lines (reading included)."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    started, cpu_started = time.perf_counter(), time.process_time()
    n = ok = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split(None, 1)
            n += 1
            ok += parts and Chem.MolFromSmiles(parts[0]) is not None
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {"rows": n, "parsed": ok, "elapsed_s": round(elapsed, 3), "rows_per_s": round(n / elapsed, 1),
            "cpu_ms_per_row": round(1000 * cpu / n, 4), "rows_per_s_if_core_idle": round(n / cpu, 1)}


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS in bytes."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def _cpu_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all processes), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def run_screen(path: Path, jobs: int, output: str) -> dict[str, object]:
    """Run screen in a fresh process; sample its process tree's memory while it runs."""
    out = CACHE / f"out-{path.stem}.{output}"
    code = ("import json, resource; from crystal_palace import screen; "
            f"s = screen({str(path)!r}, {str(out)!r}, format={output!r}, jobs={jobs}); "
            "u = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]; "
            "print(json.dumps({**s.to_dict(), 'cpu_parent_s': u[0].ru_utime + u[0].ru_stime, "
            "'cpu_workers_s': u[1].ru_utime + u[1].ru_stime}))")
    started, busy_before = time.perf_counter(), _cpu_busy_s()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"rss": 0, "pss": 0, "workers": 0}

    def sample() -> None:
        while proc.poll() is None:
            pids = _tree(proc.pid)
            rss, pss = _memory(pids)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            peak["workers"] = max(peak["workers"], len(pids) - 1)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    busy = _cpu_busy_s() - busy_before
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"screen failed on {path}:\n{stderr[-2000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    out_rows, reasons = _read_back(out, output)
    cpu = summary["cpu_parent_s"] + summary["cpu_workers_s"]
    out.unlink()
    return {"summary": summary, "wall_s": round(wall, 3), "output_rows": out_rows,
            "top_error_reasons": reasons.most_common(5),
            "cpu_ms_per_row": round(1000 * cpu / summary["rows"], 3),
            "cpu_parent_share": round(summary["cpu_parent_s"] / cpu, 3),
            # CPU that other processes took from the machine while the screen ran (> a few s: a noisy run)
            "cpu_other_processes_s": round(max(busy - cpu, 0.0), 1),
            "rows_per_s_if_cores_idle": round(jobs * summary["rows"] / cpu, 1),
            "peak_rss_mb": round(peak["rss"] / 2**20, 1), "peak_pss_mb": round(peak["pss"] / 2**20, 1),
            "processes": peak["workers"] + 1}


def _read_back(out: Path, output: str) -> tuple[int, Counter[str]]:
    """Rows in the output and the commonest error reasons (a sudden jump means the core broke)."""
    reasons: Counter[str] = Counter()
    rows = 0
    with out.open(encoding="utf-8", newline="") as f:
        if output == "csv":
            for row in csv.DictReader(f):
                rows += 1
                if row["errors"]:
                    reasons[re.sub(r"'[^']*'", "'...'", row["errors"])[:100]] += 1
        else:
            for line in f:
                rows += 1
                for e in json.loads(line)["errors"]:
                    reasons[re.sub(r"'[^']*'", "'...'", e["reason"])[:100]] += 1
    return rows, reasons


def profile(path: Path, n: int) -> str:
    """cProfile of screening ``n`` rows in-process (what one worker does), top functions by own time."""
    from itertools import islice

    from crystal_palace.chemistry.library import default_library
    from crystal_palace.screening.readers import read_records
    from crystal_palace.screening.worker import silence_rdkit_logs
    from crystal_palace.workflows.screen import iter_screen

    silence_rdkit_logs()
    default_library()
    records = list(islice(read_records(path), n))
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    rows = sum(1 for _ in iter_screen(records, jobs=1))
    profiler.disable()
    elapsed = time.perf_counter() - started
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    buffer.write(f"in-process screen of {rows:,} rows: {rows / elapsed:,.0f} rows/s under cProfile\n")
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile N rows in-process")
    args = parser.parse_args()

    from rdkit import rdBase

    import crystal_palace

    largest = input_file(max(args.sizes))
    load_before = os.getloadavg()
    runs = []
    for n in args.sizes:
        path = input_file(n)
        bare = bare_parse(path)
        screened = run_screen(path, args.jobs, args.format)
        rate = float(screened["summary"]["rows_per_s"])  # type: ignore[index]
        runs.append({"n": n, "bare_parse": bare, "screen": screened,
                     "ratio_to_bare": round(rate / bare["rows_per_s"], 3)})

    big = max(runs, key=lambda r: r["n"])
    small = min(runs, key=lambda r: r["n"])
    rate = float(big["screen"]["summary"]["rows_per_s"])
    mem_ratio = big["screen"]["peak_pss_mb"] / small["screen"]["peak_pss_mb"]
    result = {
        "benchmark": "screen", "version": crystal_palace.__version__, "rdkit": rdBase.rdkitVersion,
        "python": platform.python_version(), "cpus": len(os.sched_getaffinity(0)), "jobs": args.jobs,
        "format": args.format, "runs": runs,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "note": "wall-clock rates depend on other load on the machine; rows_per_s_if_cores_idle divides by the "
                "CPU time actually used (parent + workers), the rate the same code reaches on idle cores",
        "targets": {
            "rows_per_s": {"target": TARGET_RATE, "value": rate, "met": rate >= TARGET_RATE},
            "ratio_to_bare": {"target": TARGET_RATIO, "value": big["ratio_to_bare"],
                              "met": big["ratio_to_bare"] >= TARGET_RATIO},
            "flat_memory": {"target": "peak PSS at the largest size <= 1.2 x the smallest",
                            "value": round(mem_ratio, 3), "met": mem_ratio <= 1.2},
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"screen benchmark: jobs={args.jobs}, {result['cpus']} usable cores, format {args.format}, "
          f"RDKit {result['rdkit']}, load average {result['load_average_before_after']} (before, after)")
    head = f"{'structures':>10} {'bare parse/s':>13} {'screen/s':>9} {'ratio':>6} {'wall s':>7} " \
           f"{'cpu ms/row':>10} {'idle-core/s':>11} {'peak RSS MB':>11} {'peak PSS MB':>11} {'rows out':>9} " \
           f"{'errors':>7} {'others cpu s':>12}"
    print(head)
    print("-" * len(head))
    for r in runs:
        s = r["screen"]
        print(f"{r['n']:>10,} {r['bare_parse']['rows_per_s']:>13,.0f} {s['summary']['rows_per_s']:>9,.0f} "
              f"{r['ratio_to_bare']:>6.2f} {s['wall_s']:>7.1f} {s['cpu_ms_per_row']:>10.2f} "
              f"{s['rows_per_s_if_cores_idle']:>11,.0f} {s['peak_rss_mb']:>11.0f} {s['peak_pss_mb']:>11.0f} "
              f"{s['output_rows']:>9,} {s['summary']['errors']:>7,} {s['cpu_other_processes_s']:>12.1f}")
    for r in runs:
        print(f"{r['n']:,} structures: commonest errors {r['screen']['top_error_reasons'][:3]}")
    for name, t in result["targets"].items():
        print(f"target {name}: {t['value']} (want {t['target']}) {'MET' if t['met'] else 'MISSED'}")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    if args.profile:
        print(profile(largest, args.profile))


if __name__ == "__main__":
    main()

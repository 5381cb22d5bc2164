"""Benchmark the store: 1,000,000 generated records (seizures and actors) generated and imported.

    python bench/store.py                      # about 1,000,000 seizures + actors (~3.4 M records in all)
    python bench/store.py --seizures 20000     # a quick look
    python bench/store.py --postgres postgresql://postgres@127.0.0.1/test   # also PostgreSQL (COPY)

Stages, each timed (wall and this process's CPU: the machine is shared, and the CPU time says what the
work costs) with the process's peak RSS sampled from /proc every 50 ms while it runs:

1. generate   -- crystal_palace.demo.generate(seizures=N): every table and the ground truth, in memory
2. import     -- Store.write_frames into a fresh DuckDB file, one transaction (the bulk path)
3. re-import  -- the same frames again: nothing added (idempotence check at scale)
4. postgres   -- (with --postgres) write_frames into a fresh PostgreSQL schema through COPY
5. csv import -- the importer on files: seizures.csv then actors.csv written by the generator, with
                 conversion, validation, ids and reference checks (the path a user's file takes)

Linkage stages are added by the linkage jobs (bench/profiles.py and friends). There is no external
reference implementation for a store; the figures are absolute (records/s) and the target is the issue's:
1,000,000 records imported on this machine, time and peak memory per stage. Prints a table; writes
bench/results/store.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "store.json"
ACTORS_PER_SEIZURE = 1.1  # what the generator makes, about


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def sampled() -> Iterator[dict[str, float]]:
    """Peak RSS (MB) while the block runs, and its wall time."""
    found = {"peak_mb": rss_mb(), "start_mb": rss_mb()}
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.05):
            found["peak_mb"] = max(found["peak_mb"], rss_mb())

    thread = threading.Thread(target=watch, daemon=True)
    started, cpu = time.perf_counter(), time.process_time()
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()
        found["seconds"] = time.perf_counter() - started
        found["cpu_seconds"] = time.process_time() - cpu
        found["peak_mb"] = max(found["peak_mb"], rss_mb())


def stage(results: list[dict[str, Any]], name: str, records: int, action: Callable[[], Any]) -> Any:
    with sampled() as found:
        value = action()
    row = {"stage": name, "records": records, "seconds": round(found["seconds"], 2),
           "cpu_seconds": round(found["cpu_seconds"], 2),
           "records_per_s": round(records / found["seconds"]) if found["seconds"] else None,
           "peak_rss_mb": round(found["peak_mb"]), "rss_before_mb": round(found["start_mb"])}
    results.append(row)
    print(f"  {name:<12} {records:>11,} records {row['seconds']:>8.1f} s ({row['cpu_seconds']:>7.1f} s CPU) "
          f"{row['records_per_s'] or 0:>10,}/s "
          f"peak RSS {row['peak_rss_mb']:>6,} MB", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seizures", type=int, default=round(1_000_000 / (1 + ACTORS_PER_SEIZURE)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=None, help="also import into this PostgreSQL server")
    parser.add_argument("--keep", action="store_true", help="keep the DuckDB file and CSVs (printed)")
    args = parser.parse_args()

    from crystal_palace.demo import generate
    from crystal_palace.demo.writers import write_csv
    from crystal_palace.store.backend import open_store
    from crystal_palace.store.importers import import_file

    results: list[dict[str, Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="cp-bench-store-"))
    print(f"store benchmark: {args.seizures:,} seizures, seed {args.seed}, in {folder}")
    data = stage(results, "generate", 0, lambda: generate(seizures=args.seizures, seed=args.seed))
    results[-1]["records"] = data.records
    results[-1]["records_per_s"] = round(data.records / results[-1]["seconds"])
    seizures_and_actors = len(data.tables["seizures"]) + len(data.tables["actors"])
    print(f"  -> {data.records:,} records, of which seizures + actors {seizures_and_actors:,}; "
          f"{', '.join(f'{k} {v:,}' for k, v in data.counts().items())}")
    frames = {**data.tables, **data.truth}
    total = sum(len(f) for f in frames.values())
    with open_store(folder / "bench.duckdb") as store:
        report = stage(results, "import", total, partial(store.write_frames, frames))
        assert report.total_inserted == total, report.inserted
        again = stage(results, "re-import", total, partial(store.write_frames, frames))
        assert again.total_inserted == 0 and sum(again.updated.values()) == 0
    if args.postgres:
        import psycopg

        schema = f"cp_bench_{uuid.uuid4().hex[:8]}"
        try:
            with open_store(f"{args.postgres}?schema={schema}") as store:
                stage(results, "postgres", total, partial(store.write_frames, frames))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    write_csv(data, folder / "csv")
    del data, frames
    with open_store(folder / "files.duckdb") as store:
        import_file(store, folder / "csv" / "operations.csv", record_type="operations")
        for table in ("seizures", "actors"):
            rows = sum(1 for _ in (folder / "csv" / f"{table}.csv").open(encoding="utf-8")) - 1
            report = stage(results, f"csv {table}", rows,
                           lambda t=table: import_file(store, folder / "csv" / f"{t}.csv", record_type=t))
            assert report.write.inserted[table] == rows and not report.rejected
    size_mb = (folder / "bench.duckdb").stat().st_size / 2**20
    summary = {
        "benchmark": "store", "seizures": args.seizures, "seizures_and_actors": seizures_and_actors,
        "records": total, "duckdb_file_mb": round(size_mb), "stages": results,
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        "command": "python " + " ".join(sys.argv),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"\nDuckDB file {size_mb:,.0f} MB; wrote {RESULTS}")
    if args.keep:
        print(f"kept {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

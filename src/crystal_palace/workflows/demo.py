"""Generate demonstration data into a store or into CSV files (see :mod:`crystal_palace.demo`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import InvalidInput


def generate_demo(seizures: int = 1000, *, seed: int = 0, db: Any = None, out: str | Path | None = None,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Generate ``seizures`` seizures and everything around them; write them to a store or to ``out``.

    With ``out`` (a folder) one CSV per table is written; otherwise the records and the ground truth go
    to the store ``db`` (the default store when None), in one transaction. Returns what was made.
    """
    from crystal_palace.demo import generate

    if seizures < 1:
        raise InvalidInput("the number of seizures must be at least 1", field="seizures")
    started = time.perf_counter()
    data = generate(seizures=seizures, seed=seed)
    generated = time.perf_counter() - started
    summary: dict[str, Any] = {"seizures": seizures, "seed": seed, "counts": data.counts(), "records": data.records,
                               "generate_seconds": round(generated, 2)}
    if out is not None:
        from crystal_palace.demo.writers import write_csv

        paths = write_csv(data, out)
        summary["out"] = str(out)
        summary["files"] = {name: str(path) for name, path in paths.items()}
    else:
        from crystal_palace.workflows.store import _store

        with _store(db) as store:
            report = store.write_frames({**data.tables, **data.truth}, action="demo", target=f"seed {seed}",
                                        progress=progress)
            summary["db"] = store.url
            summary["inserted"] = report.inserted
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary

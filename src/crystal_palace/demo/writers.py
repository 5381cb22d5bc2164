"""Write generated data to files: one CSV per table (store column names), plus the ground truth.

The CSVs are what ``crystal-palace db import FILE --type TABLE`` reads back without a mapping: lists as
JSON, dates ISO 8601, timestamps ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

from pathlib import Path

from crystal_palace.demo.generator import DemoData
from crystal_palace.store.exporters import frame_for_csv


def write_csv(data: DemoData, out: str | Path) -> dict[str, Path]:
    """``<table>.csv`` for every table and truth table in folder ``out``; return the paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in (*data.tables.items(), *data.truth.items()):
        path = folder / f"{name}.csv"
        frame_for_csv(name, frame).to_csv(path, index=False)
        paths[name] = path
    return paths

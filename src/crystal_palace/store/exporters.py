"""Exports: FollowTheMoney entity lines (actors and the links between them) and CSV (any table).

CSV exports use the store's column names, so a CSV export imports back with ``record_type`` and no
mapping (lists as JSON, dates ISO 8601, timestamps ``YYYY-MM-DD HH:MM:SS``). The FtM export is one entity
per line, actors first, then the links whose two ends are actors (FtM has no schema for a seizure); each
entity carries its provenance in a ``crystal_palace`` object (see :mod:`crystal_palace.store.ftm`).
Reading goes in pages so a million records never sit in memory twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crystal_palace.store.backend import Store
from crystal_palace.store.ftm import actor_to_entity, link_to_entity
from crystal_palace.store.model import TABLES

PAGE = 100_000


def _pages(store: Store, table: str, where: str = "", params: tuple[Any, ...] = ()) -> Iterator[pd.DataFrame]:
    offset = 0
    while True:
        frame = store.read_table(table, where=where, params=params, limit=PAGE, offset=offset)
        if frame.empty:
            return
        yield frame
        offset += PAGE


def _records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    columns = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, row, strict=True))


def iter_ftm(store: Store) -> Iterator[dict[str, Any]]:
    """FtM entities: every actor, then every link between two actors (ordered by id)."""
    for frame in _pages(store, "actors"):
        yield from (actor_to_entity(r) for r in _records(frame))
    actor_link = ("from_id IN (SELECT id FROM actors) AND to_id IN (SELECT id FROM actors)")
    for frame in _pages(store, "links", where=actor_link):
        yield from (link_to_entity(r) for r in _records(frame))


def export_ftm(store: Store, out: str | Path) -> int:
    """Write FtM entity lines to ``out``; return the number of entities."""
    count = 0
    with Path(out).open("w", encoding="utf-8") as handle:
        for entity in iter_ftm(store):
            handle.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    store.audit("crystal-palace", "export", str(out), {"format": "ftm", "entities": count})
    return count


def frame_for_csv(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with lists as JSON and dates as ISO text, ready for ``to_csv``."""
    out = frame.copy()
    for column in TABLES[table].columns if table in TABLES else ():
        if column.name not in out:
            continue
        if column.type in ("text[]", "double[]"):
            out[column.name] = [None if v is None else json.dumps(list(v), ensure_ascii=False)
                                for v in out[column.name].tolist()]
        elif column.type == "date":
            out[column.name] = pd.to_datetime(out[column.name]).dt.strftime("%Y-%m-%d")
        elif column.type == "timestamp":
            out[column.name] = pd.to_datetime(out[column.name]).dt.strftime("%Y-%m-%d %H:%M:%S")
        elif column.type == "double":
            out[column.name] = out[column.name].map(lambda v: "" if np.isnan(v) else repr(float(v)))
    return out


def export_csv(store: Store, folder: str | Path, tables: Iterable[str] | None = None) -> dict[str, int]:
    """One CSV per table in ``folder`` (``<table>.csv``); return rows written per table."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for table in tables or TABLES:
        path = folder / f"{table}.csv"
        rows = 0
        with path.open("w", encoding="utf-8", newline="") as handle:
            header = True
            for frame in _pages(store, table):
                frame_for_csv(table, frame).to_csv(handle, index=False, header=header)
                header = False
                rows += len(frame)
            if header:
                handle.write(",".join(TABLES[table].column_names) + "\n")
        written[table] = rows
    store.audit("crystal-palace", "export", str(folder), {"format": "csv", "rows": written})
    return written

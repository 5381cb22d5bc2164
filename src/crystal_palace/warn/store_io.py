"""Detections read from the store, and alerts kept in it.

A detection is a substance found in a seizure (``seizure_substances``, dated by the seizure) or in a
sample (``samples.inchikey``, dated by sampling, else by the seizure). A sample that names a substance
already listed for its seizure is the same finding and is not counted twice. The record id of a
detection is the store's id of that row (``ss-...`` or ``sa-...``), so ``Store.get_record`` opens it.

The store has no family or structure column: both come from the reference library when it knows the
InChIKey (exactly, or by its connectivity layer); otherwise the family is ``unknown`` and a new
substance cannot be depicted until its structure is known.

Alerts live in the store's ``warn_alerts`` table (created on first use, the same SQL on DuckDB and
PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crystal_palace.warn.alerts import AlertTable
from crystal_palace.warn.detections import COLUMNS

DETECTIONS_SQL = """
SELECT ss.id AS record_id, ss.inchikey AS inchikey, ss.substance AS substance, s.country AS country,
       s.agency AS agency, s.seized_on AS date, ss.quantity AS quantity, ss.unit AS unit,
       'seizure' AS record_type
FROM seizure_substances ss JOIN seizures s ON s.id = ss.seizure_id
UNION ALL
SELECT sa.id, sa.inchikey, NULL, sa.country, sa.agency, COALESCE(sa.taken_on, s.seized_on), NULL, NULL, 'sample'
FROM samples sa JOIN seizures s ON s.id = sa.seizure_id
WHERE sa.inchikey IS NOT NULL AND sa.inchikey <> ''
  AND NOT EXISTS (SELECT 1 FROM seizure_substances x WHERE x.seizure_id = sa.seizure_id AND x.inchikey = sa.inchikey)
"""


def read_detections(store: object) -> pd.DataFrame:
    """The detections table of an open store (see the module docs for what counts)."""
    from crystal_palace.chemistry.library import default_library

    frame = store.query_frame(DETECTIONS_SQL)  # type: ignore[attr-defined]
    library = default_library()
    names, families, structures = [], [], []
    for key, reported in zip(frame["inchikey"], frame["substance"], strict=True):
        entry = library.by_inchikey.get(key)
        if entry is None:
            candidates = library.by_connectivity.get(str(key)[:14], [])
            entry = sorted(candidates, key=lambda e: (e.has_stereo, e.id))[0] if candidates else None
        names.append(reported if isinstance(reported, str) and reported else (entry.name if entry else ""))
        families.append(entry.family if entry else "unknown")
        structures.append(entry.smiles if entry else "")
    frame["substance"] = names
    frame["family"] = families
    frame["smiles"] = structures
    frame["analysis"] = ""
    frame["unit"] = frame["unit"].fillna("")
    return frame[[*COLUMNS, "smiles", "analysis"]]


def detections_from_store(db: str | Path) -> pd.DataFrame:
    """The detections table from the store at ``db`` (a URL or a path), opened read-only where possible."""
    from crystal_palace.store.backend import open_store

    with open_store(db) as store:
        return read_detections(store)


def alert_table_in_store(db: str | Path) -> AlertTable:
    """The alerts table inside the store at ``db``; closing it closes the store."""
    from crystal_palace.store.backend import open_store

    store = open_store(db)
    return AlertTable(store, on_close=store.close)

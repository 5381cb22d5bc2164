"""The store workflows: open and initialise a store, import files, export, count, delete records.

``db`` is everywhere a store URL (``duckdb:///path``, a plain path, ``postgresql://...``), an open
:class:`~crystal_palace.store.backend.Store`, or None for the default DuckDB file
(:func:`crystal_palace.paths.default_store_path`). A store these functions open, they close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from crystal_palace.exceptions import InvalidInput

if TYPE_CHECKING:
    from crystal_palace.store.backend import Store
    from crystal_palace.store.importers import ImportMode, ImportReport



def open_store(db: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``db`` (created and migrated to the latest schema unless ``read_only``)."""
    from crystal_palace.store.backend import open_store as _open

    return _open(db, read_only=read_only)


@contextmanager
def _store(db: Any, *, read_only: bool = False) -> Iterator[Store]:
    from crystal_palace.store.backend import Store, parse_url

    if isinstance(db, Store):
        yield db
        return
    if read_only:
        dialect, location = parse_url(db)
        if dialect == "duckdb" and location != ":memory:" and not Path(location).is_file():
            raise InvalidInput("no such store (run `crystal-palace db init` first)", field="db", record=location)
    store = open_store(db, read_only=read_only and parse_url(db)[0] == "duckdb")
    try:
        yield store
    finally:
        store.close()


def init_db(db: str | Path | None = None) -> dict[str, Any]:
    """Create the store, or upgrade its schema; say which migrations ran."""
    from crystal_palace.store.backend import open_store as _open

    with _open(db, init=False) as store:
        applied = store.init()
        return {"url": store.url, "dialect": store.dialect, "schema_version": store.schema_version(),
                "applied": applied}


def import_file(path: str | Path, *, db: Any = None, mapping: str | Path | Mapping[str, Any] | None = None,
                mode: ImportMode = "all-or-nothing", record_type: str | None = None,
                defaults: Mapping[str, Any] | None = None, actor: str = "crystal-palace",
                progress: Callable[[str, int], None] | None = None) -> ImportReport:
    """Import a CSV, XLSX, JSON or FtM file into the store (see :mod:`crystal_palace.store.importers`).

    Raises :class:`~crystal_palace.store.importers.ImportRejected` (an ``InvalidInput``) when an
    all-or-nothing import meets a bad row; its ``report`` lists every problem.
    """
    from crystal_palace.store.importers import import_file as _import

    with _store(db) as store:
        return _import(store, path, mapping, mode=mode, record_type=record_type, defaults=defaults,
                       actor=actor, progress=progress)


def export_store(out: str | Path, *, db: Any = None, format: Literal["ftm", "csv"] = "ftm",
                 tables: Iterable[str] | None = None) -> dict[str, Any]:
    """Export actors and their links as FtM entity lines (a file), or tables as CSV (a folder)."""
    from crystal_palace.store.exporters import export_csv, export_ftm

    if format not in ("ftm", "csv"):
        raise InvalidInput("format must be ftm or csv", field="format")
    with _store(db) as store:
        if format == "ftm":
            return {"format": "ftm", "out": str(out), "entities": export_ftm(store, out)}
        return {"format": "csv", "out": str(out), "rows": export_csv(store, out, tables)}


def store_stats(db: Any = None) -> dict[str, Any]:
    """Records per table, the schema version, and the latest imports."""
    with _store(db, read_only=True) as store:
        imports = store.query("SELECT imported_at, source, mode, rows, inserted, updated, unchanged, rejected "
                              "FROM imports ORDER BY imported_at DESC LIMIT 5")
        return {"url": store.url, "dialect": store.dialect, "schema_version": store.schema_version(),
                "counts": store.counts(), "imports": imports}


def delete_records(ids: Iterable[str], *, db: Any = None, actor: str = "crystal-palace",
                   reason: str = "") -> dict[str, int]:
    """Remove records and everything derived from them (links, children, registered tables), audited."""
    with _store(db) as store:
        return store.delete_records(ids, actor=actor, reason=reason)

"""Read one store record by table and id, for the record page, with the store's own SQL.

The store job owns the store's API; this reads a record directly (read-only) so that the pages can
show one and apply :func:`crystal_palace.web.scoping.visible` before they do. The table name is
checked against the data model, never put into SQL as the user typed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.store.model import TABLES
from crystal_palace.web.accounts import User


def store_url(db: str | None) -> str:
    """The store location: ``db`` or the default embedded store."""
    if db:
        return db
    from crystal_palace.paths import default_store_path

    return str(default_store_path())


def query_store(db: str | None, sql: str, params: list[Any]) -> list[dict[str, Any]] | None:
    """Rows of a read-only query on the store (``?`` placeholders), or None when there is no store yet."""
    url = store_url(db)
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(url) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            names = [d.name for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    import duckdb

    path = url.removeprefix("duckdb://")
    try:
        store = duckdb.connect(path, read_only=True)
    except duckdb.IOException as exc:
        if "No such file" in str(exc) or "does not exist" in str(exc):
            return None
        raise
    try:
        found = store.execute(sql, params)
        names = [d[0] for d in found.description or ()]
        return [dict(zip(names, row, strict=True)) for row in found.fetchall()]
    except duckdb.CatalogException:  # the table is not there: an empty store
        return None
    finally:
        store.close()


def fetch_record(db: str | None, table: str, record_id: str) -> dict[str, Any] | None:
    """The record ``record_id`` of ``table`` as a dict, or None when there is none (or no store yet)."""
    if table not in TABLES:
        raise InvalidInput(f"unknown record type {table!r}; known: {', '.join(TABLES)}", field="table")
    rows = query_store(db, f"SELECT * FROM {table} WHERE id = ?", [record_id])
    return rows[0] if rows else None


def visible_record_ids(db: str | None, user: User, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are records of the store at ``db`` which ``user`` may see.

    For data that names records without carrying them (an alert's ``record_ids``, a received package's
    ids): the ids are looked up in the store with :func:`crystal_palace.web.scoping.sql_filter`; an id
    that is not in the store is not visible (there is nothing to judge it by). A part of a record
    (``seizure_substances``, ``profiles``) is visible only with its parent. An admin sees every id.
    """
    from crystal_palace.web.scoping import DETAIL_TABLES, sql_filter

    wanted = sorted({str(i) for i in ids})
    if user.role == "admin" or not wanted:
        return set(wanted)
    tables_by_prefix = {t.prefix: t.name for t in TABLES.values()}
    per_table: dict[str, list[str]] = {}
    for rid in wanted:
        known = tables_by_prefix.get(rid.split("-", 1)[0])
        for table in [known] if known else list(TABLES):
            per_table.setdefault(table, []).append(rid)
    found: set[str] = set()
    condition, params = sql_filter(user, alias="r")
    for table, chunk_ids in per_table.items():
        for start in range(0, len(chunk_ids), 500):
            chunk = chunk_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            if table in DETAIL_TABLES:
                column, parent = DETAIL_TABLES[table]
                parent_condition, parent_params = sql_filter(user, alias="p")
                sql = (f"SELECT r.id FROM {table} r JOIN {parent} p ON p.id = r.{column}"
                       f" WHERE r.id IN ({marks}) AND {condition} AND {parent_condition}")
                rows = query_store(db, sql, [*chunk, *params, *parent_params])
            else:
                rows = query_store(db, f"SELECT r.id FROM {table} r WHERE r.id IN ({marks}) AND {condition}",
                                   [*chunk, *params])
            found.update(str(r["id"]) for r in rows or ())
    return found

"""Versioned schema migrations: ordered steps, each applied once, recorded in ``schema_version``.

A migration is a version number, a name and a function that returns its SQL statements for a dialect.
:func:`migrate` creates ``schema_version`` if needed, reads the highest version applied, and applies
each later migration in its own transaction together with its ``schema_version`` row, so a migration is
either wholly applied or not at all, and running :func:`migrate` again is a no-op. On PostgreSQL a
transaction-scoped advisory lock keeps two processes from migrating the same schema at once (DuckDB
allows one writing process per file anyway).

To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crystal_palace.store.model import AUX_TABLES, TABLES, create_table_sql

if TYPE_CHECKING:
    from crystal_palace.store.backend import Store


@dataclass(frozen=True)
class Migration:
    """One schema change: its version, a one-line name and its statements per dialect."""

    version: int
    name: str
    statements: Callable[[str], list[str]]


def _initial(dialect: str) -> list[str]:
    names = [*TABLES, *(n for n in AUX_TABLES if n not in ("truth_samples", "truth_actors"))]
    return [create_table_sql(dialect, name) for name in names]


def _reference_indexes(dialect: str) -> list[str]:
    """Indexes on the columns that point to other records: lookups by parent and cascading deletes.

    DuckDB scans these columns fast enough and pays for every index on bulk insert, so only
    PostgreSQL gets them.
    """
    if dialect != "postgresql":
        return []
    statements = []
    for table in TABLES.values():
        for column in table.columns:
            if column.references:
                statements.append(f"CREATE INDEX IF NOT EXISTS {table.name}_{column.name}_idx "
                                  f"ON {table.name} ({column.name})")
    return statements


def _demo_truth(dialect: str) -> list[str]:
    return [create_table_sql(dialect, "truth_samples"), create_table_sql(dialect, "truth_actors")]


def _record_references(dialect: str) -> list[str]:
    """Tables of other jobs that hold record ids register here, so that deletions reach them."""
    return ["CREATE TABLE IF NOT EXISTS record_references (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
            "PRIMARY KEY (table_name, column_name))"]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "record tables, audit and imports", _initial),
    Migration(2, "indexes on reference columns", _reference_indexes),
    Migration(3, "demo ground-truth tables", _demo_truth),
    Migration(4, "registry of other jobs' tables that refer to records", _record_references),
)
"""Every migration, in order (versions 1, 2, 3, ... without gaps)."""

LATEST = MIGRATIONS[-1].version


def migrate(store: Store, target: int | None = None) -> list[int]:
    """Bring ``store``'s schema up to ``target`` (default: the latest); return the versions applied."""
    goal = LATEST if target is None else target
    store.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                  "applied_at TIMESTAMP NOT NULL)")
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version > goal:
            break
        with store.transaction():
            store.lock("schema_version")
            if migration.version <= current_version(store):
                continue
            for statement in migration.statements(store.dialect):
                store.execute(statement)
            store.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                          (migration.version, migration.name, store.now()))
            applied.append(migration.version)
    return applied


def current_version(store: Store) -> int:
    """The highest migration applied to ``store`` (0 for an empty database)."""
    rows = store.query("SELECT max(version) AS v FROM schema_version")
    value = rows[0]["v"] if rows else None
    return int(value) if value is not None else 0

"""``crystal-palace db``: create the store, import files into it, export it, count what it holds.

Every command takes ``--db`` (``duckdb:///path``, a plain path, or ``postgresql://...``; default: the
``CRYSTAL_PALACE_DB`` environment variable, else the DuckDB file in the user's data folder). Imports are
idempotent and run in one transaction; ``--mode per-row`` stores the good rows and lists the bad ones
(exit 1), ``--mode all-or-nothing`` (the default) stores nothing when a row is bad (exit 1).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

db_app = typer.Typer(name="db", no_args_is_help=True,
                     help="The seizure-intelligence store: init, import (CSV, XLSX, JSON, FtM), export, stats.")

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="CRYSTAL_PALACE_DB", show_default=False,
    help="Store URL: duckdb:///path, a path, or postgresql://user@host/db[?schema=name]. "
         "Default: the DuckDB file in the user's data folder.")]


class Mode(StrEnum):
    """Import modes."""

    all_or_nothing = "all-or-nothing"
    per_row = "per-row"


class ExportFormat(StrEnum):
    """Export formats."""

    ftm = "ftm"
    csv = "csv"


class OutputFormat(StrEnum):
    """How results are printed."""

    text = "text"
    json = "json"


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@db_app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or upgrade its schema to the latest version)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import init_db

        result = init_db(db)
        done = f"applied migrations {result['applied']}" if result["applied"] else "already up to date"
        typer.echo(f"{result['url']}: schema version {result['schema_version']} ({done})")


@db_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(show_default=False, exists=True,
                                         help="A .csv, .xlsx, .json, .jsonl or FtM entities (.ftm.json) file, or "
                                              "a folder of <table>.csv files (a CSV export).")],
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", exists=True, dir_okay=False, show_default=False,
                                                 help="YAML mapping: source column -> field, per record type.")]
    = None,
    record_type: Annotated[str | None, typer.Option("--type", "-t", show_default=False,
                                                    help="Without a mapping: the table whose fields the columns "
                                                         "are (e.g. a CSV export of `seizures`).")] = None,
    mode: Annotated[Mode, typer.Option(help="all-or-nothing, or per-row (store the good rows, report the bad).")]
    = Mode.all_or_nothing,
    country: Annotated[str | None, typer.Option(help="Default owner country (ISO-2) of the records.")] = None,
    agency: Annotated[str | None, typer.Option(help="Default owner agency of the records.")] = None,
    handling_code: Annotated[str | None, typer.Option("--handling-code", help="Default handling code (H0-H3).")]
    = None,
    report: Annotated[Path | None, typer.Option(show_default=False,
                                                help="Write the full import report (JSON) here.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="text, or json (the report)")]
    = OutputFormat.text,
    db: DbOption = None,
) -> None:
    """Import a file; importing the same file twice adds nothing. Exits 1 when any row is rejected."""
    from crystal_palace.interfaces.cli.main import user_errors
    from crystal_palace.store.importers import ImportRejected

    defaults = {k: v for k, v in (("country", country), ("agency", agency), ("handling_code", handling_code)) if v}
    rejected = None
    with user_errors():
        from crystal_palace import import_file

        try:
            result = import_file(file, db=db, mapping=mapping, mode=mode.value, record_type=record_type,
                                 defaults=defaults or None, actor="cli")
        except ImportRejected as exc:
            rejected = exc.report
    outcome = rejected or result
    if report is not None:
        report.write_text(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if format is OutputFormat.json:
        _echo_json(outcome.to_dict())
    for error in outcome.rejected:
        typer.echo(f"rejected: {error}", err=True)
    if rejected is not None:
        typer.echo(f"error: {rejected.rejected_count} of {rejected.rows} rows rejected; nothing was imported "
                   "(--mode per-row stores the good rows)", err=True)
        raise typer.Exit(1)
    added = ", ".join(f"{k} {v:,}" for k, v in result.write.inserted.items() if v) or "nothing new"
    typer.echo(f"imported {file.name}: {result.rows:,} rows -> {added}; "
               f"{sum(result.write.updated.values()):,} updated, {sum(result.write.unchanged.values()):,} "
               f"unchanged, {result.rejected_count:,} rows rejected", err=format is OutputFormat.json)
    if result.rejected:
        raise typer.Exit(1)


@db_app.command()
def export(
    out: Annotated[Path, typer.Argument(show_default=False, help="A file (ftm) or a folder (csv).")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="ftm (actors and their links, one "
                                                                       "entity per line) or csv (one file per table)")]
    = ExportFormat.ftm,
    table: Annotated[list[str] | None, typer.Option("--table", show_default=False,
                                                    help="CSV: only this table (repeatable).")] = None,
    db: DbOption = None,
) -> None:
    """Export the store to FollowTheMoney entity lines or to CSV files."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import export_store

        result = export_store(out, db=db, format=format.value, tables=table or None)
        if format is ExportFormat.ftm:
            typer.echo(f"wrote {result['entities']:,} entities to {out}")
        else:
            typer.echo(f"wrote {', '.join(f'{k} {v:,}' for k, v in result['rows'].items())} rows to {out}/")


@db_app.command()
def stats(
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="text or json")] = OutputFormat.text,
) -> None:
    """Records per table, the schema version and the latest imports."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import store_stats

        result = store_stats(db)
        if format is OutputFormat.json:
            _echo_json(result)
            return
        typer.echo(f"{result['url']} ({result['dialect']}, schema version {result['schema_version']})")
        for name, count in result["counts"].items():
            typer.echo(f"  {name:<20} {count:>12,}")
        for row in result["imports"]:
            typer.echo(f"  import {row['imported_at']}  {row['source']}  {row['inserted']:,} added, "
                       f"{row['rejected']:,} rows rejected")


@db_app.command()
def delete(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", show_default=False, help="Record ids to remove.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
    db: DbOption = None,
) -> None:
    """Remove records and every link and derived row that refers to them (audited)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import delete_records

        removed = delete_records(ids, db=db, actor="cli", reason=reason)
        typer.echo(f"removed {', '.join(f'{k} {v:,}' for k, v in removed.items()) or 'nothing'}")


def register(app: typer.Typer) -> None:
    """Add ``db`` to the ``crystal-palace`` command."""
    app.add_typer(db_app)

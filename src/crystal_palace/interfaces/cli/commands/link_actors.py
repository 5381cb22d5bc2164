"""``crystal-palace link actors``: deduplicate actor records, or link two sets of them, with Splink.

One input deduplicates (:func:`crystal_palace.resolve_actors`); ``--with OTHER.csv`` links the two files
(:func:`crystal_palace.link_actor_sets`). ``--out`` takes ``.json`` (everything: resolved actors with
their source records, matched pairs with explanations, problems, the trained model) or ``.csv`` (one row
per source record with its resolved actor id, nothing dropped); without it, a readable report goes to
stdout. The summary line goes to stderr.
"""

from __future__ import annotations

import csv
import json
import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from crystal_palace.workflows.actors import ActorResolution


class ActorBackend(StrEnum):
    """SQL engines Splink runs on."""

    duckdb = "duckdb"
    spark = "spark"


class EntityType(StrEnum):
    """Entity types of records without an entity_type (or FtM schema) column."""

    person = "person"
    company = "company"
    phone = "phone"
    vehicle = "vehicle"
    bank_account = "bank_account"


def add_commands(link_app: typer.Typer) -> None:
    """Add ``actors`` to the ``link`` command group."""
    link_app.command("actors")(actors)


def actors(
    input: Annotated[Path, typer.Argument(metavar="INPUT.csv", exists=True, dir_okay=False, show_default=False,
                                          help="Actor records: an id column (record_id, rec_id or id) and fields.")],
    other: Annotated[Path | None, typer.Option("--with", exists=True, dir_okay=False, show_default=False,
                                               help="A second file: link INPUT to it instead of deduplicating.")]
    = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Match probability from which two records "
                                                                    "are one actor.")] = 0.9,
    out: Annotated[Path | None, typer.Option("--out", "-o", show_default=False, dir_okay=False,
                                             help="Write .json (everything) or .csv (record -> actor).")] = None,
    backend: Annotated[ActorBackend, typer.Option(help="duckdb (one machine) or spark (crystal-palace[spark]).")]
    = ActorBackend.duckdb,
    entity_type: Annotated[EntityType, typer.Option("--type", help="Entity type of rows without an "
                                                                   "entity_type/schema column.")]
    = EntityType.person,
    country: Annotated[str | None, typer.Option("--country", show_default=False,
                                                help="Default country (PL, IT, NL) of phone numbers without "
                                                     "+country code.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random sampling (same seed, same result).")] = 42,
    one_record_per: Annotated[str | None, typer.Option(
        "--one-record-per", show_default=False, metavar="COLUMN",
        help="A column (e.g. agency) whose every value holds at most one record per actor.")] = None,
    one_to_one: Annotated[bool, typer.Option(help="With --with: an actor has at most one record in each file.")]
    = False,
    show: Annotated[int, typer.Option(min=0, help="Matched pairs to explain in the text report.")] = 10,
) -> None:
    """Resolve actors (persons, companies, phones, vehicles, bank accounts): which records are the same one."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        from crystal_palace import link_actor_sets, resolve_actors

        logging.getLogger("splink").setLevel(logging.ERROR)  # the summary and report say what matters
        if out is not None and out.suffix.lower() not in (".json", ".csv"):
            raise fail(f"--out must end in .json or .csv, got {out.name}")
        if other is None:
            result = resolve_actors(input, dataset=input.stem, threshold=threshold, backend=backend.value,
                                    entity_type=entity_type.value, default_country=country, seed=seed,
                                    one_record_per=one_record_per)
        else:
            if one_record_per is not None:
                raise fail("--one-record-per is for deduplication; with --with use --one-to-one")
            names = (input.stem, other.stem) if input.stem != other.stem else ("left", "right")
            result = link_actor_sets(input, other, names=names, threshold=threshold, backend=backend.value,
                                     entity_type=entity_type.value, default_country=country, seed=seed,
                                     one_to_one=one_to_one)
        if out is None:
            typer.echo(render_report(result, show))
        elif out.suffix.lower() == ".json":
            out.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        else:
            write_assignments(result, out)
        typer.echo(result.summary() + (f" -> {out}" if out else ""), err=True)


def write_assignments(result: ActorResolution, path: Path) -> None:
    """One row per source record: its data set, id, resolved actor, the actor's size and values."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "record_id", "entity_id", "entity_type", "actor_size", "actor_attributes"])
        for entity in result.entities:
            attributes = json.dumps(entity.attributes, ensure_ascii=False, sort_keys=True)
            for record in entity.records:
                writer.writerow([record.dataset, record.record_id, entity.entity_id, entity.entity_type,
                                 len(entity.records), attributes])


def render_report(result: ActorResolution, show: int) -> str:
    """Readable report: the actors with more than one record, then the explained pairs."""
    lines = [result.summary(), ""]
    merged = [e for e in result.entities if len(e.records) > 1]
    if merged:
        lines.append(f"actors with more than one record ({len(merged):,}):")
        for entity in merged[:50]:
            values = ", ".join(f"{k}={v}" for k, v in entity.attributes.items())
            ids = ", ".join(f"{r.dataset}:{r.record_id}" for r in entity.records[:8])
            more = f" (+{len(entity.records) - 8} more)" if len(entity.records) > 8 else ""
            lines.append(f"  {entity.entity_id}  {values}")
            lines.append(f"      records: {ids}{more}")
        if len(merged) > 50:
            lines.append(f"  ... {len(merged) - 50:,} more (use --out for all)")
    for match in result.matches[:show]:
        lines.append("")
        lines.append(f"{match.left.dataset}:{match.left.record_id} = {match.right.dataset}:{match.right.record_id}")
        lines.append(f"  {match.explanation}")
    for problem in result.problems[:20]:
        lines.append(f"problem: record {problem.record_id}, field {problem.field!r}: {problem.reason}")
    if len(result.problems) > 20:
        lines.append(f"... {len(result.problems) - 20:,} more problems (use --out .json for all)")
    return "\n".join(lines)

"""``crystal-palace graph``: the network of seizures, samples, tablets, sites and actors, its timeline and map.

Every command reads records from a store (``--db``, default: ``$CRYSTAL_PALACE_DB``, else the user's
store) or from a JSON file of records per table (``--records``), and calls
:func:`crystal_palace.build_network`, :func:`crystal_palace.seizure_timeline` or
:func:`crystal_palace.seizure_map`. ``--links`` adds link records not stored yet (``link profiles
--format links``). Text goes to stdout, JSON with ``--format json``.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

graph_app = typer.Typer(name="graph", no_args_is_help=True,
                        help="The network of records and links: centrality, communities, paths, timeline, map.")


class GraphFormat(StrEnum):
    """Output formats of the ``graph`` commands."""

    text = "text"
    json = "json"


DB_VARIABLE = "CRYSTAL_PALACE_DB"
DbOption = Annotated[str | None, typer.Option("--db", show_default=False,
                                              help=f"Store URL or DuckDB file (default: ${DB_VARIABLE}, else the "
                                                   "user's store).")]
RecordsOption = Annotated[Path | None, typer.Option(
    "--records", show_default=False, exists=True, dir_okay=False,
    help="A JSON file of records per table ({\"seizures\": [...], ...}) instead of a store.")]
LinksOption = Annotated[list[Path] | None, typer.Option(
    "--links", show_default=False, exists=True, dir_okay=False,
    help="A JSON list of link records to add (e.g. from `link profiles --format links`); repeatable.")]
FormatOption = Annotated[GraphFormat, typer.Option("--format", "-f", help="text or json")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", show_default=False,
                                                help="Write here instead of standard output.")]


def _source(db: str | None, records: Path | None) -> Any:
    from crystal_palace.interfaces.cli.main import fail

    if db is not None and records is not None:
        raise fail("give --db or --records, not both")
    if records is not None:
        return records
    if db is None:
        db = os.environ.get(DB_VARIABLE) or None
    from crystal_palace.store.backend import parse_url

    return db if db is not None else parse_url(None)[1]


def _network(db: str | None, records: Path | None, links: list[Path] | None, strict: bool = True) -> Any:
    from crystal_palace import build_network
    from crystal_palace.exceptions import InvalidInput

    extra: list[dict[str, Any]] = []
    for path in links or []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not JSON: {exc}", field="links", record=str(path)) from None
        if not isinstance(data, list):
            raise InvalidInput("expected a JSON list of link records", field="links", record=str(path))
        extra.extend(data)
    return build_network(_source(db, records), links=extra, strict=strict)


def _emit(data: Any, text: str, format: GraphFormat, out: Path | None, *, compact: bool = False) -> None:
    indent = None if compact else 1  # the indenting encoder is pure Python: a whole network stays compact
    output = json.dumps(data, indent=indent, ensure_ascii=False, default=str) if format is GraphFormat.json else text
    if out is not None:
        out.write_text(output + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(output)


@graph_app.command()
def build(db: DbOption = None, records: RecordsOption = None, links: LinksOption = None,
          strict: Annotated[bool, typer.Option(help="A link to an unknown record is an error (else skipped "
                                                    "and listed).")] = True,
          format: FormatOption = GraphFormat.text, out: OutOption = None) -> None:
    """Build the network and summarise it (json: the whole network as node-link JSON)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        network = _network(db, records, links, strict)
        info = network.summary()
        lines = [f"nodes       {info['nodes']:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(info['kinds'].items()))})",
                 f"edges       {info['edges']:,}",
                 f"evidence    {', '.join(f'{k} {v:,}' for k, v in sorted(info['evidence_types'].items()))}",
                 f"components  {info['components']:,} (largest {info['largest_component']:,} nodes)"]
        lines += [f"skipped     {s['record']}: {s['reason']}" for s in info["skipped"]]
        _emit(network.to_dict() if format is GraphFormat.json else info, "\n".join(lines), format, out, compact=True)


@graph_app.command()
def centrality(db: DbOption = None, records: RecordsOption = None, links: LinksOption = None,
               top: Annotated[int, typer.Option(min=1, help="How many records to list.")] = 20,
               kind: Annotated[list[str] | None, typer.Option(
                   "--kind", show_default=False, help="Only these kinds: seizure, sample, tablet, site, actor.")]
               = None,
               format: FormatOption = GraphFormat.text, out: OutOption = None) -> None:
    """The records that tie cases together: betweenness and degree, most between first."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        rows = _network(db, records, links).centrality(top=top, kinds=kind)
        lines = [f"{'betweenness':>11} {'degree':>6}  {'kind':<8} {'id':<22} label"]
        lines += [f"{r['betweenness']:>11.4f} {r['degree']:>6}  {r['kind']:<8} {r['id']:<22} {r['label']}"
                  for r in rows]
        _emit(rows, "\n".join(lines), format, out)


@graph_app.command()
def communities(db: DbOption = None, records: RecordsOption = None, links: LinksOption = None,
                seed: Annotated[int, typer.Option(help="Seed of the Louvain method (same seed, same result).")] = 0,
                resolution: Annotated[float, typer.Option(min=0.0, help="Above 1: smaller communities.")] = 1.0,
                min_size: Annotated[int, typer.Option(min=1, help="Smallest community listed.")] = 2,
                format: FormatOption = GraphFormat.text, out: OutOption = None) -> None:
    """Louvain communities of the network, largest first."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        rows = _network(db, records, links).communities(seed=seed, resolution=resolution, min_size=min_size)
        lines = []
        for row in rows:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(row["kinds"].items()))
            members = " ".join(row["members"][:8]) + (" ..." if row["size"] > 8 else "")
            lines.append(f"{row['community']:>4}  {row['size']:>5} records  ({kinds})  countries "
                         f"{','.join(row['countries']) or '-'}\n      {members}")
        _emit(rows, "\n".join(lines) or "no communities", format, out)


@graph_app.command()
def path(source: Annotated[str, typer.Argument(metavar="FROM", help="A record id.")],
         target: Annotated[str, typer.Argument(metavar="TO", help="A record id.")],
         db: DbOption = None, records: RecordsOption = None, links: LinksOption = None,
         format: FormatOption = GraphFormat.text, out: OutOption = None) -> None:
    """The shortest path between two records, with the evidence of each step."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        result = _network(db, records, links).path(source, target)
        lines = [f"{result['length']} steps from {source} to {target}"]
        for step in result["steps"]:
            lines.append(f"  {step['from']['label']} -- {', '.join(step['types'])} --> {step['to']['label']}")
            for evidence in step["evidence"]:
                detail = evidence.get("explanation")
                score = evidence.get("score")
                lines.append(f"      {evidence.get('type')} ({evidence.get('method')}"
                             f"{f', score {score:.4g}' if isinstance(score, int | float) else ''})"
                             f"{': ' + json.dumps(detail, default=str) if detail else ''}")
        _emit(result, "\n".join(lines), format, out)


@graph_app.command()
def timeline(db: DbOption = None, records: RecordsOption = None,
             id: Annotated[list[str] | None, typer.Option("--id", show_default=False,
                                                          help="Only these record ids; repeatable.")] = None,
             start: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", show_default=False)] = None,
             end: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", show_default=False)] = None,
             format: FormatOption = GraphFormat.text, out: OutOption = None) -> None:
    """Seizures, samples, sites dismantled and operations in time order."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import seizure_timeline

        result = seizure_timeline(_source(db, records), ids=id, start=start, end=end)
        lines = [f"{e['date']}  {e['kind']:<17} {e['country'] or '--':<3} {e['id']:<22} {e['description']}"
                 for e in result["events"]]
        if result["undated"]:
            lines.append(f"undated: {', '.join(u['id'] for u in result['undated'][:20])}"
                         f"{' ...' if len(result['undated']) > 20 else ''} ({len(result['undated']):,})")
        _emit(result, "\n".join(lines) or "no events", format, out)


@graph_app.command()
def geojson(db: DbOption = None, records: RecordsOption = None,
            id: Annotated[list[str] | None, typer.Option("--id", show_default=False,
                                                         help="Only these record ids; repeatable.")] = None,
            out: OutOption = None) -> None:
    """Seizures and production sites as a GeoJSON FeatureCollection (for any map)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import seizure_map

        collection = seizure_map(_source(db, records), ids=id)
        _emit(collection, "", GraphFormat.json, out, compact=True)
        typer.echo(f"{len(collection['features']):,} features; {len(collection['without_coordinates']):,} "
                   "records without coordinates", err=True)


def register(app: typer.Typer) -> None:
    """Add ``graph`` to the ``crystal-palace`` command."""
    app.add_typer(graph_app)

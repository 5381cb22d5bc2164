"""``crystal-palace precursors``: screen manifests, check single chemicals, list the routes.

``precursors screen MANIFEST.csv|.xlsx [--out FILE] [--format csv|json] [--html REPORT.html]`` writes one
line per manifest row (risk, reason, target drugs, estimates) and prints a summary on stderr;
``precursors check QUERY...`` explains the role of each chemical with its paths;
``precursors routes`` lists the routes from chemicals to drugs of the precursor data. Each calls one
workflow function (:func:`crystal_palace.screen_manifest`, :func:`crystal_palace.screen_precursors`,
:func:`crystal_palace.precursor_routes`).
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

precursors_app = typer.Typer(name="precursors", no_args_is_help=True,
                             help="Precursor screening: scheduled, designer and pre-precursors, alone or in "
                                  "a shipping manifest, with the drugs they lead to.")

MaxStepsOption = Annotated[int, typer.Option("--max-steps", min=0, max=4,
                                             help="Transformation steps searched from a structure.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", show_default=False,
                                                help="Date of the scheduling (default: today).")]


class ManifestFormat(StrEnum):
    """Output formats of ``precursors screen``."""

    csv = "csv"
    json = "json"


class CheckFormat(StrEnum):
    """Output formats of ``precursors check``."""

    text = "text"
    json = "json"


class RoutesFormat(StrEnum):
    """Output formats of ``precursors routes``."""

    text = "text"
    json = "json"
    csv = "csv"


@precursors_app.command()
def screen(
    manifest: Annotated[Path, typer.Argument(metavar="MANIFEST", show_default=False, exists=True, dir_okay=False,
                                             help="A .csv, .tsv or .xlsx manifest or chemical order.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", show_default=False,
                                             help="Write the rows here (default: standard output).")] = None,
    format: Annotated[ManifestFormat | None, typer.Option(
        "--format", "-f", show_default=False, help="csv (one line per row) or json (rows and totals); "
                                                   "default: json for a .json --out, else csv.")] = None,
    html: Annotated[Path | None, typer.Option("--html", show_default=False, dir_okay=False,
                                              help="Also write a readable HTML report here.")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", show_default=False,
                                              help="Worksheet of an XLSX file (default: the first).")] = None,
    max_steps: MaxStepsOption = 2,
    as_of: AsOfOption = None,
    iupac_names: Annotated[bool, typer.Option(help="Parse product names unknown to the reference data as IUPAC "
                                                   "names with OPSIN (needs Java).")] = True,
) -> None:
    """Screen every row of a manifest: risk class, reason, target drugs and how much drug it could make.

    Rows that cannot be read are kept, with the reason in their errors column.
    """
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import screen_manifest
        from crystal_palace.precursors.report import result_json, rows_csv

        chosen = format.value if format else None
        result = screen_manifest(manifest, out=out, format=chosen, html=html, sheet=sheet, max_steps=max_steps,
                                 as_of=as_of, iupac_names=iupac_names)
        if out is None:
            text = result_json(result) + "\n" if chosen == "json" else rows_csv(result["rows"])
            typer.echo(text, nl=False)
        typer.echo(render_summary(result), err=True)


def render_summary(result: dict[str, Any]) -> str:
    """A few lines for stderr: counts by risk, the flagged consignees and the drug estimates."""
    totals = result["totals"]
    counts = ", ".join(f"{n} {risk}" for risk, n in totals["by_risk"].items() if n)
    lines = [f"{totals['rows']:,} rows screened in {result['source']}: {counts}; "
             f"{totals['rows_with_errors']} with unreadable fields"]
    if result["blank_rows"]:
        lines[0] += f"; blank lines skipped: {', '.join(map(str, result['blank_rows'][:10]))}"
    for c in totals["by_consignee"][:5]:
        if c["flagged_rows"]:
            lines.append(f"  {c['consignee']}: {c['flagged_rows']} flagged rows, {c['flagged_kg']:.1f} kg")
    for d in [d for d in totals["by_drug"] if d["estimate_kg"] > 0][:5]:
        lines.append(f"  could make up to {d['estimate_kg']:.1f} kg {d['drug']} (from {d['chemical_kg']:.1f} kg "
                     f"in {d['rows']} rows)")
    if totals["by_drug"]:
        lines.append("  " + totals["yield_assumption"])
    return "\n".join(lines)


@precursors_app.command()
def check(
    queries: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False,
                                                 help="CAS number, name, SMILES, InChI or InChIKey; quote each.")],
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="text, or json (an array)")]
    = CheckFormat.text,
    max_steps: MaxStepsOption = 2,
    as_of: AsOfOption = None,
) -> None:
    """Say whether chemicals are scheduled, designer or pre-precursors, which drugs they lead to, and how.

    Exits 1 when any query cannot be read (every verdict is still printed).
    """
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import screen_precursors

        results = screen_precursors(queries, max_steps=max_steps, as_of=as_of)
        if format is CheckFormat.json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        else:
            typer.echo("\n".join(render_check(r) for r in results), nl=False)
    if any(r["errors"] for r in results):
        raise typer.Exit(1)


def render_check(result: dict[str, Any]) -> str:
    """A readable block for one checked chemical."""
    lines = [result["query"]]
    p = result.get("precursor")
    if p is not None:
        lines.append(f"  identified  {result.get('identified_as')} (by {result.get('identified_by')})")
        role = p["role"] + (" (a controlled drug)" if p.get("drug") else "")
        lines.append(f"  role        {role}")
        lines.append(f"  category    {p['category']}")
        lines.append(f"  why         {p['reason']}")
        if p["leads_to"]:
            lines.append(f"  leads to    {', '.join(p['leads_to'])}")
        for path in p["paths"][:5]:
            steps = " -> ".join(f"[{s['name']}] {s['substance'] or s['smiles']}" for s in path["steps"])
            lines.append(f"  path        {steps}  =>  {path['target']} ({path['target_status']})")
        if len(p["paths"]) > 5:
            lines.append(f"              ... {len(p['paths']) - 5} more paths (--format json shows all)")
    for error in result.get("errors") or []:
        lines.append(f"  error       {error.get('field')}: {error.get('reason')}")
    return "\n".join(lines) + "\n"


@precursors_app.command()
def routes(
    format: Annotated[RoutesFormat, typer.Option("--format", "-f", help="text, json or csv")] = RoutesFormat.text,
) -> None:
    """List the routes of the precursor data: chemical, product, method, assumed yield, source."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import precursor_routes

        found = precursor_routes()
        if format is RoutesFormat.json:
            typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        elif format is RoutesFormat.csv:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(found[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(found)
            typer.echo(buffer.getvalue(), nl=False)
        else:
            for r in found:
                yield_text = f"yield {r['assumed_yield']:.2f}" if r["assumed_yield"] is not None else r["kind"]
                typer.echo(f"{r['from']} -> {r['to']}  ({yield_text}): {r['method']}")


def register(app: typer.Typer) -> None:
    """Add ``precursors`` to the ``crystal-palace`` command."""
    app.add_typer(precursors_app)

"""``crystal-palace legal``: explain the legal status of queries, list what is controlled, list jurisdictions.

Each command calls one workflow function (:func:`crystal_palace.explain_legal`,
:func:`crystal_palace.list_legal`, :func:`crystal_palace.legal_jurisdictions`). In text output a verdict
reads ``CONTROLLED``, ``not controlled`` or ``UNDECIDED (the encoded rules do not decide)``; an
undecided verdict is never shown as not controlled.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from crystal_palace.interfaces.cli.commands import (
    AsOfOption,
    JurisdictionOption,
    RulesOption,
    render_legal,
)

legal_app = typer.Typer(name="legal", no_args_is_help=True, help="Legal status per jurisdiction and date: "
                        "explain the verdicts for substances, list what is controlled, list jurisdictions.")


class ExplainFormat(StrEnum):
    """Output formats of ``legal explain`` and ``legal jurisdictions``."""

    text = "text"
    json = "json"


class ListFormat(StrEnum):
    """Output formats of ``legal list``."""

    text = "text"
    json = "json"
    csv = "csv"


_SINCE_WORDS = {"exact": "since {d}", "lower": "since {d} at the earliest", "upper": "by {d} at the latest"}
LIST_COLUMNS = ("jurisdiction", "basis", "substance_id", "substance", "instrument", "via", "category", "entry",
                "rule", "since", "since_bound", "until", "completeness", "source")


@legal_app.command()
def explain(
    queries: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False,
                                                 help="SMILES, InChI, InChIKey, CAS number or name; quote each.")],
    jurisdiction: JurisdictionOption = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
    format: Annotated[ExplainFormat, typer.Option("--format", "-f", help="text, or json (an array)")]
    = ExplainFormat.text,
) -> None:
    """Explain the legal status of substances: per jurisdiction, the verdict, its basis and the reasons.

    Exits 1 when any query cannot be read (every verdict is still printed), and non-zero with the line
    and reason when a --rules file is malformed.
    """
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import explain_legal

        results = explain_legal(queries, jurisdictions=jurisdiction, as_of=as_of, rules=rules or ())
        if format is ExplainFormat.json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        else:
            typer.echo("\n".join(render_explanation(r) for r in results), nl=False)
    if any(r.get("errors") for r in results):
        raise typer.Exit(1)


def render_explanation(result: dict[str, Any]) -> str:
    """A readable block for one query: identity, date asked, and each jurisdiction's verdict with reasons."""
    lines = [f"{result.get('query')}  [{result.get('input_type') or 'unknown type'}]"]
    identity = result.get("identity")
    structure = result.get("structure") or {}
    if identity:
        lines.append(f"  identity    {identity.get('name')} ({identity.get('id')}), "
                     f"{identity.get('match_level')} match")
    elif structure:
        lines.append(f"  identity    not in the reference library: {structure.get('smiles')}")
    if structure:
        lines.append(f"  family      {result.get('family')}")
        lines.append(f"  as of       {result.get('as_of')}")
    lines.extend(render_legal(result.get("legal") or [], explanations=True))
    for error in result.get("errors") or []:
        lines.append(f"  error       {error.get('field')}: {error.get('reason')}")
    return "\n".join(lines) + "\n"


@legal_app.command("list")
def list_(
    jurisdiction: JurisdictionOption = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text, json (an array) or csv")]
    = ListFormat.text,
) -> None:
    """List what is controlled on a date: each listing and generic definition in force, per jurisdiction."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import list_legal
        from crystal_palace.workflows.legal import split_codes

        rows = list_legal(jurisdiction, as_of, rules=rules or ())
        if format is ListFormat.json:
            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        elif format is ListFormat.csv:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=LIST_COLUMNS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            typer.echo(buffer.getvalue(), nl=False)
        else:
            typer.echo(render_list(rows), nl=False)
        day = as_of or datetime.date.today().isoformat()
        where = ", ".join(split_codes(jurisdiction) or ()) or "all jurisdictions"
        typer.echo(f"{len(rows):,} listings and generic definitions in force in {where} on {day}", err=True)


def render_list(rows: list[dict[str, Any]]) -> str:
    """Rows of ``legal list`` as aligned text, one line each."""
    lines = []
    for r in rows:
        what = r["substance"] if r["basis"] != "generic" else f"generic definition {r['rule']}"
        via = f" (via {r['via']})" if r.get("via") else ""
        dates = _SINCE_WORDS.get(r.get("since_bound") or "exact", "since {d}").format(d=r["since"]) + \
            (f", until {r['until']}" if r.get("until") else "")
        lines.append(f"{r['jurisdiction']:<3} {r['basis']:<9} {r['instrument']}{via}  {r['category']}  {what}  {dates}")
    return "\n".join(lines) + ("\n" if lines else "")


@legal_app.command()
def jurisdictions(
    rules: RulesOption = None,
    format: Annotated[ExplainFormat, typer.Option("--format", "-f", help="text, or json (an array)")]
    = ExplainFormat.text,
) -> None:
    """List the jurisdictions, how completely their lists are encoded, and their instruments."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import legal_jurisdictions

        found = legal_jurisdictions(rules=rules or ())
        if format is ExplainFormat.json:
            typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
            return
        for j in found:
            typer.echo(f"{j['code']:<3} {j['name']}  (coverage {j['coverage']}: {j['listings']} listed substances, "
                       f"{len(j['generic_rules'])} generic definitions)")
            for i in j["instruments"]:
                until = f" until {i['until']}" if i["until"] else ""
                typer.echo(f"      {i['id']:<22} {i['kind']:<9} in force {i['in_force']}{until}  {i['short']}")


def register(app: typer.Typer) -> None:
    """Add ``legal`` to the ``crystal-palace`` command."""
    app.add_typer(legal_app)

"""``crystal-palace operation report``: a joint operation's results by country, as text, JSON or HTML.

Calls :func:`crystal_palace.operation_report` on records from a store (``--db``) or a JSON file of
records per table (``--records``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from crystal_palace.interfaces.cli.commands.graph import DbOption, OutOption, RecordsOption, _source

operation_app = typer.Typer(name="operation", no_args_is_help=True, help="Joint operations: results by country.")


class ReportFormat(StrEnum):
    """Output formats of ``operation report``."""

    text = "text"
    json = "json"
    html = "html"


@operation_app.command()
def report(operation: Annotated[str, typer.Argument(metavar="OPERATION", help="The operation's id or name.")],
           db: DbOption = None, records: RecordsOption = None,
           format: Annotated[ReportFormat, typer.Option("--format", "-f", help="text, json or html")]
           = ReportFormat.text,
           out: OutOption = None) -> None:
    """Seizures, quantities per substance, arrests and sites dismantled, by country and in total."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import operation_report

        result = operation_report(_source(db, records), operation)
        if format is ReportFormat.json:
            text = json.dumps(result.to_dict(), indent=1, ensure_ascii=False)
        elif format is ReportFormat.html:
            text = result.to_html()
        else:
            text = render_text(result.to_dict())
        if out is not None:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {out}", err=True)
        else:
            typer.echo(text, nl=not text.endswith("\n"))


def render_text(data: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    from crystal_palace.analysis.operation import title

    op = data["operation"]
    lines = [f"{title(data)} ({op['started_on'] or '?'} to {op['ended_on'] or '?'}), "
             f"participants {', '.join(op['countries']) or 'not recorded'}", "",
             f"{'country':<8} {'seizures':>8} {'arrests':>8} {'sites dismantled':>17} {'sites recorded':>15}"]
    for row in [*data["countries"], data["totals"]]:
        lines.append(f"{row['country']:<8} {row['seizures']:>8} {row['arrests']:>8} {row['sites_dismantled']:>17} "
                     f"{row['sites_recorded']:>15}")
        for q in row["quantities"]:
            amount = f"{q['quantity']:.3f}" if q["unit"] in ("kg", "l") else f"{q['quantity']:.0f}"
            lines.append(f"{'':<8} {q['substance']}: {amount} {q['unit']}")
    lines.extend(f"note: {n}" for n in data["notes"])
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    """Add ``operation`` to the ``crystal-palace`` command."""
    app.add_typer(operation_app)

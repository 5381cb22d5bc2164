"""``crystal-palace warn``: run the early-warning engine, list and acknowledge alerts, write reports.

Each command calls one workflow function (:func:`crystal_palace.warn_run`, :func:`crystal_palace.list_alerts`,
:func:`crystal_palace.acknowledge_alert`, :func:`crystal_palace.warn_report`). Detections come from
``--detections FILE`` (CSV/TSV/Parquet with the detections columns) or from a store (``--db``); alerts are
kept in the store, or in ``--alerts-db`` (default: ``warn.duckdb`` in the data folder).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

warn_app = typer.Typer(name="warn", no_args_is_help=True, help="Early warning: first detections, rises and "
                       "spread of substances across countries; alerts and weekly or monthly reports.")

DetectionsOption = Annotated[Path | None, typer.Option(
    "--detections", "-d", show_default=False, help="Detections file (.csv, .tsv or .parquet).")]
DbOption = Annotated[str | None, typer.Option("--db", show_default=False,
                                              help="Store to read detections from and keep alerts in.")]
AlertsDbOption = Annotated[Path | None, typer.Option(
    "--alerts-db", show_default=False, help="DuckDB file for alerts (default: warn.duckdb in the data folder).")]


class PeriodChoice(StrEnum):
    """Reporting periods."""

    week = "week"
    month = "month"


class TextOrJson(StrEnum):
    """Output formats of ``run`` and ``alerts``."""

    text = "text"
    json = "json"


class ReportFormatChoice(StrEnum):
    """Output formats of ``report``."""

    html = "html"
    pdf = "pdf"
    json = "json"


class KindChoice(StrEnum):
    """Alert kinds."""

    new_substance = "new_substance"
    spread = "spread"
    rise = "rise"
    analogue = "analogue"


def _line(alert: dict[str, Any]) -> str:
    status = "ack " if alert["acknowledged"] else "OPEN"
    return (f"{status} {alert['key']}  {alert['period']:<8} {alert['kind']:<13} {alert['country']:<2}  "
            f"{alert['substance']}\n      {alert['why']}\n      records: {len(alert['record_ids'])} "
            f"({', '.join(alert['record_ids'][:5])}{', ...' if len(alert['record_ids']) > 5 else ''})")


@warn_app.command()
def run(
    detections: DetectionsOption = None,
    db: DbOption = None,
    alerts_db: AlertsDbOption = None,
    period: Annotated[PeriodChoice, typer.Option(help="Period of the counts and of the rise tests.")]
    = PeriodChoice.week,
    since: Annotated[str | None, typer.Option(show_default=False, help="First day to look at (YYYY-MM-DD; "
                                              "default: the start of the latest period in the data).")] = None,
    until: Annotated[str | None, typer.Option(show_default=False, help="Last day to look at (YYYY-MM-DD).")] = None,
    alpha: Annotated[float, typer.Option(min=0.0001, max=0.2, help="False-alarm rate of a rise test.")] = 0.01,
    analogues: Annotated[bool, typer.Option(help="Look for analogues of recently controlled substances.")] = True,
    format: Annotated[TextOrJson, typer.Option("--format", "-f", help="text, or json")] = TextOrJson.text,
) -> None:
    """Look for new substances, spread, rises and analogues; store and print the alerts not seen before."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import warn_run

        result = warn_run(str(detections) if detections else None, db=db, alerts_db=alerts_db,
                          period=period.value, since=since, until=until, alpha=alpha, analogues=analogues)
        out = result.to_dict()
        if format is TextOrJson.json:
            typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        else:
            for alert in out["alerts"]:
                typer.echo(_line(alert))
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(out["new_by_kind"].items())) or "none"
        typer.echo(f"{out['detections']:,} detections, {out['since']} to {out['until']} by {out['period']}: "
                   f"{out['new_alerts']} new alert(s) ({kinds}), {out['repeated_alerts']} already known, "
                   f"{out['rise_tests']:,} rise tests at alpha {alpha:g}", err=True)


@warn_app.command()
def alerts(
    db: DbOption = None,
    alerts_db: AlertsDbOption = None,
    kind: Annotated[KindChoice | None, typer.Option(show_default=False, help="Only this kind.")] = None,
    country: Annotated[str | None, typer.Option(show_default=False, help="Only this country (or EU).")] = None,
    open_only: Annotated[bool, typer.Option("--open/--all", help="Only alerts not acknowledged yet.")] = False,
    since: Annotated[str | None, typer.Option(show_default=False, help="Periods from (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(show_default=False, help="Periods until (YYYY-MM-DD).")] = None,
    format: Annotated[TextOrJson, typer.Option("--format", "-f", help="text, or json")] = TextOrJson.text,
) -> None:
    """List stored alerts, newest first, with why each fired and the records behind it."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import list_alerts

        found = list_alerts(db=db, alerts_db=alerts_db, kind=kind.value if kind else None, country=country,
                            acknowledged=False if open_only else None, since=since, until=until)
        if format is TextOrJson.json:
            typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        else:
            for alert in found:
                typer.echo(_line(alert))
        typer.echo(f"{len(found)} alert(s)", err=True)


@warn_app.command()
def ack(
    keys: Annotated[list[str], typer.Argument(metavar="KEY...", show_default=False, help="Alert keys.")],
    by: Annotated[str | None, typer.Option(show_default=False, help="Who acknowledges.")] = None,
    note: Annotated[str | None, typer.Option(show_default=False, help="A note kept with the alert.")] = None,
    db: DbOption = None,
    alerts_db: AlertsDbOption = None,
) -> None:
    """Acknowledge alerts: they stay stored, marked as seen (warn alerts --open hides them)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import acknowledge_alert

        for key in keys:
            done = acknowledge_alert(key, by=by, note=note, db=db, alerts_db=alerts_db)
            typer.echo(f"acknowledged {done['key']} ({done['kind']}, {done['substance']}, {done['period']})")


@warn_app.command()
def report(
    detections: DetectionsOption = None,
    db: DbOption = None,
    alerts_db: AlertsDbOption = None,
    period: Annotated[PeriodChoice, typer.Option(help="week or month")] = PeriodChoice.week,
    at: Annotated[str | None, typer.Option(show_default=False, help="A day in the period to report "
                                           "(YYYY-MM-DD; default: the latest period in the data).")] = None,
    format: Annotated[ReportFormatChoice, typer.Option("--format", "-f", help="html, pdf or json (a JSON Feed)")]
    = ReportFormatChoice.html,
    out: Annotated[Path | None, typer.Option("--out", "-o", show_default=False,
                                             help="Output file (default: standard output; required for pdf).")]
    = None,
    alpha: Annotated[float, typer.Option(min=0.0001, max=0.2, help="False-alarm rate of a rise test.")] = 0.01,
) -> None:
    """Write the weekly or monthly report: charts, new substances with structures, formal notifications."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        from crystal_palace import warn_report

        if format is ReportFormatChoice.pdf and out is None and sys.stdout.isatty():
            raise fail("a PDF is not written to a terminal: give --out FILE.pdf (or redirect)")
        result = warn_report(str(detections) if detections else None, db=db, alerts_db=alerts_db,
                             period=period.value, at=at, format=format.value, out=out, alpha=alpha)
        if out is None:
            if isinstance(result.content, bytes):
                sys.stdout.buffer.write(result.content)
                sys.stdout.flush()
            elif isinstance(result.content, dict):
                typer.echo(json.dumps(result.content, indent=2, ensure_ascii=False))
            else:
                typer.echo(result.content, nl=False)
        typer.echo(f"report {result.label}: {result.alerts} alert(s), {result.new_substances} new substance(s)"
                   f"{' -> ' + str(out) if out else ''}", err=True)


@warn_app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Detections file to write (.csv or .parquet).")],
    years: Annotated[float, typer.Option(min=0.5, max=10, help="Years of data.")] = 3.0,
    start: Annotated[str, typer.Option(help="First day (a Monday).")] = "2023-01-02",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    events: Annotated[bool, typer.Option(help="Inject the scenario's events (a new substance that "
                                         "spreads, a known one that doubles).")] = True,
) -> None:
    """Write generated detections with known events, to try the engine and the reports."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.warn.simulate import simulate as generate

        made = generate(start=start, years=years, seed=seed, events=None if events else [])
        frame = made.detections.assign(date=made.detections["date"].dt.date.astype(str))
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        typer.echo(f"wrote {len(frame):,} detections to {out}", err=True)
        for event in made.events:
            typer.echo(f"event: {event}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``warn`` to the ``crystal-palace`` command."""
    app.add_typer(warn_app)

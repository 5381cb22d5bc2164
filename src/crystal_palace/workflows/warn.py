"""Early warning: run the engine, list and acknowledge alerts, write the weekly or monthly report.

These are the entry points that ``crystal-palace warn ...`` and ``/v1/warn/...`` call. Detections come
from a detections table (a pandas DataFrame, or a CSV/Parquet file with the columns of
:data:`crystal_palace.warn.detections.COLUMNS`) or from a store (``db``: the seizures, samples and lab
results that name a substance by InChIKey). Alerts are kept in the store when one is given, otherwise in
a DuckDB file (``alerts_db``, by default ``warn.duckdb`` in the user's data folder); each alert is stored
once, so running again tells only what is new.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

import pandas as pd

from crystal_palace.exceptions import InvalidInput
from crystal_palace.paths import data_home
from crystal_palace.warn.alerts import Alert, AlertTable
from crystal_palace.warn.detections import require_detections
from crystal_palace.warn.periods import require_period
from crystal_palace.warn.signals import WarnSettings
from crystal_palace.workflows.legal import require_as_of

__all__ = ["warn_run", "list_alerts", "acknowledge_alert", "warn_report", "load_detections", "WarnRun",
           "WarnReport"]

DetectionsSource: TypeAlias = pd.DataFrame | str | Path | None
ReportFormat = Literal["html", "pdf", "json"]
REPORT_FORMATS = ("html", "pdf", "json")


def default_alerts_path() -> Path:
    """The DuckDB file that keeps alerts when no store is given."""
    return data_home() / "warn.duckdb"


def load_detections(detections: DetectionsSource = None, *, db: str | Path | None = None) -> pd.DataFrame:
    """The checked detections table from a DataFrame, a CSV/TSV/Parquet file, or a store."""
    if detections is not None and db is not None:
        raise InvalidInput("give detections or a store (db), not both", field="detections")
    if isinstance(detections, pd.DataFrame):
        return require_detections(detections)
    if detections is not None:
        return require_detections(_read_table(Path(detections)))
    if db is not None:
        from crystal_palace.warn.store_io import detections_from_store

        return require_detections(detections_from_store(db))
    raise InvalidInput("no detections: give a detections file or a store (db)", field="detections")


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InvalidInput(f"no such file: {path}", field="detections", record=str(path))
    suffixes = "".join(path.suffixes[-2:]).lower()
    if suffixes.endswith(".parquet"):
        return pd.read_parquet(path)
    if suffixes.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
        return pd.read_csv(path, sep="\t" if ".tsv" in suffixes else ",", dtype=str, keep_default_na=False)
    raise InvalidInput(f"cannot read {path.name}: use a .csv, .tsv or .parquet detections file",
                       field="detections", record=str(path))


def _default_store(db: str | Path | None, *others: object) -> str | Path | None:
    """``db``, or the user's default store when nothing else names a source and that store exists.

    So that ``crystal-palace warn run`` after ``crystal-palace demo generate`` (what ``make run`` does)
    reads the same store the other commands use, without a ``--db``.
    """
    if db is not None or any(o is not None for o in others):
        return db
    from crystal_palace.paths import default_store_path

    path = default_store_path()
    return path if path.exists() else None


def _alert_table(db: str | Path | None, alerts_db: str | Path | None) -> AlertTable:
    if db is not None and alerts_db is None:
        from crystal_palace.warn.store_io import alert_table_in_store

        return alert_table_in_store(db)
    return AlertTable(alerts_db if alerts_db is not None else default_alerts_path())


@dataclass
class WarnRun:
    """What a run found: the new alerts (stored now), how many were known already, and the window."""

    new: list[Alert]
    repeated: int
    since: datetime.date
    until: datetime.date
    period: str
    detections: int
    rise_tests: int
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready summary with the new alerts."""
        by_kind: dict[str, int] = {}
        for alert in self.new:
            by_kind[alert.kind] = by_kind.get(alert.kind, 0) + 1
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "period": self.period,
                "detections": self.detections, "rise_tests": self.rise_tests, "new_alerts": len(self.new),
                "repeated_alerts": self.repeated, "new_by_kind": by_kind, "settings": self.settings,
                "alerts": [a.to_dict() for a in self.new]}


def _settings(period: str, alpha: float, analogues: bool, settings: WarnSettings | None) -> WarnSettings:
    if settings is not None:
        return settings
    return WarnSettings(period=require_period(period), alpha=alpha, analogues=analogues)


def warn_run(detections: DetectionsSource = None, *, db: str | Path | None = None,
             alerts_db: str | Path | None = None, period: str = "week", since: datetime.date | str | None = None,
             until: datetime.date | str | None = None, alpha: float = 0.01, analogues: bool = True,
             settings: WarnSettings | None = None) -> WarnRun:
    """Look for first detections, spread, rises and analogues in the periods from ``since`` to ``until``.

    By default only the latest period of the data is looked at: a weekly run after the week's records
    are in. Alerts found before (same key) are not stored or returned again.
    """
    db = _default_store(db, detections, alerts_db)
    from crystal_palace.warn.engine import detect

    chosen = _settings(period, alpha, analogues, settings)
    table = load_detections(detections, db=db)
    found = detect(table, chosen, since=require_as_of(since) if isinstance(since, str) else since,
                   until=require_as_of(until) if isinstance(until, str) else until)
    store = _alert_table(db, alerts_db)
    try:
        new = store.add(found.alerts)
    finally:
        store.close()
    return WarnRun(new=new, repeated=len(found.alerts) - len(new), since=found.since.date(),
                   until=found.until.date(), period=chosen.period, detections=len(table), rise_tests=found.rise_tests,
                   settings={"alpha": chosen.alpha, "baseline_years": chosen.baseline_years,
                             "min_history": chosen.history_needed, "min_count": chosen.min_count,
                             "warmup_days": chosen.warmup_days, "analogues": chosen.analogues})


def list_alerts(*, db: str | Path | None = None, alerts_db: str | Path | None = None, kind: str | None = None,
                country: str | None = None, acknowledged: bool | None = None,
                since: datetime.date | str | None = None,
                until: datetime.date | str | None = None) -> list[dict[str, Any]]:
    """Stored alerts, newest period first, each with the records behind it (``record_ids``)."""
    db = _default_store(db, alerts_db)
    store = _alert_table(db, alerts_db)
    try:
        return [a.to_dict() for a in store.list(kind=kind, country=country, acknowledged=acknowledged,
                                                since=require_as_of(since) if isinstance(since, str) else since,
                                                until=require_as_of(until) if isinstance(until, str) else until)]
    finally:
        store.close()


def acknowledge_alert(key: str, *, by: str | None = None, note: str | None = None, db: str | Path | None = None,
                      alerts_db: str | Path | None = None) -> dict[str, Any]:
    """Mark a stored alert as acknowledged (who, when, a note); an unknown key is an error."""
    db = _default_store(db, alerts_db)
    store = _alert_table(db, alerts_db)
    try:
        return store.acknowledge(key.strip(), by=by, note=note).to_dict()
    finally:
        store.close()


@dataclass
class WarnReport:
    """A rendered report: its format, content (text for HTML, bytes for PDF, a dict for JSON) and summary."""

    format: str
    content: str | bytes | dict[str, Any]
    label: str
    alerts: int
    new_substances: int

    @property
    def media_type(self) -> str:
        """The HTTP media type of the content."""
        return {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                "json": "application/feed+json"}[self.format]


def warn_report(detections: DetectionsSource = None, *, db: str | Path | None = None,
                alerts_db: str | Path | None = None, period: str = "week", at: datetime.date | str | None = None,
                format: str = "html", out: str | Path | None = None, alpha: float = 0.01,
                analogues: bool = True, renderer: str = "auto") -> WarnReport:
    """The report of the period holding ``at`` (default: the latest period of the data), as HTML, PDF or JSON.

    Its alerts are found afresh for that period (so a report never misses one) and shown with their
    stored acknowledgement. ``out`` writes the content to a file as well.
    """
    db = _default_store(db, detections, alerts_db)
    from crystal_palace.warn.engine import detect
    from crystal_palace.warn.report import build_report, json_feed, render_html

    if format not in REPORT_FORMATS:
        raise InvalidInput(f"unknown report format {format!r}; use {', '.join(REPORT_FORMATS)}", field="format")
    chosen = _settings(period, alpha, analogues, None)
    day = require_as_of(at) if isinstance(at, str) else at
    table = load_detections(detections, db=db)
    found = detect(table, chosen, since=day, until=day)
    store = _alert_table(db, alerts_db)
    try:
        stored = {a.key: a for a in store.list(keys=[a.key for a in found.alerts])}
    finally:
        store.close()
    alerts = [stored.get(a.key, a) for a in found.alerts]
    report = build_report(table, alerts, chosen.period, found.since.date(), notifications=format != "json")
    content: str | bytes | dict[str, Any]
    if format == "json":
        content = json_feed(report)
    else:
        html = render_html(report)
        if format == "pdf":
            from crystal_palace.warn.pdf import html_to_pdf

            content = html_to_pdf(html, renderer)  # type: ignore[arg-type]
        else:
            content = html
    if out is not None:
        _write(Path(out), content)
    return WarnReport(format, content, report.label, len(report.alerts), len(report.alerts_of("new_substance")))


def _write(path: Path, content: str | bytes | dict[str, Any]) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, dict):
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(content, encoding="utf-8")

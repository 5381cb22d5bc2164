"""The weekly or monthly early-warning report: HTML with inline SVG charts, formal notifications, JSON feed.

The HTML is self-contained (styles and charts inline, nothing loaded from the network), so that it can
be mailed, archived and turned into a PDF (:mod:`crystal_palace.warn.pdf`) as it is. Each new substance
gets a formal notification modelled on the EU Early Warning System's: identity, structure, analytical
data, first-detection details, spread so far, legal status and nearest controlled analogues.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crystal_palace import __version__
from crystal_palace.warn.alerts import Alert
from crystal_palace.warn.charts import europe_map, heat_map, trend_chart
from crystal_palace.warn.detections import EU, records_of
from crystal_palace.warn.periods import Period, period_end, period_label, period_range, period_start, period_starts

TREND_PERIODS = {"week": 26, "month": 12}
MAX_TRENDS = 6
MAX_HEAT_ROWS = 15


@dataclass
class Report:
    """Everything a report shows, computed once and rendered as HTML, PDF or JSON."""

    period: Period
    label: str
    start: datetime.date
    end: datetime.date
    generated_at: datetime.datetime
    data_since: datetime.date | None
    detections: int
    by_country: dict[str, int]
    alerts: list[Alert]
    notifications: list[dict[str, Any]] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The report's title."""
        return f"Early warning report, {self.period} {self.label}"

    def alerts_of(self, kind: str) -> list[Alert]:
        """The period's alerts of one kind."""
        return [a for a in self.alerts if a.kind == kind]


def build_report(detections: pd.DataFrame, alerts: list[Alert], period: Period,
                 at: datetime.date | str | None = None, *, notifications: bool = True) -> Report:
    """The report for the period holding ``at`` (default: the latest period of the data).

    ``alerts`` may hold any alerts: those of the period are kept. ``notifications=False`` leaves out the
    formal notifications (they run the identify workflow for each new substance).
    """
    if at is not None:
        day = pd.Timestamp(at)
    elif not detections.empty:
        day = detections["date"].max()
    else:
        day = pd.Timestamp(datetime.date.today())
    start = period_start(day, period)
    end = period_end(start, period)
    in_period = detections[(detections["date"] >= start) & (detections["date"] <= end)]
    kept = sorted((a for a in alerts if start.date() <= a.period_start <= end.date()),
                  key=lambda a: (_KIND_ORDER.get(a.kind, 9), a.substance, a.country))
    report = Report(period=period, label=period_label(start, period), start=start.date(), end=end.date(),
                    generated_at=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
                    data_since=detections["date"].min().date() if not detections.empty else None,
                    detections=len(in_period),
                    by_country={str(k): int(v) for k, v in in_period["country"].value_counts().sort_index().items()},
                    alerts=kept)
    report.charts = _charts(detections, in_period, kept, period, start)
    if notifications:
        report.notifications = [notification(detections, a, end.date()) for a in report.alerts_of("new_substance")]
    return report


_KIND_ORDER = {"new_substance": 0, "analogue": 1, "spread": 2, "rise": 3}


def _charts(detections: pd.DataFrame, in_period: pd.DataFrame, alerts: list[Alert], period: Period,
            start: pd.Timestamp) -> dict[str, str]:
    first = start - (pd.DateOffset(weeks=TREND_PERIODS["week"] - 1) if period == "week"
                     else pd.DateOffset(months=TREND_PERIODS["month"] - 1))
    grid = period_range(first, start, period)
    window = detections[(detections["date"] >= grid[0]) & (detections["date"] <= period_end(start, period))]
    alerted = [a.subject for a in alerts if not a.subject.startswith("family:")]
    top = in_period["inchikey"].value_counts().index.tolist()
    chosen = list(dict.fromkeys([*alerted, *top]))[:MAX_TRENDS]
    names = detections.groupby("inchikey")["substance"].agg(lambda s: s.mode().iloc[0])
    starts = period_starts(window["date"], period)
    labels = [period_label(p, period) for p in grid]
    series: dict[str, list[float]] = {}
    marks: dict[str, list[int]] = {}
    for key in chosen:
        counts = starts[window["inchikey"] == key].value_counts()
        name = str(names.get(key, key))
        series[name] = [float(counts.get(p, 0)) for p in grid]
        marks[name] = [i for i, p in enumerate(grid)
                       if any(a.subject == key and a.country == EU and a.kind == "rise" and
                              a.period_start == p.date() for a in alerts)]
    charts = {"trend": trend_chart(labels, series, marks=marks,
                                   title=f"Detections per {period}, EU, last {len(grid)} {period}s")}
    heat_rows = in_period["inchikey"].value_counts().index.tolist()[:MAX_HEAT_ROWS]
    countries = sorted(in_period["country"].unique().tolist())
    table = in_period.groupby(["inchikey", "country"]).size()
    charts["heat_map"] = heat_map([str(names.get(k, k)) for k in heat_rows], countries,
                                  [[float(table.get((k, c), 0)) for c in countries] for k in heat_rows],
                                  title=f"Detections by substance and country, {period_label(start, period)}")
    by_country = in_period["country"].value_counts()
    charts["map"] = europe_map({str(k): float(v) for k, v in by_country.items()},
                               alerted=sorted({a.country for a in alerts if a.country != EU}
                                              | {c for a in alerts if a.kind == "new_substance"
                                                 for c in a.figures.get("countries", [])}),
                               title=f"Detections per country, {period_label(start, period)}")
    return charts


def _svg_inline(svg: str) -> str:
    """An SVG document as an element to put inside HTML (no XML declaration)."""
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)


def notification(detections: pd.DataFrame, alert: Alert, until: datetime.date) -> dict[str, Any]:
    """The formal notification of a new substance, modelled on the EU Early Warning System's."""
    rows = detections[detections["inchikey"] == alert.subject]
    seen = rows[rows["date"] <= pd.Timestamp(until)]
    first_rows = records_of(detections, alert.record_ids)
    smiles = next((s for s in rows["smiles"] if s), "")
    identity: dict[str, Any] = {"name": alert.substance, "inchikey": alert.subject, "smiles": smiles,
                                "family": alert.family, "synonyms": sorted(set(rows["substance"]) - {alert.substance})}
    structure_svg = small_svg = ""
    legal: list[dict[str, Any]] = []
    analogues: list[dict[str, Any]] = []
    errors: list[str] = []
    from crystal_palace import identify
    from crystal_palace.chemistry.depict import depict_svg
    from crystal_palace.workflows.identify import LegalOptions

    verdict = identify(smiles or alert.subject, analogues=3, explain=False, record=alert.subject,
                       legal=LegalOptions(as_of=until))
    if verdict.errors:
        errors = [str(e.get("reason")) for e in verdict.errors]
    else:
        structure = verdict.structure or {}
        identity.update({"formula": structure.get("formula"), "monoisotopic_mass": structure.get("monoisotopic_mass"),
                         "standardised_smiles": structure.get("smiles"), "family": verdict.family,
                         "family_evidence": verdict.family_evidence,
                         "library_entry": (verdict.identity or {}).get("id")})
        if verdict.mol is not None:
            structure_svg = _svg_inline(depict_svg(verdict.mol, verdict.family_atoms, width=320, height=240,
                                                   legend=alert.substance))
            small_svg = _svg_inline(depict_svg(verdict.mol, verdict.family_atoms, width=200, height=150))
        legal = [{"jurisdiction": v["jurisdiction"], "controlled": v["controlled"], "basis": v["basis"],
                  "category": v.get("category"), "since": v.get("since")} for v in verdict.legal]
        analogues = [{"name": a["name"], "similarity": a["similarity"], "formula_delta": a.get("formula_delta"),
                      "controlled_under": a.get("controlled_under", [])} for a in verdict.analogues]
    spread = (seen.groupby("country")["date"].min().sort_values().dt.date.astype(str).to_dict()
              if not seen.empty else {})
    first = [{"record_id": r.record_id, "date": r.date.date().isoformat(), "country": r.country, "agency": r.agency,
              "record_type": r.record_type, "quantity": None if pd.isna(r.quantity) else float(r.quantity),
              "unit": r.unit} for r in first_rows.itertuples()]
    analytical = sorted({a for a in rows["analysis"] if a})
    return {"key": alert.key, "identity": identity, "legal_as_of": until.isoformat(), "structure_svg": structure_svg,
            "structure_svg_small": small_svg, "first_detection": first,
            "first_date": alert.event_date.isoformat(), "countries": spread, "detections_to_date": len(seen),
            "analytical": analytical, "legal": legal, "analogues": analogues, "why": alert.why, "errors": errors}


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("crystal_palace.warn", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    return env


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return str(_environment().get_template("report.html.j2").render(report=report, version=__version__))


def render_notification_html(report: Report, key: str) -> str:
    """One formal notification (by its alert key) as a self-contained HTML page."""
    chosen = next((n for n in report.notifications if n["key"] == key), None)
    if chosen is None:
        from crystal_palace.exceptions import InvalidInput

        raise InvalidInput(f"no new-substance notification with key {key!r} in {report.label}", field="key")
    return str(_environment().get_template("notification.html.j2").render(report=report, n=chosen,
                                                                           version=__version__))


def json_feed(report: Report, *, home_url: str = "") -> dict[str, Any]:
    """The period's alerts as a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1)."""
    items = []
    for alert in report.alerts:
        items.append({"id": alert.key, "title": alert.title, "content_text": alert.why,
                      "date_published": f"{alert.event_date.isoformat()}T00:00:00Z",
                      "tags": [alert.kind, alert.country, alert.family],
                      "_crystal_palace": alert.to_dict()})
    feed: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": report.title,
                            "description": f"Alerts of {report.start} to {report.end}", "items": items,
                            "_crystal_palace": {"period": report.period, "label": report.label,
                                                "start": report.start.isoformat(), "end": report.end.isoformat(),
                                                "detections": report.detections, "by_country": report.by_country,
                                                "generated_at": report.generated_at.isoformat()}}
    if home_url:
        feed["home_page_url"] = home_url
    return feed

"""Signals: counts and quantities over time, rises above a seasonal baseline, first detections and spread.

Three kinds of alert come from the detections table alone:

- ``new_substance``: the first detection of a substance in the EU (as far as the data reaches);
- ``spread``: its first detection in a further country;
- ``rise``: a period's count above the upper threshold of its seasonal baseline (see
  :mod:`crystal_palace.warn.baseline`), per substance EU-wide, per substance and country, and per family
  EU-wide.

A fourth, ``analogue`` (a new substance close to a recently controlled one), needs the chemistry and the
legal listings and lives in :mod:`crystal_palace.warn.analogues`.

First detections in the first ``warmup_days`` of the data are not alerted: they are what was already
on the market when the records begin, not news.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crystal_palace.exceptions import InvalidInput
from crystal_palace.warn.alerts import Alert, alert_key
from crystal_palace.warn.baseline import Baseline, Threshold, fit_baseline
from crystal_palace.warn.detections import EU, first_detections
from crystal_palace.warn.periods import (
    PERIODS_PER_YEAR,
    Period,
    period_end,
    period_label,
    period_range,
    period_starts,
    require_period,
)

LEVELS: tuple[str, ...] = ("substance", "substance_country", "family")


@dataclass(frozen=True)
class WarnSettings:
    """How the engine decides; every figure it uses is here, with its default."""

    period: Period = "week"
    alpha: float = 0.01
    """False-alarm rate of a rise test: the chance that a period without an event fires, per series."""
    baseline_years: float = 3.0
    """How far back the baseline of a rise looks."""
    min_history: int | None = None
    """Periods of history a series needs before it is tested for a rise (default: a year, 52 weeks or 12 months:
    the baseline needs a whole season to tell a seasonal peak from a rise)."""
    min_count: int = 3
    """A rise needs at least this many detections in the period (tiny counts are left to first detections)."""
    warmup_days: int = 182
    """First detections this close to the start of the data are the existing market, not news."""
    levels: tuple[str, ...] = LEVELS
    analogues: bool = True
    """Look for new substances that are close analogues of recently controlled ones (needs the chemistry)."""
    analogue_similarity: float = 0.55
    """Tanimoto similarity (Morgan, radius 2) from which an analogue counts as close."""
    recent_years: float = 3.0
    """A listing this recent (before the detection) makes a substance 'recently controlled'."""

    def __post_init__(self) -> None:
        """Check the settings once, naming the bad one."""
        require_period(self.period)
        if not 0 < self.alpha < 0.5:
            raise InvalidInput(f"alpha must be between 0 and 0.5, got {self.alpha}", field="alpha")
        unknown = [lv for lv in self.levels if lv not in LEVELS]
        if unknown:
            raise InvalidInput(f"unknown level(s) {', '.join(unknown)}; use {', '.join(LEVELS)}", field="levels")

    @property
    def history_needed(self) -> int:
        """The minimum history in periods (see ``min_history``)."""
        if self.min_history is not None:
            return self.min_history
        return 52 if self.period == "week" else 12


def with_periods(detections: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The detections with a ``period_start`` column added (a copy)."""
    out = detections.copy()
    out["period_start"] = period_starts(out["date"], period)
    return out


def series_table(detections: pd.DataFrame, period: Period, level: str) -> pd.DataFrame:
    """Counts and quantities per subject, country and period: the figures the charts and the tests use.

    Columns: ``subject``, ``country`` (``EU`` for EU-wide levels), ``period_start``, ``count``,
    ``quantity`` (summed per unit, the most frequent unit of the subject), ``unit``. Periods without a
    detection do not appear (:func:`rise_alerts` fills them with zeros).
    """
    frame = with_periods(detections, period)
    frame["subject"] = frame["inchikey"] if level != "family" else "family:" + frame["family"]
    if level != "substance_country":
        frame["country"] = EU
    unit = frame.groupby("subject")["unit"].agg(lambda u: u.mode().iloc[0] if len(u.mode()) else "")
    frame["main_unit"] = frame["subject"].map(unit)
    frame["q"] = frame["quantity"].where(frame["unit"] == frame["main_unit"], np.nan)
    grouped = frame.groupby(["subject", "country", "period_start"], sort=True)
    out = grouped.agg(count=("record_id", "size"), quantity=("q", "sum")).reset_index()
    out["unit"] = out["subject"].map(unit)
    return out


def rise_alerts(detections: pd.DataFrame, settings: WarnSettings, since: pd.Timestamp,
                until: pd.Timestamp) -> tuple[list[Alert], int]:
    """Rise alerts for the periods from ``since`` to ``until``, and how many series-periods were tested.

    Each series (a subject in a country) is tested in each period once it has ``history_needed`` periods
    of history since its first detection, by two tests at ``alpha / 2`` each (so that together they
    fire on a quiet period with probability at most ``alpha``, by Bonferroni's inequality):

    - the period's count against the baseline fitted on the periods before it;
    - the total of the period and the one before against the baseline fitted on the periods before
      those two: a sustained rise too small to stand out in one period stands out in two.
    """
    if detections.empty:
        return [], 0
    period = settings.period
    per_year = PERIODS_PER_YEAR[period]
    grid = period_range(detections["date"].min(), max(until, detections["date"].max()), period)
    index = {start: i for i, start in enumerate(grid)}
    wanted = [i for start, i in index.items() if since <= start <= until]
    days = np.array([(period_end(start, period) - start).days + 1 for start in grid], dtype=float)
    exposure = days / (365.25 / per_year)  # months differ in length; weeks do not
    frame = with_periods(detections, period)
    names = frame.groupby("inchikey")["substance"].agg(lambda s: s.mode().iloc[0])
    families = frame.groupby("inchikey")["family"].agg(lambda s: s.mode().iloc[0])
    alerts: list[Alert] = []
    tests = 0
    single_substance = {f"family:{f}" for f, n in detections.groupby("family")["inchikey"].nunique().items() if n < 2}
    for level in settings.levels:
        table = series_table(detections, period, level)
        for (subject, country), rows in table.groupby(["subject", "country"], sort=True):
            if subject in single_substance:
                continue  # a family of one substance would repeat that substance's alerts
            counts = np.zeros(len(grid))
            positions = rows["period_start"].map(index).to_numpy()
            counts[positions] = rows["count"].to_numpy()
            first = int(positions.min())
            for i, observed, single, double in _test_series(counts, first, wanted, settings, exposure):
                tests += 1
                if single is None or double is None:
                    continue
                two = int(counts[i - 1] + counts[i])
                if observed > single.upper or two > double.upper:
                    alerts.append(_rise_alert(frame, level, str(subject), str(country), grid[i], (observed, two),
                                              (single, double), rows, settings, names, families))
    return alerts, tests


def _test_series(counts: NDArray[np.float64], first: int, wanted: list[int], settings: WarnSettings,
                 exposure: NDArray[np.float64]) -> Iterator[tuple[int, int, Threshold | None, Threshold | None]]:
    """Per tested period: its index, its count and the thresholds of the one- and two-period tests.

    The thresholds are None when the count is below ``min_count`` (no alert is possible: no model is
    fitted). The baseline fitted for a period serves the next period's two-period test as well.
    """
    per_year = PERIODS_PER_YEAR[settings.period]
    window = int(round(settings.baseline_years * per_year))
    half = settings.alpha / 2
    fits: dict[int, Baseline] = {}

    def baseline(i: int) -> Baseline:
        if i not in fits:
            start = max(first, i - window)
            fits[i] = fit_baseline(counts[start:i], np.arange(start, i, dtype=float), per_year=per_year,
                                   horizon=float(i + 1), exposure=exposure[start:i])
        return fits[i]

    for i in wanted:
        if i - first < settings.history_needed:
            continue
        observed = int(counts[i])
        if observed < settings.min_count:
            yield i, observed, None, None
            continue
        single = baseline(i).threshold([float(i)], half, exposure[i:i + 1])
        double = baseline(i - 1).threshold([float(i - 1), float(i)], half, exposure[i - 1:i + 1])
        yield i, observed, single, double


def _rise_alert(frame: pd.DataFrame, level: str, subject: str, country: str, start: pd.Timestamp,
                observed: tuple[int, int], thresholds: tuple[Threshold, Threshold], rows: pd.DataFrame,
                settings: WarnSettings, names: pd.Series, families: pd.Series) -> Alert:
    period = settings.period
    in_period = frame[frame["period_start"] == start]
    if level == "family":
        family = subject.removeprefix("family:")
        records = in_period[in_period["family"] == family]
        name = f"{family} (all substances)"
    else:
        records = in_period[in_period["inchikey"] == subject]
        if country != EU:
            records = records[records["country"] == country]
        name, family = str(names[subject]), str(families[subject])
    label = period_label(start, period)
    row = rows[rows["period_start"] == start]
    quantity = float(row["quantity"].iloc[0]) if len(row) else 0.0
    unit = str(row["unit"].iloc[0]) if len(row) else ""
    where = "the EU" if country == EU else country
    (count, two), (single, double) = observed, thresholds
    fired = [name_ for name_, hit in (("period", count > single.upper), ("two periods", two > double.upper)) if hit]
    figures = {
        "observed": count, "expected": round(single.expected, 3), "upper_threshold": single.upper,
        "ratio": round(count / single.expected, 2) if single.expected > 0 else None,
        "p_value": single.p_value(count), "observed_two_periods": two,
        "expected_two_periods": round(double.expected, 3), "upper_threshold_two_periods": double.upper,
        "p_value_two_periods": double.p_value(two), "fired_on": fired, "alpha": settings.alpha,
        "alpha_per_test": settings.alpha / 2, "dispersion": round(single.dispersion, 3),
        "model": "quasi-Poisson log-linear baseline, negative-binomial predictive threshold",
        "terms": list(single.terms), "history_periods": single.history, "level": level,
        "quantity": round(quantity, 3), "unit": unit, "period": period,
    }
    if count > single.upper:
        why = (f"{count} detections of {name} in {where} in {label}, above the upper threshold {single.upper:.0f} "
               f"of its baseline (expected {single.expected:.1f}; p = {figures['p_value']:.2g})")
    else:
        why = (f"{two} detections of {name} in {where} in {label} and the {period} before, above the upper "
               f"threshold {double.upper:.0f} for two {period}s (expected {double.expected:.1f}; "
               f"p = {figures['p_value_two_periods']:.2g}); {count} in {label} alone")
    why += (f"; baseline fitted on {single.history} {period}s with {', '.join(single.terms)}, "
            f"false-alarm rate {settings.alpha:g}")
    return Alert(key=alert_key("rise", level, subject, country, period, label), kind="rise", subject=subject,
                 substance=name, family=family, country=country, period=label, period_start=start.date(),
                 event_date=period_end(start, period).date(), title=f"{name} rising in {where} ({label})",
                 why=why, figures=figures, record_ids=[str(r) for r in records["record_id"]])


def first_detection_alerts(detections: pd.DataFrame, settings: WarnSettings, since: pd.Timestamp,
                           until: pd.Timestamp, known_inchikeys: Iterable[str] = ()) -> list[Alert]:
    """``new_substance`` and ``spread`` alerts for first detections in the periods from ``since`` to ``until``."""
    if detections.empty:
        return []
    period = settings.period
    data_start = detections["date"].min()
    news_from = max(data_start + pd.Timedelta(days=settings.warmup_days), since)
    last_day = period_end(until, period)
    library = set(known_inchikeys)
    alerts: list[Alert] = []
    for first in first_detections(detections):
        if not news_from <= first.date <= last_day:
            continue
        start = period_starts(pd.Series([first.date]), period).iloc[0]
        label = period_label(start, period)
        rows = detections[detections["record_id"].isin(first.record_ids)]
        quantity = {str(u): round(float(q), 3) for u, q in rows.groupby("unit")["quantity"].sum().items()}
        records = ", ".join(first.record_ids[:5]) + (" ..." if len(first.record_ids) > 5 else "")
        day = first.date.date()
        if first.country == EU:
            countries = ", ".join(first.first_countries)
            figures = {"first_date": day.isoformat(), "countries": list(first.first_countries),
                       "records": len(first.record_ids), "quantity": quantity,
                       "record_types": sorted(rows["record_type"].unique().tolist()),
                       "agencies": sorted(rows["agency"].unique().tolist()),
                       "in_reference_library": first.inchikey in library,
                       "data_since": data_start.date().isoformat()}
            known = "a substance of the reference library" if first.inchikey in library else \
                "not in the reference library"
            why = (f"first detection of {first.substance} ({first.inchikey}, {known}) in the EU as far as the "
                   f"records reach (since {figures['data_since']}): {countries} on {day} ({records})")
            alerts.append(Alert(key=alert_key("new_substance", first.inchikey), kind="new_substance",
                                subject=first.inchikey, substance=first.substance, family=first.family, country=EU,
                                period=label, period_start=start.date(), event_date=day,
                                title=f"New substance: {first.substance}", why=why, figures=figures,
                                record_ids=list(first.record_ids)))
        elif first.countries_before:
            eu_first = detections.loc[detections["inchikey"] == first.inchikey, "date"].min()
            figures = {"first_date": day.isoformat(), "countries_before": list(first.countries_before),
                       "countries_now": len(first.countries_before) + 1, "records": len(first.record_ids),
                       "first_eu_date": eu_first.date().isoformat(),
                       "days_since_first_eu": int((first.date - eu_first).days), "quantity": quantity}
            why = (f"first detection of {first.substance} in {first.country} on {day} ({records}); found before in "
                   f"{', '.join(first.countries_before)} since {figures['first_eu_date']}: now in "
                   f"{figures['countries_now']} countries")
            alerts.append(Alert(key=alert_key("spread", first.inchikey, first.country), kind="spread",
                                subject=first.inchikey, substance=first.substance, family=first.family,
                                country=first.country, period=label, period_start=start.date(), event_date=day,
                                title=f"{first.substance} spreads to {first.country}", why=why, figures=figures,
                                record_ids=list(first.record_ids)))
    return alerts


def evaluation_window(detections: pd.DataFrame, period: Period, since: datetime.date | str | None,
                      until: datetime.date | str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last period starts to evaluate (default: the latest period of the data)."""
    if detections.empty:
        today = pd.Timestamp(datetime.date.today())
        return today, today
    last = pd.Timestamp(until) if until is not None else detections["date"].max()
    last_start = period_starts(pd.Series([last]), period).iloc[0]
    first = pd.Timestamp(since) if since is not None else last_start
    first_start = period_starts(pd.Series([first]), period).iloc[0]
    if first_start > last_start:
        raise InvalidInput(f"since ({first.date()}) is after until ({last.date()})", field="since")
    return first_start, last_start

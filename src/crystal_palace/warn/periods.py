"""Reporting periods: ISO weeks (Monday to Sunday) and calendar months, their starts and labels."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from crystal_palace.exceptions import InvalidInput

Period = Literal["week", "month"]
PERIODS: tuple[str, ...] = ("week", "month")
PERIODS_PER_YEAR: dict[str, float] = {"week": 365.25 / 7, "month": 12.0}


def require_period(period: str) -> Period:
    """``period`` if it is ``week`` or ``month``; a clear error otherwise."""
    if period == "week":
        return "week"
    if period == "month":
        return "month"
    raise InvalidInput(f"unknown period {period!r}; use week or month", field="period")


def period_starts(dates: pd.Series, period: Period) -> pd.Series:
    """The first day of the period of each date (Monday of the ISO week, or the 1st of the month)."""
    days = pd.to_datetime(dates).dt.normalize()
    if period == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return days - pd.to_timedelta(days.dt.day - 1, unit="D")


def period_start(day: pd.Timestamp, period: Period) -> pd.Timestamp:
    """The first day of the period holding ``day``."""
    return pd.Timestamp(period_starts(pd.Series([pd.Timestamp(day)]), period).iloc[0])


def period_range(first: pd.Timestamp, last: pd.Timestamp, period: Period) -> pd.DatetimeIndex:
    """Every period start from the period of ``first`` to that of ``last``."""
    return pd.date_range(period_start(first, period), period_start(last, period),
                         freq="W-MON" if period == "week" else "MS")


def period_end(start: pd.Timestamp, period: Period) -> pd.Timestamp:
    """The last day of the period that begins on ``start``."""
    if period == "week":
        return start + pd.Timedelta(days=6)
    return start + pd.offsets.MonthEnd(0)


def period_label(start: pd.Timestamp, period: Period) -> str:
    """``2025-W14`` for an ISO week, ``2025-03`` for a month.

    >>> period_label(pd.Timestamp("2024-12-30"), "week")
    '2025-W01'
    """
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"

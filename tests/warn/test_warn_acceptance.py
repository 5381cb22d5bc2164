"""Acceptance on generated data: injected events are alerted within one period; quiet data stays quiet.

The same measurements, over more seeds, are in bench/warn.py (bench/results/warn.json).
"""

from __future__ import annotations

import pandas as pd
import pytest

from crystal_palace.warn.detections import require_detections
from crystal_palace.warn.engine import detect
from crystal_palace.warn.signals import WarnSettings
from crystal_palace.warn.simulate import event_outcomes, simulate


@pytest.mark.parametrize("period", ["week", "month"])
def test_every_injected_event_is_alerted_within_one_period(scenario, period):
    made, data = scenario
    first = min(e.start for e in made.events)
    last = max(e.start for e in made.events) + pd.Timedelta(weeks=8)
    found = detect(data, WarnSettings(period=period, analogues=False), since=first, until=last)
    outcomes = event_outcomes(made, found.alerts, period)
    assert [o.kind for o in outcomes] == ["new_substance", "spread", "spread", "rise"]
    late = [(o.event, o.delay) for o in outcomes if o.delay is None or o.delay > 1]
    assert late == [], late
    assert all(o.delay == 0 for o in outcomes if o.kind != "rise")  # first detections: the same period


def false_alarm_rate(period: str, seed: int) -> tuple[int, int, dict[str, int]]:
    made = simulate(years=3.0, seed=seed, events=[])
    data = require_detections(made.detections)
    found = detect(data, WarnSettings(period=period, alpha=0.01, analogues=False), since=made.start)
    kinds = found.by_kind()
    return kinds.get("rise", 0), found.rise_tests, kinds


def test_three_quiet_years_by_month_stay_at_or_below_the_false_alarm_rate():
    alarms, tests, kinds = false_alarm_rate("month", seed=21)
    assert tests > 1000
    assert alarms / tests <= 0.01, (alarms, tests)
    assert set(kinds) <= {"rise"}  # no new substance, no spread in data without events


@pytest.mark.slow
def test_three_quiet_years_by_week_stay_at_or_below_the_false_alarm_rate():
    alarms, tests, kinds = false_alarm_rate("week", seed=22)
    assert tests > 4000
    assert alarms / tests <= 0.01, (alarms, tests)
    assert set(kinds) <= {"rise"}

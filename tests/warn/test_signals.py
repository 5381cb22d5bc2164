"""Signals on small hand-made tables: first detections after the warm-up, spread, rises with their figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import COCAINE, MDMA, NEW, detection, table

from crystal_palace.exceptions import InvalidInput
from crystal_palace.warn.detections import require_detections
from crystal_palace.warn.signals import (
    WarnSettings,
    evaluation_window,
    first_detection_alerts,
    rise_alerts,
    series_table,
)

SETTINGS = WarnSettings(analogues=False)


def steady(weeks: int, per_week: int, key: str = MDMA, country: str = "PL", start: str = "2024-01-01",
           name: str = "MDMA", family: str = "phenethylamine", prefix: str = "s") -> list[dict[str, object]]:
    day0 = pd.Timestamp(start)
    return [detection(f"{prefix}{country}{w}-{i}", key, country, str((day0 + pd.Timedelta(weeks=w, days=i % 7)).date()),
                      substance=name, family=family)
            for w in range(weeks) for i in range(per_week)]


def test_new_substance_and_spread_after_the_warm_up_only():
    rows = steady(60, 2) + [
        detection("new-pl", NEW, "PL", "2024-12-04", substance="3-CEC", family="synthetic_cathinone"),
        detection("new-nl", NEW, "NL", "2025-01-08", substance="3-CEC", family="synthetic_cathinone"),
        detection("early-it", MDMA, "IT", "2024-01-03")]  # within the warm-up: the existing market
    data = require_detections(table(*rows))
    since, until = evaluation_window(data, "week", "2024-01-01", None)
    alerts = first_detection_alerts(data, SETTINGS, since, until)
    assert [(a.kind, a.country, a.period) for a in alerts] == [("new_substance", "EU", "2024-W49"),
                                                                ("spread", "NL", "2025-W02")]
    new, spread = alerts
    assert new.record_ids == ["new-pl"] and new.figures["countries"] == ["PL"]
    assert new.figures["in_reference_library"] is False and "not in the reference library" in new.why
    assert spread.record_ids == ["new-nl"] and spread.figures["countries_before"] == ["PL"]
    assert spread.figures["days_since_first_eu"] == 35 and "now in 2 countries" in spread.why
    # a window of one week sees only that week's first detections; by default the window is the latest week
    since, until = evaluation_window(data, "week", "2025-01-08", "2025-01-08")
    assert [a.kind for a in first_detection_alerts(data, SETTINGS, since, until)] == ["spread"]
    assert evaluation_window(data, "week", None, None) == (pd.Timestamp("2025-02-17"), pd.Timestamp("2025-02-17"))


def test_a_tripled_week_fires_a_rise_with_its_figures_and_records():
    rng = np.random.default_rng(0)
    rows = []
    for w, n in enumerate(rng.poisson(8, 70)):
        n = int(n) * (3 if w == 69 else 1)
        rows += steady(1, n, start=str((pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=w)).date()), prefix=f"w{w}-")
    rows += steady(70, 5, COCAINE, "IT", name="Cocaine", family="tropane")
    data = require_detections(table(*rows))
    since, until = evaluation_window(data, "week", None, None)
    alerts, tests = rise_alerts(data, SETTINGS, since, until)
    assert tests == 4  # MDMA in PL and in the EU, cocaine in IT and in the EU; one-substance families skipped
    (pl, eu) = sorted(alerts, key=lambda a: a.country)[::-1] if len(alerts) == 2 else (None, None)
    assert pl is not None and pl.country == "PL" and eu.country == "EU"
    assert pl.figures["observed"] > pl.figures["upper_threshold"] and pl.figures["fired_on"][0] == "period"
    assert pl.figures["alpha"] == 0.01 and pl.figures["history_periods"] == 69
    assert len(pl.record_ids) == pl.figures["observed"] and all(r.startswith("w69-") for r in pl.record_ids)
    assert "above the upper threshold" in pl.why and pl.period == "2025-W18"


def test_counts_table_per_level():
    data = require_detections(table(*steady(3, 2), *steady(3, 1, COCAINE, "IT", name="Cocaine", family="tropane")))
    by_country = series_table(data, "month", "substance_country")
    assert set(by_country["country"]) == {"PL", "IT"} and by_country["count"].sum() == 9
    family = series_table(data, "week", "family")
    assert set(family["subject"]) == {"family:phenethylamine", "family:tropane"} and set(family["country"]) == {"EU"}


def test_settings_are_checked():
    with pytest.raises(InvalidInput, match="alpha"):
        WarnSettings(alpha=0.9)
    with pytest.raises(InvalidInput, match="period"):
        WarnSettings(period="fortnight")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="level"):
        WarnSettings(levels=("planet",))
    assert WarnSettings(period="month").history_needed == 12

"""The seasonal quasi-Poisson/negative-binomial baseline: calibrated false alarms, seasonality, power."""

from __future__ import annotations

import math

import numpy as np
import pytest

from crystal_palace.warn.baseline import fit_baseline, upper_threshold

WEEKS = 52.18


def seasonal(weeks: int, level: float, amplitude: float = 0.35, trend: float = 0.0) -> np.ndarray:
    t = np.arange(weeks, dtype=float)
    return level * np.exp(amplitude * np.sin(2 * math.pi * t / WEEKS) + trend * t / WEEKS)


def test_false_alarm_rate_on_seasonal_negative_binomial_counts_is_at_most_alpha():
    rng = np.random.default_rng(7)
    alarms = tests = 0
    for level in (2.0, 6.0, 15.0, 40.0):
        for _ in range(3):
            mean = seasonal(156, level, trend=rng.uniform(-0.1, 0.1))
            y = rng.negative_binomial(25, 25 / (25 + mean)).astype(float)
            for at in range(60, 156, 4):
                threshold = upper_threshold(y[:at], np.arange(at, dtype=float), at, per_year=WEEKS, alpha=0.02)
                tests += 1
                alarms += y[at] > threshold.upper
    assert tests == 288
    assert alarms / tests <= 0.02 + 2 * math.sqrt(0.02 * 0.98 / tests)  # within sampling error of alpha


def test_the_season_is_modelled_so_a_seasonal_peak_is_expected():
    mean = seasonal(104, 20.0, amplitude=0.5)
    y = np.round(mean)  # noise-free: the peak at week 13 of year 3 must be predicted, not alarmed
    peak = 104 + 13
    fit = fit_baseline(y, np.arange(104, dtype=float), per_year=WEEKS)
    predicted = fit.threshold([float(peak)], 0.01)
    assert "annual harmonic" in fit.terms
    assert predicted.expected == pytest.approx(20 * math.exp(0.5 * math.sin(2 * math.pi * peak / WEEKS)), rel=0.05)


def test_a_doubling_exceeds_the_threshold_and_a_usual_count_does_not():
    rng = np.random.default_rng(3)
    y = rng.poisson(seasonal(130, 20.0)).astype(float)
    threshold = upper_threshold(y, np.arange(130, dtype=float), 130, per_year=WEEKS, alpha=0.01)
    usual = seasonal(131, 20.0)[130]
    assert threshold.expected == pytest.approx(usual, rel=0.2)
    assert threshold.upper < 2 * usual and threshold.p_value(int(2 * usual)) < 0.01
    assert threshold.p_value(int(usual)) > 0.3


def test_a_two_period_total_has_about_twice_the_expectation_and_a_tighter_relative_threshold():
    rng = np.random.default_rng(4)
    y = rng.poisson(np.full(100, 10.0)).astype(float)
    fit = fit_baseline(y, np.arange(100, dtype=float), per_year=WEEKS)
    one, two = fit.threshold([100.0], 0.005), fit.threshold([100.0, 101.0], 0.005)
    assert two.expected == pytest.approx(2 * one.expected, rel=0.02)  # the fitted season differs a little
    assert two.upper / two.expected < one.upper / one.expected


def test_months_of_different_length_are_an_exposure_not_a_rise():
    y = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] * 2, dtype=float)  # one detection a day
    exposure = y / 30.4375
    fit = fit_baseline(y, np.arange(24, dtype=float), per_year=12, exposure=exposure)
    february = fit.threshold([25.0], 0.01, [28 / 30.4375])
    assert february.expected == pytest.approx(28, rel=0.02)


def test_short_and_empty_histories():
    assert upper_threshold(np.zeros(10), np.arange(10.0), 10, per_year=WEEKS, alpha=0.01).upper == 0.0
    short = upper_threshold(np.array([3.0, 5.0, 4.0]), np.arange(3.0), 3, per_year=WEEKS, alpha=0.01)
    assert short.terms == ("intercept",) or short.terms == ("mean",)
    assert short.upper > 4

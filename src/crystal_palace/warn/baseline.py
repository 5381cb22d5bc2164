"""The expected count of a period and its upper threshold: a seasonal quasi-Poisson baseline.

The method follows the improved Farrington algorithm used in public-health surveillance (Noufaily et
al., Stat. Med. 2013, "An improved algorithm for outbreak detection in multiple surveillance systems"),
with the seasonality modelled by a harmonic term instead of same-weeks-in-past-years windows, because
a drug market's history is often shorter than the five years that windows need:

1. Fit a Poisson log-linear model to the series' history (up to ``baseline_years`` before the period,
   from the series' first detection on, not counting the period itself): an intercept, a linear trend
   once a year of history exists, and one annual sine/cosine pair once a year of history exists.
2. Estimate the over-dispersion two ways: ``phi`` from the Pearson residuals (quasi-Poisson, variance
   ``phi * mu``, at least 1) and ``1/size`` by moments (negative binomial, variance ``mu + mu^2/size``).
   Predictions use the larger of the two variances: in a seasonal peak the variance of real counts
   grows faster than the mean, which ``phi`` alone underrates (the false-alarm rate then exceeded
   ``alpha`` on monthly data in the benchmark).
3. Down-weight past excesses (Anscombe residual above 2.58 gets weight proportional to its inverse
   square), so that an earlier outbreak does not raise the baseline, and refit.
4. Keep the trend only when it is significant (Wald test, 5 %) and does not extrapolate above every
   count seen, as Farrington does.
5. Predict the period's mean ``mu`` and the variance of a new count (the over-dispersed noise plus
   ``phi * mu^2 * var(eta)``, the uncertainty of the fitted mean), widen it for the uncertainty of
   the dispersion estimate (Student t on its degrees of freedom), and take the ``1 - alpha`` quantile of
   the negative binomial with that mean and variance (Poisson when there is no extra variance).

A count *above* that quantile fires. If the model holds, a period without an event fires with
probability at most ``alpha``: the configured false-alarm rate (the benchmark measures it).

:meth:`Baseline.threshold` also answers for a total over several periods (the variance of the sum by
the delta method): :mod:`~crystal_palace.warn.signals` uses it for the two-period test that catches a
sustained rise too small to stand out in one period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats

ANSCOMBE_CUTOFF = 2.58
_MAX_ITERATIONS = 30


@dataclass(frozen=True)
class Threshold:
    """The baseline of one period: what was expected, the count that would be surprising, and how."""

    expected: float
    variance: float
    """The variance of a new count: over-dispersion plus the fitted mean's uncertainty."""
    upper: float
    """The ``1 - alpha`` quantile: a count above it fires."""
    dispersion: float
    terms: tuple[str, ...]
    history: int
    """How many periods the baseline was fitted on."""

    def p_value(self, observed: int) -> float:
        """P(count >= observed) under the baseline's predictive distribution."""
        return _survival(self.expected, self.variance, observed)


def _design(times: NDArray[np.float64], per_year: float, trend: bool, seasonal: bool) -> NDArray[np.float64]:
    columns = [np.ones_like(times)]
    if trend:
        columns.append(times / per_year)
    if seasonal:
        angle = 2 * math.pi * times / per_year
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def _fit(x: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64],
         offset: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted Poisson regression with a log link by iteratively reweighted least squares."""
    beta = np.zeros(x.shape[1])
    beta[0] = math.log(max(float(np.average(y, weights=w)), 1e-3))
    information = np.eye(x.shape[1])
    for _ in range(_MAX_ITERATIONS):
        eta = np.clip(x @ beta + offset, -30.0, 30.0)
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu
        weights = w * mu
        information = x.T @ (x * weights[:, None]) + 1e-8 * np.eye(x.shape[1])
        new = np.asarray(np.linalg.solve(information, x.T @ (weights * z)), dtype=np.float64)
        converged = bool(np.max(np.abs(new - beta)) < 1e-8)
        beta = new
        if converged:
            break
    mu = np.exp(np.clip(x @ beta + offset, -30.0, 30.0))
    return beta, mu, information


def _dispersion(y: NDArray[np.float64], mu: NDArray[np.float64], w: NDArray[np.float64], p: int) -> float:
    free = float(np.sum(w > 0)) - p
    if free <= 0:
        return 1.0
    return max(1.0, float(np.sum(w * (y - mu) ** 2 / mu)) / free)


def _nb_parameters(mean: float, variance: float) -> tuple[float, float] | None:
    """Size and probability of the negative binomial with this mean and variance (None: Poisson)."""
    if variance <= mean * (1 + 1e-9):
        return None
    size = mean * mean / (variance - mean)
    return size, size / (size + mean)


def _quantile(mean: float, variance: float, q: float) -> float:
    """The ``q`` quantile of the predictive count (unfrozen scipy calls: freezing is slow)."""
    if mean <= 0:
        return 0.0
    nb = _nb_parameters(mean, variance)
    return float(stats.poisson.ppf(q, mean) if nb is None else stats.nbinom.ppf(q, *nb))


def _survival(mean: float, variance: float, observed: int) -> float:
    """P(count >= observed) under the predictive count."""
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    nb = _nb_parameters(mean, variance)
    return float(stats.poisson.sf(observed - 1, mean) if nb is None else stats.nbinom.sf(observed - 1, *nb))


@dataclass(frozen=True)
class Baseline:
    """A fitted baseline: the model's coefficients, their information matrix and the over-dispersion."""

    beta: NDArray[np.float64]
    information: NDArray[np.float64]
    dispersion: float
    trend: bool
    seasonal: bool
    per_year: float
    history: int
    residual_df: int = 0
    inverse_size: float = 0.0
    """The negative binomial's ``1/size`` by moments: variance ``mu + mu^2 / size``."""
    """Degrees of freedom left for the dispersion estimate (history minus the model's terms)."""
    mean_only: float | None = None
    """Set when the history was too short for a model: the plain mean, used as the expectation."""

    @property
    def terms(self) -> tuple[str, ...]:
        """The model's terms, for the alert's explanation."""
        if self.mean_only is not None:
            return ("mean",)
        return ("intercept",) + (("trend",) if self.trend else ()) + (("annual harmonic",) if self.seasonal else ())

    def threshold(self, at: Sequence[float], alpha: float,
                  exposure: Sequence[float] | NDArray[np.float64] | None = None) -> Threshold:
        """The expected total over the periods at times ``at`` and its ``1 - alpha`` quantile.

        ``exposure`` is the length of each of those periods relative to the average one (months differ).
        The variance is widened by ``(t / z)^2``, the squared ratio of the Student-t quantile (on the
        dispersion's degrees of freedom) to the normal one, because the dispersion is an estimate: with
        one year of monthly history it is a rough one, and the plain quantile fired too often.
        """
        scale = np.ones(len(at)) if exposure is None else np.asarray(exposure, dtype=float)
        if self.mean_only is not None:
            mean = self.mean_only * float(scale.sum())
            # the sample mean's own variance, phi * mean / n, for each of the len(at) periods
            variance = self.dispersion * mean + len(at) ** 2 * self.dispersion * self.mean_only / max(self.history, 1)
        else:
            x = _design(np.asarray(at, dtype=float), self.per_year, self.trend, self.seasonal)
            means = np.exp(np.clip(x @ self.beta, -30.0, 30.0)) * scale
            mean = float(means.sum())
            gradient = means @ x  # delta method: d(sum of means)/d(beta)
            noise = np.maximum(self.dispersion * means, means + means * means * self.inverse_size)
            variance = float(noise.sum()) + self.dispersion * float(gradient @ np.linalg.solve(self.information,
                                                                                                gradient))
        variance *= _uncertainty_factor(alpha, self.residual_df)
        upper = _quantile(mean, variance, 1 - alpha)
        return Threshold(mean, variance, upper, self.dispersion, self.terms, self.history)


@lru_cache(maxsize=1024)
def _uncertainty_factor(alpha: float, df: int) -> float:
    if df <= 0:
        return 4.0
    ratio = float(stats.t.ppf(1 - alpha, df) / stats.norm.ppf(1 - alpha))
    return ratio * ratio


def fit_baseline(history: NDArray[np.float64], times: NDArray[np.float64], *, per_year: float,
                 horizon: float | None = None, exposure: NDArray[np.float64] | None = None) -> Baseline:
    """Fit the baseline to the counts ``history`` observed at ``times`` (in periods, any origin).

    ``per_year`` is the number of periods in a year (52.18 or 12); ``horizon`` the latest time the
    baseline will be asked about (for the trend's plausibility check; default: the period after the last);
    ``exposure`` the length of each period relative to the average one (an offset in the model).
    """
    y = np.asarray(history, dtype=float)
    t = np.asarray(times, dtype=float)
    n = len(y)
    offset = np.zeros(n) if exposure is None else np.log(np.asarray(exposure, dtype=float))
    if n == 0 or float(y.sum()) == 0.0:
        return Baseline(np.zeros(1), np.eye(1), 1.0, False, False, per_year, n, mean_only=0.0)
    future = float(t.max() + 1 if horizon is None else horizon)
    long_enough = (t.max() - t.min() + 1) >= per_year
    seasonal = long_enough and n >= per_year
    for trend in ((True, False) if long_enough else (False,)):
        x = _design(t, per_year, trend, seasonal)
        if n <= x.shape[1] + 1:
            continue
        w = np.ones(n)
        beta, mu, info = _fit(x, y, w, offset)
        phi = _dispersion(y, mu, w, x.shape[1])
        anscombe = 1.5 * (np.cbrt(y) ** 2 - np.cbrt(mu) ** 2) / (mu ** (1 / 6) * math.sqrt(phi))
        high = anscombe > ANSCOMBE_CUTOFF
        if high.any():
            w = np.where(high, 1.0 / np.maximum(anscombe, 1e-9) ** 2, 1.0)
            w *= n / w.sum()
            beta, mu, info = _fit(x, y, w, offset)
            phi = _dispersion(y, mu, w, x.shape[1])
        if trend:
            z = beta[1] / math.sqrt(max(phi * float(np.linalg.inv(info)[1, 1]), 1e-300))
            x_future = _design(np.array([future]), per_year, True, seasonal)[0]
            if abs(z) < 1.96 or math.exp(min(float(x_future @ beta), 30.0)) > y.max():
                continue
        inverse_size = max(0.0, float(np.sum(w * ((y - mu) ** 2 - mu)) / np.sum(w * mu * mu)))
        return Baseline(beta, info, phi, trend, seasonal, per_year, n, n - x.shape[1], inverse_size)
    mean = float(y.mean())  # too little history for a model: the mean, with the sample's dispersion
    phi = max(1.0, float(y.var(ddof=1)) / mean) if n > 1 else 1.0
    return Baseline(np.zeros(1), np.eye(1), phi, False, False, per_year, n, n - 1, mean_only=mean)


def upper_threshold(history: NDArray[np.float64], times: NDArray[np.float64], at: float, *, per_year: float,
                    alpha: float) -> Threshold:
    """The baseline for the one period at time ``at`` (see :func:`fit_baseline`), periods of equal length."""
    return fit_baseline(history, times, per_year=per_year, horizon=at).threshold([at], alpha)

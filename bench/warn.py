"""Benchmark the early-warning engine on generated data: detection delay of injected events, false alarms.

    python bench/warn.py                 # 5 seeds, alpha 0.01, week and month
    python bench/warn.py --seeds 10      # more seeds (narrower intervals)
    python bench/warn.py --alpha 0.05

Data: crystal_palace.warn.simulate, three years (2023-2025) of weekly counts of ten known substances in
five countries, with an annual season, a slow trend and negative-binomial noise. With events: 3-CEC
(new, not in the reference library) appears in PL and spreads to NL five weeks and to DE eleven weeks
later; MDMA doubles (about 32 a week EU-wide before). Without events: the same generator, for the
false-alarm rate. For power, also a doubling of a small series (3-MMC in NL, about 12 a week).

Measured, per period (week, month):
- for each injected event, the delay from the period it began in to the period of its first alert
  (acceptance: every event alerted within one period, i.e. delay <= 1);
- the false-alarm rate of the rise tests on event-free data: alarms / (series x periods tested)
  (acceptance: at most alpha), with a 95 % Wilson interval; and every other alert kind (must be 0);
- the reference: a plain Poisson threshold on the mean of the previous year (no season, no
  over-dispersion), the simplest "count above expectation" rule, at the same alpha, on the same series.

Prints a table; writes bench/results/warn.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "warn.json"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _summary(delays: list[int | None]) -> dict[str, Any]:
    return {"delays": delays, "within_one_period": sum(1 for x in delays if x is not None and x <= 1),
            "runs": len(delays), "max_delay": max((x for x in delays if x is not None), default=None),
            "missed": sum(1 for x in delays if x is None)}


def naive_alarms(data: Any, period: str, alpha: float, since: Any) -> tuple[int, int]:
    """The reference rule: Poisson upper quantile of the previous year's mean, same series and periods."""
    from crystal_palace.warn.periods import PERIODS_PER_YEAR, period_range
    from crystal_palace.warn.signals import LEVELS, series_table

    per_year = PERIODS_PER_YEAR[period]
    year = int(round(per_year))
    grid = period_range(data["date"].min(), data["date"].max(), period)
    index = {start: i for i, start in enumerate(grid)}
    alarms = tests = 0
    single = {f"family:{f}" for f, n in data.groupby("family")["inchikey"].nunique().items() if n < 2}
    for level in LEVELS:
        table = series_table(data, period, level)  # type: ignore[arg-type]
        for (subject, _), rows in table.groupby(["subject", "country"]):
            if subject in single:
                continue
            counts = np.zeros(len(grid))
            positions = rows["period_start"].map(index).to_numpy()
            counts[positions] = rows["count"].to_numpy()
            first = int(positions.min())
            for i in range(len(grid)):
                if grid[i] < since or i - first < year:
                    continue
                tests += 1
                mean = counts[max(first, i - year):i].mean()
                if counts[i] >= 3 and counts[i] > stats.poisson.ppf(1 - alpha, mean):
                    alarms += 1
    return alarms, tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.01)
    args = parser.parse_args()

    from crystal_palace.warn.detections import require_detections
    from crystal_palace.warn.engine import detect
    from crystal_palace.warn.signals import WarnSettings
    from crystal_palace.warn.simulate import RiseEvent, event_outcomes, simulate

    results: dict[str, Any] = {"alpha": args.alpha, "seeds": args.seeds, "years": 3.0, "periods": {},
                               "machine": {"python": platform.python_version(), "platform": platform.platform()}}
    for period in ("week", "month"):
        settings = WarnSettings(period=period, alpha=args.alpha, analogues=False)  # type: ignore[arg-type]
        delays: dict[str, list[int | None]] = {}
        sensitivity: dict[str, list[int | None]] = {}
        alarms = tests = naive_a = naive_t = other = 0
        seconds = 0.0
        for seed in range(args.seeds):
            made = simulate(years=3.0, seed=1000 + seed)
            first = min(e.start for e in made.events) - pd.Timedelta(weeks=2)
            last = max(e.start for e in made.events) + pd.Timedelta(weeks=12)
            data = require_detections(made.detections)
            started = time.process_time()
            found = detect(data, settings, since=first, until=last)
            seconds += time.process_time() - started
            for outcome in event_outcomes(made, found.alerts, period):  # type: ignore[arg-type]
                delays.setdefault(outcome.event, []).append(outcome.delay)
            # sensitivity: a doubling in a small series (3-MMC in NL, about 12 a week), not an acceptance item
            start = made.events[-1].start
            small = simulate(years=3.0, seed=1000 + seed, events=[RiseEvent("3-mmc", start, 2.0, "NL")])
            small_found = detect(require_detections(small.detections), settings, since=start - pd.Timedelta(weeks=2),
                                 until=start + pd.Timedelta(weeks=12))
            for outcome in event_outcomes(small, small_found.alerts, period):  # type: ignore[arg-type]
                sensitivity.setdefault(outcome.event, []).append(outcome.delay)
            quiet = simulate(years=3.0, seed=2000 + seed, events=[])
            quiet_data = require_detections(quiet.detections)
            started = time.process_time()
            calm = detect(quiet_data, settings, since=quiet.start)
            seconds += time.process_time() - started
            kinds = calm.by_kind()
            alarms += kinds.get("rise", 0)
            tests += calm.rise_tests
            other += sum(v for k, v in kinds.items() if k != "rise")
            a, t = naive_alarms(quiet_data, period, args.alpha, quiet.start)
            naive_a += a
            naive_t += t
        events = {name: _summary(d) for name, d in delays.items()}
        low, high = wilson(alarms, tests)
        results["periods"][period] = {
            "events": events,
            "all_events_within_one_period": all(e["within_one_period"] == e["runs"] for e in events.values()),
            "sensitivity_small_series": {name: _summary(d) for name, d in sensitivity.items()},
            "false_alarm_rate": alarms / tests if tests else None, "false_alarms": alarms, "tests": tests,
            "false_alarm_rate_ci95": [low, high], "other_alerts_on_quiet_data": other,
            "false_alarm_rate_at_or_below_alpha": tests > 0 and alarms / tests <= args.alpha,
            "reference_plain_poisson": {"false_alarm_rate": naive_a / naive_t if naive_t else None,
                                        "false_alarms": naive_a, "tests": naive_t},
            "engine_cpu_seconds": round(seconds, 2)}

    print(f"alpha {args.alpha}, {args.seeds} seeds x 3 years, with and without events")
    print(f"{'period':<7} {'event':<28} {'within 1 period':>16} {'delays (periods)':>20}")
    for period, r in results["periods"].items():
        rows = [*r["events"].items(), *((f"({name})", e) for name, e in r["sensitivity_small_series"].items())]
        for name, e in rows:
            shown = ",".join("-" if x is None else str(x) for x in e["delays"])
            print(f"{period:<7} {name:<28} {e['within_one_period']:>10}/{e['runs']:<5} {shown:>20}")
    print("(in brackets: a doubling in a small series, about 12 a week; reported for power, not acceptance)")
    print()
    print(f"{'period':<7} {'tests':>7} {'alarms':>7} {'rate':>8} {'95% CI':>17} {'<= alpha':>9} "
          f"{'other':>6} {'plain Poisson':>14} {'ratio':>6} {'engine cpu s':>13}")
    for period, r in results["periods"].items():
        ref = r["reference_plain_poisson"]["false_alarm_rate"]
        rate = r["false_alarm_rate"]
        ratio = f"{rate / ref:.2f}" if ref else "-"
        ci = f"[{r['false_alarm_rate_ci95'][0]:.4f}, {r['false_alarm_rate_ci95'][1]:.4f}]"
        print(f"{period:<7} {r['tests']:>7} {r['false_alarms']:>7} {rate:>8.4f} {ci:>17} "
              f"{str(r['false_alarm_rate_at_or_below_alpha']):>9} {r['other_alerts_on_quiet_data']:>6} "
              f"{ref:>14.4f} {ratio:>6} {r['engine_cpu_seconds']:>13}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")
    ok = all(r["all_events_within_one_period"] and r["false_alarm_rate_at_or_below_alpha"]
             for r in results["periods"].values())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

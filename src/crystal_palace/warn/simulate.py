"""Generated detections with known events, to test and benchmark the early-warning engine.

Each known substance (taken from the reference library, with its real InChIKey, name, family and
structure) is found in some countries at a weekly rate with an annual season, a slow trend and
negative-binomial noise, the shape of real seizure counts. Events are injected on top: a new substance
that appears in one country and spreads to others on a schedule, and a known substance whose rate is
multiplied from a date on. The events are returned with the table, so that a test can check that each
one was alerted, and how late.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.warn.alerts import Alert
from crystal_palace.warn.periods import Period, period_range, period_start

AGENCIES = {"PL": "CLKP", "IT": "RaCIS", "NL": "NFI", "DE": "BKA", "BE": "NICC", "FR": "SCL", "ES": "CNP"}
"""One forensic agency per country (the generator's names: real agency acronyms, invented records)."""

KNOWN = {  # library id -> (unit, median quantity, {country: weekly rate})
    "cocaine": ("g", 25.0, {"PL": 9.0, "IT": 14.0, "NL": 12.0, "DE": 11.0, "BE": 8.0}),
    "mdma": ("tablets", 40.0, {"PL": 6.0, "IT": 5.0, "NL": 10.0, "DE": 7.0, "BE": 4.0}),
    "3-mmc": ("g", 4.0, {"PL": 5.0, "NL": 12.0, "BE": 2.0}),
    "mephedrone": ("g", 5.0, {"PL": 7.0, "IT": 1.5, "DE": 2.0}),
    "ketamine": ("g", 6.0, {"IT": 4.0, "NL": 5.0, "DE": 3.0, "BE": 2.5}),
    "heroin": ("g", 15.0, {"PL": 3.0, "IT": 8.0, "NL": 3.0, "DE": 6.0, "BE": 3.0}),
    "alpha-pvp": ("g", 1.5, {"PL": 2.5, "DE": 1.5}),
    "mdmb-4en-pinaca": ("g", 0.8, {"PL": 3.0, "IT": 2.0, "DE": 2.0, "NL": 1.0}),
    "isotonitazene": ("g", 0.2, {"DE": 1.0, "NL": 1.0}),
    "n-ethylpentedrone": ("g", 2.0, {"PL": 2.0, "IT": 1.0}),
}

NEW_SUBSTANCE = ("CCNC(C)C(=O)c1cccc(Cl)c1", "3-CEC", "synthetic_cathinone")
"""3-chloro-N-ethylcathinone: a neighbour of 3-CMC (listed in the EU in 2022), not in the reference library."""


@dataclass(frozen=True)
class NewSubstanceEvent:
    """A substance not seen before: first in ``countries[0]``, then each further country ``weeks`` later."""

    smiles: str
    name: str
    family: str
    start: pd.Timestamp
    countries: tuple[tuple[str, int], ...]
    weekly_rate: float = 1.5

    @property
    def inchikey(self) -> str:
        """The InChIKey of the structure."""
        from rdkit import Chem

        return inchikey(Chem.MolFromSmiles(self.smiles))


@dataclass(frozen=True)
class RiseEvent:
    """A known substance whose rate is multiplied by ``factor`` from ``start`` (in one country, or all)."""

    substance_id: str
    start: pd.Timestamp
    factor: float = 2.0
    country: str | None = None


@dataclass
class Simulation:
    """The generated detections and the events injected into them."""

    detections: pd.DataFrame
    events: list[NewSubstanceEvent | RiseEvent] = field(default_factory=list)
    start: pd.Timestamp = field(default_factory=lambda: pd.Timestamp("2023-01-02"))
    weeks: int = 0


def default_events(start: pd.Timestamp, weeks: int) -> list[NewSubstanceEvent | RiseEvent]:
    """The acceptance scenario: 3-CEC appears in PL and spreads to NL and DE; MDMA doubles (everywhere)."""
    late = start + pd.Timedelta(weeks=max(30, weeks - 40))
    return [NewSubstanceEvent(*NEW_SUBSTANCE, start=late + pd.Timedelta(days=2),
                              countries=(("PL", 0), ("NL", 5), ("DE", 11))),
            RiseEvent("mdma", late + pd.Timedelta(weeks=16, days=3), 2.0)]


def simulate(*, start: str | pd.Timestamp = "2023-01-02", years: float = 3.0, seed: int = 0,
             events: Sequence[NewSubstanceEvent | RiseEvent] | None = None, dispersion: float = 25.0,
             season: float = 0.35) -> Simulation:
    """Generate detections for ``years`` from ``start`` (a Monday), with ``events`` (default: the scenario).

    ``dispersion`` is the negative binomial's size (smaller: noisier); ``season`` the amplitude of the
    annual cycle on the log scale. ``events=[]`` gives event-free data, for the false-alarm rate.
    """
    from crystal_palace.chemistry.library import default_library

    rng = np.random.default_rng(seed)
    begin = pd.Timestamp(start)
    weeks = int(round(years * 365.25 / 7))
    chosen = list(default_events(begin, weeks) if events is None else events)
    library = default_library()
    t = np.arange(weeks, dtype=float)
    parts: list[pd.DataFrame] = []
    for substance_id, (unit, median, rates) in KNOWN.items():
        entry = library.by_id[substance_id]
        phase = rng.uniform(0, 2 * math.pi)
        trend = rng.uniform(-0.1, 0.1)
        for country, rate in rates.items():
            mean = rate * np.exp(season * np.sin(2 * math.pi * t / 52.18 + phase) + trend * t / 52.18)
            for event in chosen:
                if isinstance(event, RiseEvent) and event.substance_id == substance_id and \
                        event.country in (None, country):
                    mean = _multiply_from(mean, begin, event.start, event.factor)
            counts = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
            parts.append(_records(rng, begin, counts, entry.inchikey, entry.name, entry.family, entry.smiles,
                                  country, unit, median))
    for event in chosen:
        if isinstance(event, NewSubstanceEvent):
            parts.extend(_new_substance(rng, begin, weeks, event))
    table = pd.concat(parts, ignore_index=True).sort_values(["date", "country"], kind="stable")
    table = table[table["date"] < begin + pd.Timedelta(weeks=weeks)].reset_index(drop=True)
    table.insert(0, "record_id", [f"{c}-{AGENCIES[c]}-{i:06d}" for i, c in enumerate(table["country"], start=1)])
    return Simulation(table, chosen, begin, weeks)


def _multiply_from(mean: np.ndarray, begin: pd.Timestamp, start: pd.Timestamp, factor: float) -> np.ndarray:
    """Multiply the weekly rate from ``start`` on (the week holding it in proportion to the days left)."""
    out = mean.copy()
    offset = (start - begin).days / 7
    week = int(offset)
    if 0 <= week < len(out):
        share = 1 - (offset - week)
        out[week] *= 1 + (factor - 1) * share
        out[week + 1:] *= factor
    return out


def _records(rng: np.random.Generator, begin: pd.Timestamp, counts: np.ndarray, key: str, name: str, family: str,
             smiles: str, country: str, unit: str, median: float, *, first_day: pd.Timestamp | None = None,
             analysis: str = "GC-MS (EI, 70 eV), library match") -> pd.DataFrame:
    n = int(counts.sum())
    week_of = np.repeat(np.arange(len(counts)), counts)
    days = begin + pd.to_timedelta(week_of * 7 + rng.integers(0, 7, n), unit="D")
    if first_day is not None and n:
        days = days.where(days >= first_day, first_day)
    quantity = np.round(rng.lognormal(math.log(median), 0.9, n), 2)
    kinds = rng.choice(["seizure", "sample", "lab_result"], size=n, p=[0.6, 0.25, 0.15])
    return pd.DataFrame({"inchikey": key, "substance": name, "family": family, "country": country,
                         "agency": AGENCIES[country], "date": days, "quantity": quantity, "unit": unit,
                         "record_type": kinds, "smiles": smiles, "analysis": analysis})


def _new_substance(rng: np.random.Generator, begin: pd.Timestamp, weeks: int,
                   event: NewSubstanceEvent) -> list[pd.DataFrame]:
    key = event.inchikey
    analysis = ("GC-MS (EI, 70 eV): base peak m/z 72, m/z 139/141 (3-chlorobenzoyl); LC-QTOF-MS [M+H]+ 212.0837; "
                "structure confirmed by 1H/13C NMR")
    parts = []
    for country, delay in event.countries:
        first = event.start + pd.Timedelta(weeks=delay)
        offset = (first - begin).days // 7
        if offset >= weeks:
            continue
        counts = np.zeros(weeks, dtype=np.int64)
        counts[offset + 1:] = rng.poisson(event.weekly_rate, weeks - offset - 1)
        counts[offset] = 1  # the first detection itself, on the event's day
        frame = _records(rng, begin, counts, key, event.name, event.family, event.smiles, country, "g", 1.0,
                         first_day=first, analysis=analysis)
        frame.loc[frame.index[0], "date"] = first
        parts.append(frame)
    return parts


@dataclass(frozen=True)
class EventOutcome:
    """Whether and how late one injected event was alerted."""

    event: str
    kind: str
    country: str
    event_period: pd.Timestamp
    alert_period: pd.Timestamp | None
    delay: int | None
    """Periods from the event's period to the alert's (0: alerted for the period it began in)."""
    alert_key: str | None


def event_outcomes(simulation: Simulation, alerts: Sequence[Alert], period: Period) -> list[EventOutcome]:
    """For each injected event (each country a new substance reaches counts apart), its first alert."""
    from crystal_palace.chemistry.library import default_library

    expected: list[tuple[str, str, str, str, pd.Timestamp]] = []  # (label, kind, subject, country, day)
    for event in simulation.events:
        if isinstance(event, NewSubstanceEvent):
            for n, (country, delay) in enumerate(event.countries):
                day = event.start + pd.Timedelta(weeks=delay)
                if n == 0:
                    expected.append((f"{event.name} appears in {country}", "new_substance", event.inchikey, "EU", day))
                else:
                    expected.append((f"{event.name} spreads to {country}", "spread", event.inchikey, country, day))
        else:
            key = default_library().by_id[event.substance_id].inchikey
            expected.append((f"{event.substance_id} x{event.factor:g} in {event.country or 'EU'}", "rise", key,
                             event.country or "EU", event.start))
    outcomes = []
    for label, kind, subject, country, day in expected:
        start = period_start(day, period)
        hits = sorted((a for a in alerts if a.kind == kind and a.subject == subject and a.country == country
                       and pd.Timestamp(a.period_start) >= start), key=lambda a: a.period_start)
        if not hits:
            outcomes.append(EventOutcome(label, kind, country, start, None, None, None))
            continue
        first = pd.Timestamp(hits[0].period_start)
        delay = len(period_range(start, first, period)) - 1
        outcomes.append(EventOutcome(label, kind, country, start, first, delay, hits[0].key))
    return outcomes

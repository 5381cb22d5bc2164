"""The chemistry of the demo: substances by InChIKey, batch impurity profiles, tablet presses.

A batch is one synthesis: its impurity profile is drawn once (which of the 30 target peaks its route
leaves, and how much), and each of its samples is that profile times a few percent of measurement noise
and a sample-size factor, with the smallest peaks sometimes falling under the detection limit. Samples
of different batches of the same route share the route's marker peaks, which is what makes profile
linkage a real test. A press is one set of punches: its tablets share logo, colour and shape, and vary
by a few hundredths of a millimetre and a few percent in weight.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from crystal_palace.demo.vocabulary import (
    COLOURS,
    LOGOS,
    OTHER_DRUGS,
    PRECURSORS,
    PROFILED_DRUGS,
    SCORE_LINES,
    SHAPES,
)

PEAKS = 30
SAMPLE_NOISE = 0.4
"""Standard deviation of the log peak-area noise between samples of one batch (about 40 %, peak
integration included)."""
BATCH_SPREAD = 0.45
"""Standard deviation of the log peak-area difference between two batches of one site (same cook,
same route, different reaction): the hard negatives of profile linkage."""
DETECTION_LIMIT = 0.002
"""Peaks below this fraction of the profile's total area are reported as not detected (0)."""


@dataclass(frozen=True)
class SubstanceRef:
    """A library substance as the demo uses it: id, name, InChIKey."""

    id: str
    name: str
    inchikey: str


@lru_cache(maxsize=1)
def substances() -> dict[str, SubstanceRef]:
    """The demo's substances (drugs and precursors), read from the packaged reference library.

    Only the CSV files are read (no structure parsing), so generating data does not pay for RDKit.
    """
    from crystal_palace.chemistry.library import packaged_library_files

    wanted = set(PROFILED_DRUGS) | set(OTHER_DRUGS) | {p for ps in PRECURSORS.values() for p in ps}
    found: dict[str, SubstanceRef] = {}
    for path in packaged_library_files():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["id"] in wanted:
                    found[row["id"]] = SubstanceRef(row["id"], row["name"], row["inchikey"])
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"the reference library lacks the demo substances {sorted(missing)}")
    return found


def route_presence(routes: list[str], seed: int) -> dict[str, np.ndarray]:
    """Per synthesis route, the probability that a batch shows each of the 30 target peaks.

    A route has about eight marker peaks it nearly always leaves and a background of occasional ones.
    """
    rng = np.random.default_rng(seed)
    presence: dict[str, np.ndarray] = {}
    for route in routes:
        p = rng.uniform(0.05, 0.35, PEAKS)
        markers = rng.choice(PEAKS, size=8, replace=False)
        p[markers] = rng.uniform(0.85, 0.99, markers.size)
        presence[route] = p
    return presence


def batch_profiles(route_of_batch: np.ndarray, presence: dict[str, np.ndarray],
                   rng: np.random.Generator) -> np.ndarray:
    """The true profile of each batch: ``(batches, 30)`` peak areas, 0 where the route left no peak."""
    n = route_of_batch.size
    probability = np.stack([presence[str(r)] for r in route_of_batch]) if n else np.zeros((0, PEAKS))
    present = rng.random((n, PEAKS)) < probability
    peak_level = rng.uniform(2.0, 6.0, PEAKS)  # some impurities are always small, some large
    log_area = rng.normal(peak_level, 1.0, (n, PEAKS))
    return np.where(present, np.exp(log_area), 0.0)


def site_batches(site_profile: np.ndarray, site_of_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Batches of a site: its profile with a per-batch spread, and a tenth of the peaks coming or going."""
    n = site_of_batch.size
    base = site_profile[site_of_batch] * np.exp(rng.normal(0.0, BATCH_SPREAD, (n, PEAKS)))
    flip = rng.random((n, PEAKS)) < 0.1
    fresh = np.exp(rng.normal(2.5, 1.0, (n, PEAKS)))
    return np.where(flip, np.where(base > 0, 0.0, fresh), base)


def sample_profiles(base: np.ndarray, batch_of_sample: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Measured profiles: the batch's profile with noise, a sample-size factor and a detection limit."""
    areas = base[batch_of_sample] * np.exp(rng.normal(0.0, SAMPLE_NOISE, (batch_of_sample.size, PEAKS)))
    areas *= np.exp(rng.normal(0.0, 0.4, (batch_of_sample.size, 1)))  # injected amount differs per sample
    total = areas.sum(axis=1, keepdims=True)
    areas[areas < DETECTION_LIMIT * np.where(total > 0, total, 1.0)] = 0.0
    rounded: np.ndarray = np.round(areas, 3)
    return rounded


@dataclass(frozen=True)
class Presses:
    """The true features of each tablet press (one row per press)."""

    logo: np.ndarray
    colour: np.ndarray
    shape: np.ndarray
    diameter_mm: np.ndarray
    thickness_mm: np.ndarray
    weight_mg: np.ndarray
    score_line: np.ndarray


def make_presses(n: int, rng: np.random.Generator) -> Presses:
    """``n`` presses; popular logos are shared by several presses, as copied punches are in casework."""
    popularity = 1.0 / np.arange(1, len(LOGOS) + 1) ** 0.8
    return Presses(
        logo=np.array(LOGOS, dtype=object)[rng.choice(len(LOGOS), n, p=popularity / popularity.sum())],
        colour=np.array(COLOURS, dtype=object)[rng.integers(0, len(COLOURS), n)],
        shape=np.array(SHAPES, dtype=object)[rng.integers(0, len(SHAPES), n)],
        diameter_mm=np.round(rng.uniform(7.0, 13.0, n), 2),
        thickness_mm=np.round(rng.uniform(3.5, 6.5, n), 2),
        weight_mg=np.round(rng.uniform(220.0, 550.0, n), 1),
        score_line=np.array(SCORE_LINES, dtype=object)[rng.integers(0, len(SCORE_LINES), n)],
    )


def tablet_measurements(presses: Presses, press_of_tablet: np.ndarray,
                        rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each tablet's measured features: its press's, with measurement and punch-wear noise."""
    n = press_of_tablet.size
    return {
        "diameter_mm": np.round(presses.diameter_mm[press_of_tablet] + rng.normal(0, 0.03, n), 2),
        "thickness_mm": np.round(presses.thickness_mm[press_of_tablet] + rng.normal(0, 0.07, n), 2),
        "weight_mg": np.round(presses.weight_mg[press_of_tablet] * (1 + rng.normal(0, 0.025, n)), 1),
    }

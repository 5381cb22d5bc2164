"""The peak weighting of the NIST-style EI match factor, in one place for the index and the scorer.

Stein and Scott (J. Am. Soc. Mass Spectrom. 1994, 5, 859-866) tuned the dot product for EI library
search and found that weighting each peak by ``intensity**0.6 * (m/z)**3`` ranks the right compound
first most often: heavy ions are the characteristic ones, and the 0.6 power keeps the base peak from
dominating. This is the weighting of the NIST MS Search "identity" dot product (the composite match
factor adds a peak-ratio term, see :mod:`crystal_palace.spectra.ei_search`). Both exponents are
parameters of an imported library, recorded in its manifest, so that a laboratory can use the simple
``intensity**0.5 * m/z`` weighting instead; the index and the scorer always use the same pair.
The weighting drives the pre-search and the match factors; the default ranking score, the entropy
similarity, weights peaks by :func:`entropy_probabilities` instead (no m/z weight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Weighting:
    """Exponents of the weighted dot product: ``intensity**intensity_power * mz**mz_power``."""

    intensity_power: float = 0.6
    mz_power: float = 3.0

    def weights(self, mz: npt.ArrayLike, intensity: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The weighted peak values (float64: m/z**3 of heavy ions exceeds float32 precision needs)."""
        m = np.asarray(mz, dtype=np.float64)
        i = np.asarray(intensity, dtype=np.float64)
        return np.power(i, self.intensity_power) * np.power(m, self.mz_power)


NIST_IDENTITY = Weighting(0.6, 3.0)
"""Stein and Scott 1994: the default."""

SIMPLE = Weighting(0.5, 1.0)
"""Square-root intensities times m/z: a milder weighting some laboratories prefer."""


ENTROPY_NOISE = 0.01
"""Peaks below 1 % of the base peak are dropped before the entropy similarity (Li et al. 2021's cleaning)."""


def entropy_probabilities(values: npt.NDArray[np.float64], segments: npt.NDArray[np.int64], n_segments: int,
                          noise: float = ENTROPY_NOISE) -> npt.NDArray[np.float64]:
    """Peak intensities as the entropy-weighted probabilities of Li et al. (Nat. Methods 2021, 18, 1524).

    Several spectra at once: ``values`` are their peaks, ``segments`` (sorted) says which spectrum each
    peak belongs to. Per spectrum, peaks below ``noise`` times the base peak are dropped, the rest are
    scaled to sum 1; a spectrum whose spectral entropy ``S`` (natural log) is below 3 has its
    intensities raised to ``0.25 + 0.25 S`` and scaled to sum 1 again, so that few-peak spectra
    dominated by one ion are not judged by that ion alone. This is what ms-entropy's
    ``calculate_entropy_similarity`` does, vectorised over candidates.
    """
    out = np.zeros(values.size, dtype=np.float64)
    if values.size == 0:
        return out
    starts = np.flatnonzero(np.concatenate(([True], segments[1:] != segments[:-1])))
    top = np.zeros(n_segments, dtype=np.float64)
    top[segments[starts]] = np.maximum.reduceat(values, starts)
    kept = np.where(values >= noise * top[segments], values, 0.0)
    total = np.bincount(segments, kept, minlength=n_segments)
    p = kept / np.where(total > 0, total, 1.0)[segments]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -np.bincount(segments, plogp, minlength=n_segments)
    power = np.where(entropy < 3.0, 0.25 + 0.25 * entropy, 1.0)
    p = np.power(p, power[segments])
    total = np.bincount(segments, p, minlength=n_segments)
    out[:] = p / np.where(total > 0, total, 1.0)[segments]
    return out


def unit_bins(mz: npt.NDArray[np.float64], intensity: npt.NDArray[np.float64],
              max_bin: int = 65535) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.float32]]:
    """Peaks on the nominal (unit) m/z grid: rounded m/z, the highest peak kept per bin, scaled to 999.

    EI spectra are unit-mass; rounding with the highest peak per bin is how NIST MS Search reads
    accurate-mass EI into its nominal-mass library.
    """
    bins = np.rint(mz).astype(np.int64)
    keep = (bins >= 1) & (bins <= max_bin)
    bins, values = bins[keep], intensity[keep]
    if bins.size == 0:
        return np.zeros(0, np.uint16), np.zeros(0, np.float32)
    order = np.lexsort((-values, bins))
    bins, values = bins[order], values[order]
    first = np.ones(bins.size, dtype=bool)
    first[1:] = bins[1:] != bins[:-1]
    bins, values = bins[first], values[first]
    top = float(values.max())
    return bins.astype(np.uint16), (values / top * 999.0).astype(np.float32)

"""The one in-memory shape of a mass spectrum, shared by every reader, writer and search.

A spectrum is its peaks (m/z and intensity, as numpy arrays sorted by m/z) plus the record's metadata
as the file gave it (keys lower-cased, values as text), and ``record``: where it came from
(``file.msp#3 'Fentanyl'``), so that any later error or hit can name it. Readers check the peaks once,
here, through :func:`require_valid_peaks`, so that no search has to guard against NaN or negative
intensities again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import InvalidInput

FloatArray = npt.NDArray[np.float64]

# metadata keys, lower-cased, that mean the same thing in different flavours (NIST MSP, MoNA MSP, MGF, JCAMP)
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "title", "compound_name", "compound name", "compoundname"),
    "inchikey": ("inchikey", "inchi_key", "inchikey=", "inchlkey"),
    "smiles": ("smiles", "computed smiles"),
    "formula": ("formula", "molecular formula", "molform"),
    "precursor_mz": ("precursormz", "precursor_mz", "pepmass", "precursor m/z", "precursor mz", "$$ precursor m/z"),
    "precursor_type": ("precursor_type", "precursor type", "adduct", "ion_type"),
    "ion_mode": ("ion_mode", "ionmode", "ion mode", "charge_mode"),
    "retention_index": ("retention_index", "retentionindex", "ri", "kovats ri", "retention index"),
    "retention_time": ("retention_time", "retentiontime", "rtinseconds", "rt"),
    "cas": ("cas", "cas#", "cas registry no", "casno", "cas_number"),
    "spectrum_type": ("spectrum_type", "spectrumtype", "ms level", "mslevel", "spectrum type"),
    "comment": ("comment", "comments"),
}


@dataclass(frozen=True)
class Spectrum:
    """One mass spectrum: peaks sorted by m/z, the record's metadata, and where it came from.

    Parameters
    ----------
    mz, intensities
        Peak positions and heights, same length, sorted by m/z, intensities positive and finite.
    metadata
        The record's fields, keys lower-cased; read them through :meth:`get` to honour the aliases
        of the different formats (``PrecursorMZ`` in MSP, ``PEPMASS`` in MGF).
    record
        A label naming the record in its file, used in every error and hit.
    """

    mz: FloatArray
    intensities: FloatArray
    metadata: dict[str, str] = field(default_factory=dict)
    record: str = "spectrum"

    def get(self, key: str, default: str | None = None) -> str | None:
        """The metadata value for ``key`` under any of its aliases (``precursor_mz``, ``inchikey`` ...)."""
        for alias in _ALIASES.get(key, (key,)):
            value = self.metadata.get(alias)
            if value not in (None, ""):
                return value
        return default

    def get_float(self, key: str) -> float | None:
        """A numeric metadata value (the first number in the field), or None when absent or not a number."""
        value = self.get(key)
        if value is None:
            return None
        token = value.strip().split()[0] if value.strip() else ""
        try:
            number = float(token)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    @property
    def name(self) -> str:
        """The compound name, or the record label when the file gave none."""
        return self.get("name") or self.record

    @property
    def precursor_mz(self) -> float | None:
        """The precursor m/z of an MS/MS spectrum (None for EI)."""
        return self.get_float("precursor_mz")

    @property
    def retention_index(self) -> float | None:
        """The retention index, when the record has one."""
        return self.get_float("retention_index")

    def with_metadata(self, **values: str) -> Spectrum:
        """A copy with metadata fields set (the input is not changed)."""
        return replace(self, metadata={**self.metadata, **{k.lower(): v for k, v in values.items()}})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: peaks as ``[[mz, intensity], ...]`` plus the metadata and record."""
        return {"record": self.record, "metadata": dict(self.metadata),
                "peaks": [[float(m), float(i)] for m, i in zip(self.mz, self.intensities, strict=True)]}


def make_spectrum(mz: Any, intensities: Any, metadata: dict[str, str] | None = None, *,
                  record: str = "spectrum", allow_empty: bool = False) -> Spectrum:
    """Build a checked :class:`Spectrum` from any sequences of numbers (see :func:`require_valid_peaks`)."""
    meta = {str(k).lower(): str(v) for k, v in (metadata or {}).items()}
    try:
        mz_array = np.asarray(mz, dtype=np.float64).reshape(-1)
        int_array = np.asarray(intensities, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"peaks are not numbers ({exc})", field="peaks", record=record) from None
    mz_array, int_array = require_valid_peaks(mz_array, int_array, record=record, allow_empty=allow_empty)
    return Spectrum(mz_array, int_array, meta, record)


def require_valid_peaks(mz: FloatArray, intensities: FloatArray, *, record: str,
                        allow_empty: bool = False) -> tuple[FloatArray, FloatArray]:
    """Check peaks and return them sorted by m/z; zero-intensity peaks are dropped (they carry no signal).

    Raises
    ------
    InvalidInput
        Naming the record and the field (``peaks``, ``mz`` or ``intensity``) when lengths differ, a
        value is not finite, an m/z is not positive, an intensity is negative, or (unless
        ``allow_empty``) no peak is left.
    """
    if mz.shape != intensities.shape:
        raise InvalidInput(f"{mz.size} m/z values but {intensities.size} intensities", field="peaks", record=record)
    if not np.all(np.isfinite(mz)):
        raise InvalidInput("an m/z value is not a finite number", field="mz", record=record)
    if not np.all(np.isfinite(intensities)):
        raise InvalidInput("an intensity is not a finite number", field="intensity", record=record)
    if mz.size and float(mz.min()) <= 0:
        raise InvalidInput(f"m/z {float(mz.min()):g} is not positive", field="mz", record=record)
    if intensities.size and float(intensities.min()) < 0:
        where = int(np.argmin(intensities))
        raise InvalidInput(f"negative intensity {float(intensities[where]):g} at m/z {float(mz[where]):g}",
                           field="intensity", record=record)
    keep = intensities > 0
    mz, intensities = mz[keep], intensities[keep]
    if not mz.size and not allow_empty:
        raise InvalidInput("the spectrum has no peaks", field="peaks", record=record)
    order = np.argsort(mz, kind="stable")
    return mz[order], intensities[order]

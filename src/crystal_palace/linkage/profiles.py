"""Read chemical (impurity) profiles, keep the target peaks and normalise each profile.

A profile is one sample's peak areas for a fixed list of target compounds, as in the harmonised
amphetamine profiling method of the CHAMP project (Andersson et al. 2007, "Development of a harmonised
method for the profiling of amphetamines", Forensic Sci. Int. 169). Absolute areas depend on the
amount injected, so each profile is normalised before it is compared: to the sum of its target peaks
(the usual choice) or to its largest peak.

Nothing is guessed: a peak area that is not a number, is negative or missing, a duplicate sample id,
and a profile whose target peaks are all zero each raise :class:`~crystal_palace.exceptions.InvalidInput`
naming the sample and the peak. Missing areas can be read as "not detected" (zero) on request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crystal_palace.exceptions import InvalidInput

Normalisation = Literal["sum", "max", "none"]
NORMALISATIONS: tuple[Normalisation, ...] = ("sum", "max", "none")
ID_COLUMNS = ("sample_id", "specimen", "sample", "id")
"""Column names taken as the sample id (case-insensitive) when none is given; else the first column."""


@dataclass(frozen=True)
class ProfileTable:
    """Profiles ready to compare: one row of peak values per sample, in input order."""

    ids: tuple[str, ...]
    peaks: tuple[str, ...]
    values: NDArray[np.float64]
    source: str = "<table>"

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, rows: Sequence[int]) -> ProfileTable:
        """The profiles at ``rows`` (positions), for a subset analysis."""
        index = np.asarray(rows, dtype=np.intp)
        return ProfileTable(tuple(self.ids[i] for i in index), self.peaks, self.values[index], self.source)


def _id_column(frame: pd.DataFrame, id_column: str | None, source: str) -> str:
    if id_column is not None:
        if id_column not in frame.columns:
            raise InvalidInput(f"no column {id_column!r}; the columns are {', '.join(map(str, frame.columns))}",
                               field="id_column", record=source)
        return id_column
    lowered = {str(c).lower(): str(c) for c in frame.columns}
    for name in ID_COLUMNS:
        if name in lowered:
            return lowered[name]
    return str(frame.columns[0])


def read_profiles(table: pd.DataFrame | str | Path, *, id_column: str | None = None,
                  peaks: Sequence[str] | None = None, missing: Literal["error", "zero"] = "error") -> ProfileTable:
    """Read profiles from a DataFrame or a CSV file: a sample id column and one column per target peak.

    Parameters
    ----------
    table
        A DataFrame, or the path of a CSV file.
    id_column
        The sample id column (default: ``sample_id``, ``specimen``, ``sample`` or ``id``, else the first).
    peaks
        The target peaks to keep, in this order (default: every other column).
    missing
        ``"error"`` (default) refuses an empty area; ``"zero"`` reads it as "not detected".

    Examples
    --------
    >>> frame = pd.DataFrame({"sample_id": ["a", "b"], "P1": [1.0, 0.0], "P2": [3.0, 2.0]})
    >>> read_profiles(frame).values.tolist()
    [[1.0, 3.0], [0.0, 2.0]]
    """
    source = str(table) if isinstance(table, str | Path) else "<table>"
    if isinstance(table, str | Path):
        path = Path(table)
        if not path.is_file():
            raise InvalidInput("no such file", field="table", record=str(path))
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        frame = table
    if frame.shape[1] < 2:
        raise InvalidInput("a profile table needs a sample id column and at least one peak column",
                           field="table", record=source)
    id_col = _id_column(frame, id_column, source)
    peak_cols = [str(c) for c in frame.columns if str(c) != id_col] if peaks is None else list(peaks)
    unknown = [p for p in peak_cols if p not in frame.columns]
    if unknown:
        raise InvalidInput(f"no peak column {unknown[0]!r}", field="peaks", record=source)
    if not peak_cols:
        raise InvalidInput("no target peaks were selected", field="peaks", record=source)
    ids = [str(v).strip() for v in frame[id_col].tolist()]
    seen: set[str] = set()
    for n, sample in enumerate(ids, start=1):
        if not sample or sample.lower() == "nan":
            raise InvalidInput(f"row {n} has no sample id", field=id_col, record=source)
        if sample in seen:
            raise InvalidInput("duplicate sample id", field=id_col, record=sample)
        seen.add(sample)
    values = np.empty((len(ids), len(peak_cols)), dtype=np.float64)
    for k, peak in enumerate(peak_cols):
        values[:, k] = _numeric_column(frame[peak], peak, ids, missing)
    return ProfileTable(tuple(ids), tuple(peak_cols), values, source)


def _numeric_column(column: pd.Series, peak: str, ids: Sequence[str], missing: str) -> NDArray[np.float64]:
    text = column.astype(str).str.strip()
    blank = column.isna().to_numpy() | text.isin(["", "nan", "NaN", "NA"]).to_numpy()
    numbers = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=np.float64, copy=True)
    for row in np.flatnonzero(np.isnan(numbers)).tolist():
        if blank[row]:
            if missing == "zero":
                numbers[row] = 0.0
                continue
            raise InvalidInput("missing peak area (pass missing='zero' to read it as not detected)",
                               field=peak, record=ids[row])
        raise InvalidInput(f"peak area {text.iloc[row]!r} is not a number", field=peak, record=ids[row])
    bad = np.flatnonzero(~np.isfinite(numbers) | (numbers < 0)).tolist()
    if bad:
        raise InvalidInput(f"peak area {float(numbers[bad[0]])!r} must be a finite number >= 0", field=peak,
                           record=ids[bad[0]])
    return np.asarray(numbers, dtype=np.float64)


def normalise(table: ProfileTable, method: Normalisation = "sum") -> ProfileTable:
    """Scale each profile to the sum of its target peaks, or to its largest peak (a new table).

    Examples
    --------
    >>> t = ProfileTable(("a",), ("P1", "P2"), np.array([[1.0, 3.0]]))
    >>> normalise(t, "sum").values.tolist(), normalise(t, "max").values.tolist()
    ([[0.25, 0.75]], [[0.3333333333333333, 1.0]])
    """
    if method not in NORMALISATIONS:
        raise InvalidInput(f"unknown normalisation {method!r}; choose one of {', '.join(NORMALISATIONS)}",
                           field="normalisation")
    if method == "none":
        return table
    scale = table.values.sum(axis=1) if method == "sum" else table.values.max(axis=1)
    empty = np.flatnonzero(scale <= 0)
    if empty.size:
        raise InvalidInput("every target peak is zero: the profile cannot be normalised", field="peaks",
                           record=table.ids[empty[0]])
    return ProfileTable(table.ids, table.peaks, table.values / scale[:, None], table.source)


def profiles_from_records(records: Sequence[Mapping[str, object]], *, id_field: str = "sample_id",
                          peaks_field: str = "peaks") -> pd.DataFrame:
    """A profile DataFrame from records holding a sample id and a ``{peak: area}`` mapping (e.g. a store).

    Peaks absent from a record are left empty, so :func:`read_profiles` refuses them unless asked to read
    them as zero.
    """
    rows: list[dict[str, object]] = []
    for n, record in enumerate(records, start=1):
        sample = record.get(id_field)
        areas = record.get(peaks_field)
        if sample is None:
            raise InvalidInput(f"record {n} has no {id_field}", field=id_field)
        if not isinstance(areas, Mapping):
            raise InvalidInput("the peak areas must be a mapping of peak name to area", field=peaks_field,
                               record=str(sample))
        rows.append({"sample_id": str(sample), **{str(k): v for k, v in areas.items()}})
    frame = pd.DataFrame(rows)
    peak_columns = sorted(c for c in frame.columns if c != "sample_id")
    return frame[["sample_id", *peak_columns]] if rows else frame


def profiles_from_tables(profiles: pd.DataFrame, target_sets: pd.DataFrame, *,
                         target_set: str | None = None, source: str = "<store>") -> ProfileTable:
    """Profiles of one target set from the store's ``profiles`` and ``target_sets`` tables, one row per sample.

    ``target_set`` is a target set's id or name; it may be left out when the profiles use only one. A
    sample with several profiles in the set (replicate injections) is an error naming it: replicates are
    averaged or chosen by the laboratory, not here.
    """
    if target_sets.empty or profiles.empty:
        raise InvalidInput("the store holds no profiles", field="profiles", record=source)
    used = target_sets[target_sets["id"].isin(profiles["target_set_id"])]
    if target_set is not None:
        chosen = target_sets[(target_sets["id"] == target_set) | (target_sets["name"] == target_set)]
        if chosen.empty:
            known = ", ".join(f"{r.name} ({r.id})" for r in used.itertuples())
            raise InvalidInput(f"no such target set (known: {known})", field="target_set", record=target_set)
    elif len(used) > 1:
        known = ", ".join(f"{r.name} ({r.id})" for r in used.itertuples())
        raise InvalidInput(f"the profiles use several target sets; choose one of {known}", field="target_set",
                           record=source)
    else:
        chosen = used
    row = chosen.iloc[0]
    peaks = tuple(str(p) for p in row["peak_names"])
    rows = profiles[profiles["target_set_id"] == row["id"]].sort_values("sample_id", kind="stable")
    repeated = rows["sample_id"][rows["sample_id"].duplicated()]
    if len(repeated):
        raise InvalidInput(f"sample has several profiles in target set {row['name']!r}", field="sample_id",
                           record=str(repeated.iloc[0]))
    values = np.zeros((len(rows), len(peaks)), dtype=np.float64)
    for k, (profile_id, areas) in enumerate(zip(rows["id"], rows["areas"], strict=True)):
        vector = np.asarray(areas, dtype=np.float64)
        if vector.shape != (len(peaks),):
            raise InvalidInput(f"{vector.size} areas for {len(peaks)} target peaks", field="areas",
                               record=str(profile_id))
        if not np.all(np.isfinite(vector)) or (vector < 0).any():
            raise InvalidInput("areas must be finite numbers >= 0", field="areas", record=str(profile_id))
        values[k] = vector
    return ProfileTable(tuple(str(s) for s in rows["sample_id"]), peaks, values, f"{source}: {row['name']}")

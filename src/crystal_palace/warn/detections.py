"""The detections table, and the first detection of each substance per country and in the EU.

A detection is one record (a seizure, a sample or a lab result) that found one substance, identified by
the InChIKey of its standardised parent structure. The early-warning engine reads nothing else, so any
source (the store, a CSV export, a generator) only has to produce this table.

"First" means first *as far as the data knows*: the records behind it are returned with it, so that a
focal point can check them, and :func:`first_detections` names every record of that first day.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crystal_palace.exceptions import InvalidInput

COLUMNS = ("record_id", "inchikey", "substance", "family", "country", "agency", "date", "quantity", "unit",
           "record_type")
"""Required columns of a detections table, in order."""

OPTIONAL_COLUMNS = ("smiles", "analysis")
"""Optional columns: the structure (lets a new substance be depicted and compared with controlled ones)
and a free-text description of the analytical data (technique, instrument, key ions)."""

RECORD_TYPES = ("seizure", "sample", "lab_result")
EU = "EU"
"""The pseudo-country of EU-wide figures and first detections."""

_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def require_detections(table: pd.DataFrame) -> pd.DataFrame:
    """A checked, normalised copy of a detections table; raise on the first bad row, naming it.

    Dates become ``datetime64`` (day), countries upper case, empty optional text an empty string,
    quantities floats (missing allowed: a sample may have no weight). Every problem is counted and the
    error names the first row with a problem, the field and the reason, and how many others there are:
    nothing is dropped silently.
    """
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InvalidInput(f"the detections table lacks column(s) {', '.join(missing)}; it needs "
                           f"{', '.join(COLUMNS)}", field=missing[0])
    out = table.reset_index(drop=True)
    for column in OPTIONAL_COLUMNS:
        if column not in out.columns:
            out[column] = ""
    for column in ("record_id", "inchikey", "substance", "family", "country", "agency", "unit", "record_type",
                   *OPTIONAL_COLUMNS):
        out[column] = out[column].fillna("").astype(str).str.strip()
    out["country"] = out["country"].str.upper()
    out["inchikey"] = out["inchikey"].str.upper()
    dates = pd.to_datetime(out["date"], errors="coerce", format="mixed")
    quantities = pd.to_numeric(out["quantity"], errors="coerce")
    raw_quantity = table["quantity"].reset_index(drop=True)
    raw_dates = table["date"].reset_index(drop=True)
    blank_quantity = raw_quantity.isna() | (raw_quantity.astype(str).str.strip() == "")
    records = out["record_id"].where(out["record_id"] != "", [f"row {i + 1}" for i in range(len(out))])
    checks: list[tuple[str, object, Callable[[int], str]]] = [
        ("record_id", out["record_id"] == "", lambda i: "empty"),
        ("inchikey", ~out["inchikey"].str.fullmatch(_INCHIKEY.pattern[1:-1]),
         lambda i: f"{out['inchikey'].iloc[i]!r} is not an InChIKey"),
        ("country", ~out["country"].str.fullmatch("[A-Z]{2}") | (out["country"] == EU),
         lambda i: f"{out['country'].iloc[i]!r} is not a two-letter country code"),
        ("date", dates.isna().reset_index(drop=True), lambda i: f"{raw_dates.iloc[i]!r} is not a date"),
        ("quantity", (quantities.isna().reset_index(drop=True) & ~blank_quantity),
         lambda i: f"{raw_quantity.iloc[i]!r} is not a number"),
        ("quantity", (quantities < 0).reset_index(drop=True), lambda i: "negative"),
        ("record_type", ~out["record_type"].isin(RECORD_TYPES),
         lambda i: f"{out['record_type'].iloc[i]!r} is not one of {', '.join(RECORD_TYPES)}"),
        ("record_id", out["record_id"].duplicated() & (out["record_id"] != ""), lambda i: "appears more than once"),
    ]
    total = 0
    worst: tuple[int, str, Callable[[int], str]] | None = None
    for column, mask, reason in checks:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        total += len(positions)
        if len(positions) and (worst is None or positions[0] < worst[0]):
            worst = (int(positions[0]), column, reason)
    if worst is not None:
        row, column, reason = worst
        more = f" (and {total - 1} more problems)" if total > 1 else ""
        raise InvalidInput(reason(row) + more, field=column, record=str(records.iloc[row]))
    out["date"] = dates.dt.normalize()
    out["quantity"] = quantities.astype(float)
    out["substance"] = out["substance"].where(out["substance"] != "", out["inchikey"])
    out["family"] = out["family"].where(out["family"] != "", "unknown")
    return out.sort_values(["date", "record_id"], kind="stable").reset_index(drop=True)


def empty_detections() -> pd.DataFrame:
    """A detections table with no rows (and the right columns and types)."""
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in (*COLUMNS, *OPTIONAL_COLUMNS)})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    frame["quantity"] = pd.Series(dtype=float)
    return frame


@dataclass(frozen=True)
class FirstDetection:
    """The first detection of a substance in a country (or in the EU, ``country == "EU"``)."""

    inchikey: str
    substance: str
    family: str
    country: str
    date: pd.Timestamp
    first_countries: tuple[str, ...]
    """Where the substance was found on that first day (for the EU: the country or countries)."""
    record_ids: tuple[str, ...]
    """Every record of that first day, in that country (for the EU: in any country)."""
    countries_before: tuple[str, ...] = field(default=())
    """Countries where it had been found before this one (empty for the EU and the first country)."""


def first_detections(detections: pd.DataFrame) -> list[FirstDetection]:
    """The first detection per substance and country, and per substance in the EU, with the records behind.

    ``detections`` must have passed :func:`require_detections`. The result is ordered by date, then
    InChIKey, with the EU-wide entry of a substance before its per-country entries.
    """
    found: list[FirstDetection] = []
    if detections.empty:
        return found
    for key, rows in detections.groupby("inchikey", sort=False):
        first_day = rows["date"].min()
        day_rows = rows[rows["date"] == first_day]
        name, family = _label(rows)
        found.append(FirstDetection(str(key), name, family, EU, first_day,
                                    tuple(sorted(day_rows["country"].unique())),
                                    tuple(day_rows["record_id"])))
        per_country = rows.groupby("country")["date"].min().sort_values(kind="stable")
        for country, day in per_country.items():
            in_country = rows[(rows["country"] == country) & (rows["date"] == day)]
            before = tuple(sorted(str(c) for c, d in per_country.items() if d < day))
            found.append(FirstDetection(str(key), name, family, str(country), day, (str(country),),
                                        tuple(in_country["record_id"]), before))
    found.sort(key=lambda f: (f.date, f.inchikey, f.country != EU, f.country))
    return found


def _label(rows: pd.DataFrame) -> tuple[str, str]:
    """The most frequent name and family given to a substance (the InChIKey decides identity)."""
    name = rows["substance"].mode().iloc[0]
    family = rows["family"].mode().iloc[0]
    return str(name), str(family)


def records_of(detections: pd.DataFrame, record_ids: Sequence[str]) -> pd.DataFrame:
    """The detection rows behind an alert, in date order."""
    wanted = set(record_ids)
    return detections[detections["record_id"].isin(wanted)].sort_values(["date", "record_id"])

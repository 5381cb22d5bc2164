"""Turn source text into typed field values, column by column, and say which rows failed and why.

Each converter takes a column of raw strings (missing = empty string) and returns the typed values and
a reason per failed row (None where the row is fine), all vectorised with pandas so a million rows take
seconds. Checks that belong to a field, not to its type (a country code, an InChIKey, a handling code,
a purity between 0 and 100, a latitude), run here too, so an import reports every bad value it meets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from crystal_palace.store.model import COUNTRY, INCHIKEY, Column

Converted = tuple[Any, np.ndarray]
"""(typed values, reason per row: an object array of str or None)"""

RANGES = {"purity": (0.0, 100.0), "lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "quantity": (0.0, None),
          "diameter_mm": (0.0, 100.0), "thickness_mm": (0.0, 100.0), "weight_mg": (0.0, 1e7),
          "arrests": (0, None), "sites_dismantled": (0, None), "capacity_kg_week": (0.0, None)}
"""Allowed ranges of numeric fields (inclusive; None: unbounded)."""


def _reasons(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _number(raw: pd.Series) -> pd.Series:
    """Decimal commas (``1,5``) are read as points when the value has no point."""
    text = raw.str.strip()
    comma = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
    return pd.to_numeric(text.where(~comma, text.str.replace(",", ".", regex=False)), errors="coerce")


def convert_double(column: Column, raw: pd.Series) -> Converted:
    """A float column; NaN where empty."""
    empty = raw.str.strip() == ""
    values = _number(raw).astype(np.float64)
    reasons = _reasons(len(raw))
    reasons[(values.isna() & ~empty).to_numpy()] = "not a number"
    _check_range(column, values, reasons)
    return values.to_numpy(), reasons


def convert_integer(column: Column, raw: pd.Series) -> Converted:
    """A whole-number column; missing where empty."""
    empty = raw.str.strip() == ""
    numbers = _number(raw)
    reasons = _reasons(len(raw))
    whole = numbers.notna() & (numbers == np.floor(numbers))
    reasons[(~whole & ~empty).to_numpy()] = "not a whole number"
    values = pd.array(numbers.where(whole), dtype="Int64")
    _check_range(column, pd.Series(values, dtype="Float64"), reasons)
    return values, reasons


def _check_range(column: Column, values: pd.Series, reasons: np.ndarray) -> None:
    bounds = RANGES.get(column.name)
    if bounds is None:
        return
    low, high = bounds
    bad = np.zeros(len(values), dtype=bool)
    present = values.notna().to_numpy()
    numeric = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if low is not None:
        bad |= present & (numeric < low)
    if high is not None:
        bad |= present & (numeric > high)
    where = f"at least {low}" if high is None else f"between {low} and {high}"
    reasons[bad & (reasons == None)] = f"out of range: must be {where}"  # noqa: E711


def convert_date(column: Column, raw: pd.Series, date_format: str | None) -> Converted:
    """Dates (or timestamps): the mapping's format, else ISO 8601 (Excel's ``2021-03-04 00:00:00`` too)."""
    text = raw.str.strip()
    empty = text == ""
    if date_format:
        values = pd.to_datetime(text.where(~empty), format=date_format, errors="coerce")
        iso = pd.to_datetime(text.where(values.isna() & ~empty), format="ISO8601", errors="coerce")
        values = values.fillna(iso)  # an Excel cell is a real date whatever the format
    else:
        values = pd.to_datetime(text.where(~empty), format="ISO8601", errors="coerce")
    if column.type == "date":
        values = values.dt.normalize()
    reasons = _reasons(len(raw))
    expected = date_format or "ISO 8601 (YYYY-MM-DD)"
    reasons[(values.isna() & ~empty).to_numpy()] = f"not a date in the format {expected}"
    return values.to_numpy(dtype="datetime64[ns]"), reasons


def convert_list(column: Column, raw: pd.Series, separator: str) -> Converted:
    """A list: a JSON list, or values joined by the mapping's separator."""
    reasons = _reasons(len(raw))
    values: list[list[Any] | None] = []
    for i, text in enumerate(raw.tolist()):
        text = text.strip()
        if not text:
            values.append(None)
            continue
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                reasons[i] = "not a valid JSON list"
                values.append(None)
                continue
        else:
            items = [p.strip() for p in text.split(separator if column.type == "text[]" else _num_sep(separator))]
        if column.type == "double[]":
            try:
                items = [float(str(v).replace(",", ".")) if not isinstance(v, (int, float)) else float(v)
                         for v in items]
            except ValueError:
                reasons[i] = "a list entry is not a number"
                values.append(None)
                continue
        else:
            items = [str(v) for v in items]
        values.append(items)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out, reasons


def _num_sep(separator: str) -> str:
    return ";" if separator == "," else separator


def convert_text(column: Column, raw: pd.Series) -> Converted:
    """Text, trimmed; field-specific checks (country, InChIKey, handling code, choices, JSON)."""
    text = raw.str.strip()
    empty = (text == "").to_numpy()
    reasons = _reasons(len(raw))
    if column.name in ("country", "nationality"):
        text = text.str.upper()
        bad = ~text.str.match(COUNTRY.pattern).to_numpy() & ~empty
        reasons[bad] = "not an ISO 3166-1 alpha-2 country code"
    elif column.name == "inchikey":
        text = text.str.upper()
        reasons[~text.str.match(INCHIKEY.pattern).to_numpy() & ~empty] = "not a standard InChIKey"
    elif column.choices:
        fixed = text if column.name in ("schema", "handling_code") else text.str.lower()
        if column.name == "handling_code":
            fixed = text.str.upper()
        bad = ~fixed.isin(column.choices).to_numpy() & ~empty
        reasons[bad] = f"not one of {', '.join(column.choices)}"
        text = fixed
    elif column.type == "json":
        for i in np.flatnonzero(~empty):
            try:
                ok = isinstance(json.loads(text.iloc[i]), dict)
            except ValueError:
                ok = False
            if not ok:
                reasons[i] = "not a JSON object"
    values = pd.array(text.where(~pd.Series(empty, index=text.index)).to_numpy(dtype=object), dtype="str")
    return values, reasons


def converter(column: Column, date_format: str | None, separator: str) -> Callable[[pd.Series], Converted]:
    """The converter for ``column``'s type."""
    if column.type == "double":
        return lambda raw: convert_double(column, raw)
    if column.type == "integer":
        return lambda raw: convert_integer(column, raw)
    if column.type in ("date", "timestamp"):
        return lambda raw: convert_date(column, raw, date_format)
    if column.type in ("text[]", "double[]"):
        return lambda raw: convert_list(column, raw, separator)
    return lambda raw: convert_text(column, raw)

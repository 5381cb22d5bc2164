"""Tablet linkage: which tablets may come from the same press, from their logo and physical features.

A press leaves its punch on every tablet: the same logo, diameter and score line, and a shape, colour,
thickness and weight that vary only within a production run's tolerance (the physical profiling of
ecstasy tablets developed at the University of Lausanne; see docs/linkage.md). Each pair of tablets
gets one component per feature, each between 0 (same) and 1 (clearly different):

- logo: 0 when the normalised logos are equal (case, accents, spaces and punctuation ignored), else one
  minus the Sorensen-Dice similarity of their character bigrams (so "Tesla" and "TESLA" are equal,
  "Tesla" and "Teslaa" close);
- colour, shape and score line: 0 when equal, else 1; colours are compared as the base colour named
  (shades and synonyms folded: "pale yellow" is "yellow", "azure" is "blue", "gray" is "grey");
- diameter, thickness and weight: |difference| / (2 x tolerance), capped at 1 (0.5 at the tolerance).

The tablet distance is the weighted mean of the components a pair has (a feature missing on either
tablet is left out, neither for nor against). A pair is *compatible* when both logos are equal, every
measured feature is within its tolerance and every known category agrees. Distances are calibrated on
known pairs exactly like chemical profiles (:mod:`crystal_palace.linkage.calibration`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.metrics import closest_first

Array = NDArray[np.float64]
Index = NDArray[np.intp]

CATEGORIES = ("colour", "shape", "score_line")
MEASURES = ("diameter_mm", "thickness_mm", "weight_mg")
FEATURES = ("logo", *CATEGORIES, *MEASURES)
ID_COLUMNS = ("tablet_id", "id", "sample_id")
COLOUR_SYNONYMS = {"gray": "grey", "colourless": "white", "colorless": "white", "violet": "purple",
                   "lilac": "purple", "rose": "pink", "azure": "blue", "turquoise": "blue", "beige": "brown",
                   "orange-red": "orange", "off-white": "white", "cream": "white"}
"""Colour names that describe the same tablet colour, as different examiners write it."""
COLOUR_MODIFIERS = ("light", "dark", "pale", "bright", "pastel", "deep")
"""Words that shade a colour; a press's tablets are one colour, seen lighter or darker."""


@dataclass(frozen=True)
class Tolerances:
    """How far measurements of tablets from one press may differ, and how much each feature weighs.

    Diameter is fixed by the punch (0.2 mm allows for calipers); thickness and weight move with the
    compression force and the fill. Tablets of one run weigh within a few percent of each other (a
    relative standard deviation of 2-4 %), so the difference between two of them reaches about 2.5 times
    that spread times the square root of 2: 10 % of their mean weight.
    """

    diameter_mm: float = 0.2
    thickness_mm: float = 0.3
    weight_fraction: float = 0.10
    weights: Mapping[str, float] = field(default_factory=lambda: {
        "logo": 3.0, "diameter_mm": 2.0, "thickness_mm": 1.0, "weight_mg": 1.0, "colour": 1.0, "shape": 1.0,
        "score_line": 1.0})


def normalise_logo(text: object) -> str:
    """A logo compared without case, accents, spaces or punctuation (empty when unknown).

    Examples
    --------
    >>> normalise_logo("  Tésla-X ")
    'teslax'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]", "", folded.casefold())


def _normalise_category(text: object, synonyms: Mapping[str, str] | None = None) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    value = re.sub(r"\s+", " ", str(text).strip().casefold())
    return (synonyms or {}).get(value, value)


def normalise_colour(text: object) -> str:
    """The base colour a description names (shades and synonyms folded; empty when unknown).

    Examples
    --------
    >>> [normalise_colour(c) for c in ("Pale Yellow", "light-blue", "Azure", "off-white", "gray")]
    ['yellow', 'blue', 'blue', 'white', 'grey']
    """
    value = _normalise_category(text, COLOUR_SYNONYMS)
    words = [w for w in re.split(r"[\s-]+", value) if w and w not in COLOUR_MODIFIERS]
    base = " ".join(words) if words else value
    return COLOUR_SYNONYMS.get(base, base)


def logo_similarity(logos: Sequence[str]) -> Array:
    """Sorensen-Dice similarity of character bigrams between every two normalised logos (1 on equal logos).

    Examples
    --------
    >>> logo_similarity(["tesla", "teslaa", "bmw"]).round(2).tolist()[0]
    [1.0, 0.89, 0.0]
    """
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for r, logo in enumerate(logos):
        grams = {logo[k:k + 2] for k in range(len(logo) - 1)} or ({logo} if logo else set())
        for gram in grams:
            rows.append(r)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(logos), max(len(vocabulary), 1)))
    shared = (matrix @ matrix.T).toarray()
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    total = sizes[:, None] + sizes[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.where(total > 0, 2 * shared / total, 0.0)
    codes = np.asarray(logos, dtype=object)
    similarity[codes[:, None] == codes[None, :]] = 1.0
    return np.asarray(similarity, dtype=np.float64)


@dataclass(frozen=True)
class TabletTable:
    """Tablets ready to compare: ids, normalised logo and category codes, measurements (NaN when unknown)."""

    ids: tuple[str, ...]
    logos: tuple[str, ...]
    raw: pd.DataFrame
    logo_codes: NDArray[np.int64]
    logo_sim: Array
    categories: dict[str, NDArray[np.int64]]
    measures: dict[str, Array]

    def __len__(self) -> int:
        return len(self.ids)


def _codes(values: Sequence[str]) -> NDArray[np.int64]:
    codes, _ = pd.factorize(pd.Series(values, dtype=object))
    return np.where(np.asarray([v == "" for v in values], dtype=bool), -1, codes).astype(np.int64)


def read_tablets(table: pd.DataFrame | str | Path, *, id_column: str | None = None) -> TabletTable:
    """Read tablets from a DataFrame or CSV: an id column and any of :data:`FEATURES` (at least one).

    Measurements must be positive numbers (empty when unknown); ``color`` is read as ``colour``.
    """
    source = str(table) if isinstance(table, str | Path) else "<table>"
    if isinstance(table, str | Path):
        if not Path(table).is_file():
            raise InvalidInput("no such file", field="table", record=source)
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    else:
        frame = table.copy()
    frame = frame.rename(columns={"color": "colour"})
    if id_column is None:
        id_column = next((c for c in ID_COLUMNS if c in frame.columns), None)
        if id_column is None:
            raise InvalidInput(f"no id column (one of {', '.join(ID_COLUMNS)})", field="id_column", record=source)
    elif id_column not in frame.columns:
        raise InvalidInput(f"no column {id_column!r}", field="id_column", record=source)
    if not any(f in frame.columns for f in FEATURES):
        raise InvalidInput(f"no tablet feature column (any of {', '.join(FEATURES)})", field="table", record=source)
    ids = [str(v).strip() for v in frame[id_column].tolist()]
    duplicated = pd.Series(ids)[pd.Series(ids).duplicated()]
    if len(duplicated):
        raise InvalidInput("duplicate tablet id", field=id_column, record=str(duplicated.iloc[0]))
    logos = [normalise_logo(v) for v in frame["logo"].tolist()] if "logo" in frame.columns else [""] * len(ids)
    unique = sorted(set(logos) - {""})
    position = {logo: k for k, logo in enumerate(unique)}
    logo_codes = np.asarray([position.get(logo, -1) for logo in logos], dtype=np.int64)
    categories = {}
    for name in CATEGORIES:
        values = frame[name].tolist() if name in frame.columns else [""] * len(ids)
        categories[name] = _codes([normalise_colour(v) if name == "colour" else _normalise_category(v)
                                   for v in values])
    measures = {}
    for name in MEASURES:
        if name not in frame.columns:
            measures[name] = np.full(len(ids), np.nan)
            continue
        text = frame[name].astype(str).str.strip()
        blank = frame[name].isna().to_numpy() | text.isin(["", "nan", "NaN", "NA"]).to_numpy()
        numbers = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=np.float64, copy=True)
        bad = np.flatnonzero(~blank & (np.isnan(numbers) | ~(numbers > 0) | ~np.isfinite(numbers)))
        if bad.size:
            raise InvalidInput(f"{text.iloc[bad[0]]!r} is not a positive number", field=name, record=ids[bad[0]])
        measures[name] = numbers
    return TabletTable(tuple(ids), tuple(logos), frame, logo_codes, logo_similarity(unique) if unique
                       else np.zeros((0, 0)), categories, measures)


def _components(t: TabletTable, i: Index, j: Index, tol: Tolerances) -> dict[str, Array]:
    """Each feature's component for pairs (i, j): 0 same, 1 clearly different, NaN when unknown."""
    out: dict[str, Array] = {}
    a, b = t.logo_codes[i], t.logo_codes[j]
    known = (a >= 0) & (b >= 0)
    sim = np.where(known, t.logo_sim[np.maximum(a, 0), np.maximum(b, 0)] if len(t.logo_sim) else 0.0, np.nan)
    out["logo"] = 1.0 - sim
    for name in CATEGORIES:
        ca, cb = t.categories[name][i], t.categories[name][j]
        out[name] = np.where((ca >= 0) & (cb >= 0), (ca != cb).astype(float), np.nan)
    for name in MEASURES:
        va, vb = t.measures[name][i], t.measures[name][j]
        if name == "weight_mg":
            limit = tol.weight_fraction * (va + vb) / 2
        else:
            limit = np.full(len(va), getattr(tol, name))
        with np.errstate(invalid="ignore"):
            out[name] = np.minimum(np.abs(va - vb) / (2 * limit), 1.0)
    return out


def tablet_distances(t: TabletTable, i: Index, j: Index, tol: Tolerances | None = None
                     ) -> tuple[Array, NDArray[np.bool_]]:
    """The tablet distance (weighted mean of known components) and the compatibility of pairs (i, j)."""
    tol = tol or Tolerances()
    parts = _components(t, i, j, tol)
    total = np.zeros(len(i))
    weight = np.zeros(len(i))
    compatible = np.ones(len(i), dtype=bool)
    for name, values in parts.items():
        known = ~np.isnan(values)
        w = float(tol.weights.get(name, 1.0))
        total += np.where(known, values, 0.0) * w
        weight += known * w
        limit = 0.0 if name in ("logo", *CATEGORIES) else 0.5 + 1e-9
        compatible &= ~known | (values <= limit)
    compatible &= ~np.isnan(parts["logo"])
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(weight > 0, total / weight, 1.0)
    return distance, compatible


def iter_tablet_blocks(t: TabletTable, tol: Tolerances | None = None, *, block: int = 512
                       ) -> Iterator[tuple[Index, Index, Array, NDArray[np.bool_]]]:
    """Every pair ``i < j`` with its distance and compatibility, in blocks of rows (bounded memory)."""
    n = len(t)
    block = max(16, min(block, 2_000_000 // max(n, 1)))  # about 2 million pairs, ~200 MB of components, at once
    for start in range(0, n, block):
        stop = min(start + block, n)
        bi, bj = np.triu_indices(stop - start, 1, m=n - start)
        i, j = (bi + start).astype(np.intp), (bj + start).astype(np.intp)
        distance, compatible = tablet_distances(t, i, j, tol)
        yield i, j, distance, compatible


def explain_pairs(t: TabletTable, i: Index, j: Index, tol: Tolerances | None = None) -> list[dict[str, Any]]:
    """Each feature of each pair side by side, with whether it agrees (the evidence of a tablet link)."""
    tol = tol or Tolerances()
    parts = _components(t, np.asarray(i, dtype=np.intp), np.asarray(j, dtype=np.intp), tol)
    present = [name for name in FEATURES if name in t.raw.columns]
    columns = {name: [_plain(v) for v in t.raw[name].tolist()] for name in present}
    components = {name: parts[name].tolist() for name in present}
    evidence: list[dict[str, Any]] = []
    for k, (a, b) in enumerate(zip(np.asarray(i).tolist(), np.asarray(j).tolist(), strict=True)):
        pair: dict[str, Any] = {}
        for name in present:
            value = components[name][k]
            known = value == value  # not NaN
            limit = 0.0 if name in ("logo", *CATEGORIES) else 0.5 + 1e-9
            pair[name] = {"a": columns[name][a], "b": columns[name][b],
                          "component": round(value, 4) if known else None,
                          "agrees": bool(value <= limit) if known else None}
        evidence.append(pair)
    return evidence


def explain_pair(t: TabletTable, a: int, b: int, tol: Tolerances | None = None) -> dict[str, Any]:
    """The evidence of one pair (see :func:`explain_pairs`)."""
    return explain_pairs(t, np.array([a], dtype=np.intp), np.array([b], dtype=np.intp), tol)[0]


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    return value.item() if isinstance(value, np.generic) else value


CHUNK = 2_000_000
"""Candidate pairs measured at once by :func:`close_tablet_pairs` (about 200 MB of components)."""


def _band_pairs(a_rows: Index, a_values: Array, b_rows: Index, b_values: Array, reach: float, same: bool,
                ) -> Iterator[tuple[Index, Index]]:
    """Pairs of rows whose values (sorted ascending in both lists) are at most ``reach`` apart, in chunks.

    With ``same`` the two lists are one, and each pair comes once.
    """
    lo = np.searchsorted(b_values, a_values - reach, side="left")
    hi = np.searchsorted(b_values, a_values + reach, side="right")
    if same:
        lo = np.maximum(lo, np.arange(len(a_values)) + 1)
    counts = np.maximum(hi - lo, 0)
    ends = np.cumsum(counts)
    start = 0
    while start < len(a_values):
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + CHUNK, side="right"))
        stop = max(stop, start + 1)
        c = counts[start:stop]
        total = int(c.sum())
        if total:
            first = np.repeat(np.arange(start, stop), c)
            offsets = np.arange(total) - np.repeat(np.cumsum(c) - c, c)
            yield a_rows[first], b_rows[lo[first] + offsets]
        start = stop


def _all_pairs(a_rows: Index, b_rows: Index, same: bool) -> Iterator[tuple[Index, Index]]:
    """Every pair between two lists of rows (each pair once when they are one list), in chunks."""
    step = max(1, CHUNK // max(len(b_rows), 1))
    for start in range(0, len(a_rows), step):
        part = np.arange(start, min(start + step, len(a_rows)))
        if same:
            bi, bj = np.triu_indices(len(part), 1, m=len(b_rows) - start)
            yield a_rows[part[bi]], b_rows[bj + start]
        else:
            yield np.repeat(a_rows[part], len(b_rows)), np.tile(b_rows, len(part))


def candidate_pairs(t: TabletTable, tol: Tolerances | None = None, max_distance: float | None = None,
                    ) -> Iterator[tuple[Index, Index]]:
    """Pairs that can be within ``max_distance`` (or compatible, when it is None): a sound blocking.

    A tablet distance is a weighted mean over the features both tablets have, so it is at least
    (w_logo x logo component + w_diameter x diameter component) / (sum of all weights): more known
    features that agree can only bring it down to that. Tablets are therefore compared only within one
    logo, across two logos whose dissimilarity alone does not exceed the threshold (``Tesla`` and
    ``Teslaa``, never ``Tesla`` and ``Rolex``), and with every tablet when their logo is missing (an
    unknown logo is neither for nor against); and within those, only when their diameters are close
    enough (sorted, a band join), a missing diameter again compared with all. Compatible pairs need the
    same known logo and diameters within tolerance. Yields ``(i, j)`` chunks, ``i < j``, each pair once.
    """
    tol = tol or Tolerances()
    weights = {name: float(tol.weights.get(name, 1.0)) for name in FEATURES}
    present = [name for name in FEATURES if name in t.raw.columns] or list(FEATURES)
    total = sum(weights[name] for name in present)
    w_logo, w_diameter = weights["logo"], weights["diameter_mm"]
    diameter = t.measures["diameter_mm"]
    codes = t.logo_codes
    groups = {int(code): np.flatnonzero(codes == code).astype(np.intp) for code in np.unique(codes)}
    known = sorted(code for code in groups if code >= 0)
    if max_distance is None:
        pairs = [(code, code, 2 * tol.diameter_mm * (0.5 + 1e-9) * (1 + 1e-9)) for code in known]
    else:
        budget = max_distance * total * (1 + 1e-9) + 1e-12
        pairs = []
        for x, code in enumerate(known):
            for other in known[x:]:
                room = budget - (0.0 if other == code else w_logo * (1.0 - float(t.logo_sim[code, other])))
                if room >= 0:
                    pairs.append((code, other, np.inf if room >= w_diameter else 2 * tol.diameter_mm * room
                                  / w_diameter * (1 + 1e-9)))
        if -1 in groups:
            room = budget
            reach = np.inf if room >= w_diameter else 2 * tol.diameter_mm * room / w_diameter * (1 + 1e-9)
            pairs.extend((-1, code, reach) for code in [-1, *known])
    for code, other, reach in pairs:
        yield from _group_pairs(groups[code], groups[other], diameter, reach, code == other)


def _group_pairs(a: Index, b: Index, diameter: Array, reach: float, same: bool) -> Iterator[tuple[Index, Index]]:
    """Pairs between two logo groups with diameters within ``reach`` (a missing diameter pairs with all)."""
    def ordered(rows: Index) -> tuple[Index, Index, Array]:
        values = diameter[rows]
        missing = rows[np.isnan(values)]
        measured = rows[~np.isnan(values)]
        order = np.argsort(diameter[measured], kind="stable")
        return missing, measured[order], diameter[measured[order]]

    a_missing, a_rows, a_values = ordered(a)
    if same:
        chunks = chain(_all_pairs(a_rows, a_rows, True) if np.isinf(reach)
                       else _band_pairs(a_rows, a_values, a_rows, a_values, reach, True),
                       _all_pairs(a_missing, a_missing, True), _all_pairs(a_missing, a_rows, False))
    else:
        b_missing, b_rows, b_values = ordered(b)
        chunks = chain(_all_pairs(a_rows, b_rows, False) if np.isinf(reach)
                       else _band_pairs(a_rows, a_values, b_rows, b_values, reach, False),
                       _all_pairs(a_missing, np.r_[b_missing, b_rows].astype(np.intp), False),
                       _all_pairs(a_rows, b_missing, False))
    for i, j in chunks:
        yield np.minimum(i, j), np.maximum(i, j)


def close_tablet_pairs(t: TabletTable, tol: Tolerances | None = None, max_distance: float | None = None,
                       ) -> tuple[Index, Index, Array]:
    """Pairs at most ``max_distance`` apart (compatible pairs when None), closest first, ties by ``i``, ``j``.

    The same pairs and distances as :func:`iter_tablet_blocks` filtered the same way, from the candidates
    of :func:`candidate_pairs` instead of all pairs.
    """
    tol = tol or Tolerances()
    found_i, found_j, found_d = [], [], []
    for i, j in candidate_pairs(t, tol, max_distance):
        distance, compatible = tablet_distances(t, i, j, tol)
        keep = compatible if max_distance is None else distance <= max_distance
        found_i.append(i[keep])
        found_j.append(j[keep])
        found_d.append(distance[keep])
    return closest_first(found_i, found_j, found_d)

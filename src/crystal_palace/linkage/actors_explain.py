"""Explain a scored pair: which comparison levels were hit, with what weight, in words an analyst reads.

Splink's score is a sum of match weights (log2 Bayes factors): the prior (how rare a match is among
random pairs) plus one term per comparison, plus a term-frequency adjustment where a name or a place is
rarer or commoner than average. Every term is kept in the explanation, so a prosecutor can be told that
two records are the same person *because* the surname and the date of birth agree (+21.4) despite a
different street (-3.2), and how much each of those counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LevelInfo:
    """One level of one comparison, as the trained model has it."""

    label: str
    m_probability: float | None
    u_probability: float | None


@dataclass(frozen=True)
class ComparisonInfo:
    """A comparison (one output column) and its levels by comparison vector value (gamma)."""

    column: str
    description: str
    levels: dict[int, LevelInfo]


def comparisons_from_model(model: Mapping[str, Any]) -> list[ComparisonInfo]:
    """The comparisons and levels of a Splink model dictionary (``linker.misc.save_model_to_json()``).

    Splink numbers the levels of a comparison from the most specific down to 0, with -1 for the null
    level; the dictionary lists them in that order, so the numbers are recomputed here.
    """
    infos = []
    for comparison in model.get("comparisons", []):
        levels = comparison.get("comparison_levels", [])
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        by_gamma: dict[int, LevelInfo] = {}
        counter = len(non_null) - 1
        for level in levels:
            info = LevelInfo(str(level.get("label_for_charts") or level.get("sql_condition")),
                             level.get("m_probability"), level.get("u_probability"))
            if level.get("is_null_level"):
                by_gamma[-1] = info
            else:
                by_gamma[counter] = info
                counter -= 1
        column = str(comparison.get("output_column_name"))
        infos.append(ComparisonInfo(column, str(comparison.get("comparison_description") or column), by_gamma))
    return infos


@dataclass(frozen=True)
class Evidence:
    """What one comparison contributed to one pair's score."""

    field: str
    description: str
    level: str
    left: str | None
    right: str | None
    match_weight: float
    """log2 of the Bayes factor, term-frequency adjustment included."""
    tf_adjustment: float

    @property
    def bayes_factor(self) -> float:
        """How many times likelier this agreement is among matches than among non-matches."""
        return float(2.0 ** self.match_weight)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"field": self.field, "description": self.description, "level": self.level, "left": self.left,
                "right": self.right, "match_weight": round(self.match_weight, 3),
                "bayes_factor": _round_sig(self.bayes_factor), "tf_adjustment": round(self.tf_adjustment, 3)}


def _round_sig(value: float, digits: int = 4) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def _value(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _number(row: Mapping[str, Any], column: str) -> float:
    value = row.get(column)
    if value is None:
        return 0.0
    number = float(value)
    return 0.0 if math.isnan(number) else number


def explain_pair(row: Mapping[str, Any], comparisons: list[ComparisonInfo]) -> list[Evidence]:
    """Evidence of every comparison for one row of Splink's predictions (intermediate columns retained)."""
    evidence = []
    for comparison in comparisons:
        column = comparison.column
        gamma_value = row.get(f"gamma_{column}")
        gamma = -1 if gamma_value is None else int(gamma_value)
        level = comparison.levels.get(gamma, LevelInfo(f"level {gamma}", None, None))
        tf = _number(row, f"mw_tf_adj_{column}")
        evidence.append(Evidence(column, comparison.description, level.label, _value(row, f"{column}_l"),
                                 _value(row, f"{column}_r"), _number(row, f"mw_{column}") + tf, tf))
    return evidence


def prior_weight(model: Mapping[str, Any]) -> float:
    """The match weight before any comparison: log2 of the prior odds that two records match."""
    p = float(model.get("probability_two_random_records_match") or 1e-4)
    return math.log2(p / (1.0 - p))


def summarise(evidence: list[Evidence], match_weight: float, probability: float, prior: float) -> str:
    """One sentence: the score, then what spoke for and against, strongest first; missing fields last.

    >>> ev = [Evidence("surname", "name", "same", "nowak", "nowak", 8.5, 0.4),
    ...       Evidence("street", "street", "differs", "polna", "lipowa", -3.1, 0.0),
    ...       Evidence("id_number", "identity number", "missing", None, "123", 0.0, 0.0)]
    >>> summarise(ev, 5.4, 0.977, -13.3)
    'match weight 5.4 (probability 0.977; prior -13.3): for: name same (+8.5); against: street differs (-3.1); \
not compared: identity number'
    """
    parts = [f"match weight {match_weight:.1f} (probability {probability:.3f}; prior {prior:.1f})"]
    present = [e for e in evidence if e.level != "missing"]
    positive = sorted((e for e in present if e.match_weight > 0), key=lambda e: -e.match_weight)
    negative = sorted((e for e in present if e.match_weight <= 0), key=lambda e: e.match_weight)
    if positive:
        parts.append("for: " + ", ".join(f"{e.description} {e.level} ({e.match_weight:+.1f})" for e in positive))
    if negative:
        parts.append("against: " + ", ".join(f"{e.description} {e.level} ({e.match_weight:+.1f})"
                                             for e in negative))
    missing = [e.description for e in evidence if e.level == "missing"]
    if missing:
        parts.append("not compared: " + ", ".join(missing))
    return "; ".join(parts[:1]) + ": " + "; ".join(parts[1:]) if len(parts) > 1 else parts[0]

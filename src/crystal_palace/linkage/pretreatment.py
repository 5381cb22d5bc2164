"""Pretreatments: transforms applied to normalised profiles so that small peaks weigh in the comparison.

Without a pretreatment the one or two largest impurity peaks dominate every distance. Square root,
fourth root and logarithm compress the large peaks so that the many small, batch-specific ones count
(Andersson et al. 2007; Lociciro et al. 2008 for cocaine; Popovic et al., whose optimum on the GC-MS
methylamphetamine data in ``../shared/data/impurity-profiles`` was the fourth root; see docs/linkage.md).
``log1p`` is log(1 + x) so that absent peaks (0) stay finite; on profiles normalised to sum 1 it is
close to the identity, and on profiles normalised to the largest peak it compresses only mildly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from crystal_palace.exceptions import InvalidInput

Pretreatment = Literal["none", "sqrt", "fourth_root", "log1p"]
Array = NDArray[np.float64]


def _none(values: Array) -> Array:
    return values


def _sqrt(values: Array) -> Array:
    return np.sqrt(values)


def _fourth_root(values: Array) -> Array:
    return np.sqrt(np.sqrt(values))


def _log1p(values: Array) -> Array:
    return np.log1p(values)


PRETREATMENTS: dict[str, Callable[[Array], Array]] = {
    "none": _none,
    "sqrt": _sqrt,
    "fourth_root": _fourth_root,
    "log1p": _log1p,
}
"""Every pretreatment by name; the comparison of methods tries each of them."""

ALIASES = {"square_root": "sqrt", "root2": "sqrt", "root4": "fourth_root", "4th_root": "fourth_root",
           "log": "log1p"}


def pretreatment_name(name: str) -> str:
    """The canonical name of a pretreatment, accepting common spellings (``square_root``, ``root4``, ``log``)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in PRETREATMENTS:
        raise InvalidInput(f"unknown pretreatment {name!r}; choose one of {', '.join(PRETREATMENTS)}",
                           field="pretreatment")
    return key


def pretreat(values: Array, name: str) -> Array:
    """Apply a pretreatment (a new array; the input is not changed).

    Examples
    --------
    >>> pretreat(np.array([[0.0, 16.0]]), "fourth_root").tolist()
    [[0.0, 2.0]]
    """
    return PRETREATMENTS[pretreatment_name(name)](np.asarray(values, dtype=np.float64))

"""Synthetic populations with Zipf-distributed names, for attack simulations and benchmarks.

Real name frequencies are close to Zipf's law (the r-th most common name has a share near ``1 / r^s``);
an attacker holding a census or phone-book table knows them. A synthetic population with that property
lets the frequency attacks in :mod:`.attack` be run without any real person's data, and lets benchmarks
grow to any size with known true matches (duplicates with typing errors).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_ONSETS = ("b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "kr",
           "st", "sz", "ch", "tr", "gr", "pl", "dr", "sk", "wl")
_VOWELS = ("a", "e", "i", "o", "u", "y", "ia", "ie", "ei", "au")
_CODAS = ("", "", "", "n", "r", "k", "sz", "l", "s", "m", "t", "ski", "wicz", "ak", "ek")


@dataclass(frozen=True)
class NameTable:
    """Names ordered from the most frequent, with their shares (summing to 1)."""

    names: tuple[str, ...]
    shares: tuple[float, ...]

    def frequencies(self) -> dict[str, float]:
        """Name to share."""
        return dict(zip(self.names, self.shares, strict=True))


def zipf_names(count: int, *, exponent: float = 1.0, syllables: tuple[int, int] = (2, 3),
               seed: int = 1) -> NameTable:
    """``count`` distinct pronounceable names with Zipf shares ``1 / rank^exponent``."""
    rng = np.random.default_rng(seed)
    seen: dict[str, None] = {}
    while len(seen) < count:
        parts = [str(rng.choice(_ONSETS)) + str(rng.choice(_VOWELS))
                 for _ in range(int(rng.integers(syllables[0], syllables[1] + 1)))]
        name = "".join(parts) + str(rng.choice(_CODAS))
        seen.setdefault(name, None)
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    weights /= weights.sum()
    return NameTable(tuple(seen), tuple(float(w) for w in weights))


def population(size: int, *, given: NameTable | None = None, surnames: NameTable | None = None,
               seed: int = 2) -> list[dict[str, str]]:
    """``size`` persons: given name, surname, date of birth (1940-2005), street, town, postcode, id number."""
    rng = np.random.default_rng(seed)
    given = given or zipf_names(500, seed=11)
    surnames = surnames or zipf_names(3000, exponent=0.9, seed=12)
    towns = zipf_names(300, exponent=1.1, seed=13).names
    streets = zipf_names(800, seed=14).names
    g = rng.choice(len(given.names), size, p=given.shares)
    s = rng.choice(len(surnames.names), size, p=surnames.shares)
    start = datetime.date(1940, 1, 1).toordinal()
    days = rng.integers(0, datetime.date(2005, 12, 31).toordinal() - start, size)
    town = rng.integers(0, len(towns), size)
    return [{"id": f"p{n}", "given_name": given.names[g[n]], "surname": surnames.names[s[n]],
             "date_of_birth": datetime.date.fromordinal(start + int(days[n])).isoformat(),
             "address": f"{streets[int(rng.integers(len(streets)))]} street",
             "suburb": towns[town[n]], "postcode": f"{10000 + 97 * int(town[n]):05d}",
             "id_number": f"{int(rng.integers(10**8, 10**9))}"} for n in range(size)]


def corrupt(records: Sequence[dict[str, str]], *, errors: int = 2, seed: int = 3) -> list[dict[str, str]]:
    """Copies with ``errors`` typing errors each (a character deleted, swapped or replaced, or a field lost)."""
    rng = np.random.default_rng(seed)
    fields = ("given_name", "surname", "address", "suburb", "id_number", "date_of_birth")
    out = []
    for record in records:
        copy = dict(record)
        for _ in range(errors):
            name = fields[int(rng.integers(len(fields)))]
            value = copy[name]
            if not value:
                continue
            kind = int(rng.integers(4))
            i = int(rng.integers(len(value)))
            if name == "date_of_birth":  # change the day, keep a valid date
                copy[name] = value[:8] + f"{1 + (int(value[8:]) + int(rng.integers(1, 9))) % 28:02d}"
            elif kind == 0:
                copy[name] = value[:i] + value[i + 1:]
            elif kind == 1 and i + 1 < len(value):
                copy[name] = value[:i] + value[i + 1] + value[i] + value[i + 2:]
            elif kind == 2:
                copy[name] = value[:i] + "aeiou"[int(rng.integers(5))] + value[i + 1:]
            else:
                copy[name] = "" if name in ("address", "suburb") else value
        copy["id"] = record["id"] + "-dup"
        out.append(copy)
    return out

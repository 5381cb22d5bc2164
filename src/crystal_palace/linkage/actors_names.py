"""Normalise names of people and companies so that cross-border spellings meet.

The same person is written "Paweł Wiśniewski" in Warsaw, "Pawel Wisniewski" in Rotterdam and
"WISNIEWSKI Pawel" in Naples; a Ukrainian courier may appear in Cyrillic in one file and in a
transliteration in another; a Dutch "Hans" is the "Johannes" of the civil registry. The functions here
fold those differences away *before* the probabilistic comparison, so that Splink's string similarities
measure real differences (typos, misreadings) rather than writing conventions.

The reference tables (given-name variants, Cyrillic-Latin transliteration, company legal forms) are
package data under ``data/actors/``, each row with its source; they are read once.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.linkage.actors_values import fold_ascii

_NON_WORD = re.compile(r"[^0-9a-z]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _read_table(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    path = resources.files("crystal_palace") / "data" / "actors" / name
    problems: list[tuple[int | None, str]] = []
    with path.open("r", encoding="utf-8") as handle:
        reader = csv.DictReader(handle.read().splitlines())
        if tuple(reader.fieldnames or ()) != columns:
            raise InvalidReferenceData(str(path), [(1, f"header must be {','.join(columns)}")])
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if not (row.get(columns[0]) or "").strip() or not (row.get("source") or "").strip():
            problems.append((line, f"{columns[0]} and source are required"))
    if problems:
        raise InvalidReferenceData(str(path), problems)
    return rows


@lru_cache(maxsize=1)
def transliteration_table() -> dict[int, str]:
    """Cyrillic to Latin letters (lower case; upper case follows), from ``cyrillic_latin.csv``."""
    table: dict[int, str] = {}
    for row in _read_table("cyrillic_latin.csv", ("cyrillic", "latin", "source")):
        letter, latin = row["cyrillic"].strip(), row["latin"].strip()
        table[ord(letter)] = latin
        table[ord(letter.upper())] = latin
    return table


@lru_cache(maxsize=1)
def given_name_variants() -> dict[str, str]:
    """Variant given name -> canonical form, followed through chains (sasha -> aleksandr -> aleksander)."""
    direct = {clean_name(r["variant"]) or "": clean_name(r["canonical"]) or ""
              for r in _read_table("given_name_variants.csv", ("variant", "canonical", "language", "source"))}
    resolved: dict[str, str] = {}
    for variant in direct:
        seen = {variant}
        target = direct[variant]
        while target in direct and direct[target] != target and target not in seen:
            seen.add(target)
            target = direct[target]
        resolved[variant] = target
    return resolved


@lru_cache(maxsize=1)
def company_legal_forms() -> tuple[str, ...]:
    """Legal-form designations (``sp z o o``, ``srl``, ``bv``) as cleaned words, longest first."""
    forms = {clean_name(r["form"]) or "" for r in _read_table("company_legal_forms.csv", ("form", "country", "source"))}
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def clean_name(raw: str | None) -> str | None:
    """Lower-case ASCII name words: diacritics folded, Cyrillic transliterated, punctuation dropped.

    >>> clean_name("Paweł  WIŚNIEWSKI")
    'pawel wisniewski'
    >>> clean_name("Олександр Шевченко")
    'oleksandr shevchenko'
    >>> clean_name("O'Neill-Smith")
    'o neill smith'
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if _CYRILLIC.search(text):
        text = text.translate(transliteration_table())
    text = _NON_WORD.sub(" ", fold_ascii(text).lower()).strip()
    return text or None


def canonical_given_name(name: str | None) -> str | None:
    """The given name behind a diminutive or a foreign spelling, for a "same name" comparison level.

    >>> canonical_given_name("Kuba"), canonical_given_name("beppe"), canonical_given_name("Hans")
    ('jakub', 'giuseppe', 'johannes')
    >>> canonical_given_name("Ewa")
    'ewa'
    """
    cleaned = clean_name(name)
    if cleaned is None:
        return None
    first = cleaned.split(" ")[0]
    return given_name_variants().get(first, first)


@dataclass(frozen=True)
class PersonName:
    """A person's name split into the parts the comparisons use."""

    first_name: str | None
    surname: str | None


def split_full_name(raw: str | None) -> PersonName:
    """Split a one-field name: ``"Surname, Given"`` by the comma, otherwise the last word is the surname.

    Upper-case words followed by mixed-case ones are read as "SURNAME Given" (the police-register
    convention in Poland and Italy).

    >>> split_full_name("Kowalski, Jan")
    PersonName(first_name='jan', surname='kowalski')
    >>> split_full_name("KOWALSKI Jan")
    PersonName(first_name='jan', surname='kowalski')
    >>> split_full_name("Jan van der Berg")
    PersonName(first_name='jan', surname='van der berg')
    """
    if raw is None or not str(raw).strip():
        return PersonName(None, None)
    text = str(raw).strip()
    if "," in text:
        surname, _, given = text.partition(",")
        return PersonName(clean_name(given), clean_name(surname))
    words = text.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper and len(upper) < len(words) and words[: len(upper)] == upper:
        return PersonName(clean_name(" ".join(words[len(upper):])), clean_name(" ".join(upper)))
    particles = {"van", "von", "de", "der", "den", "di", "da", "del", "della", "le", "la", "ter", "ten"}
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in particles:
        cut -= 1
    if len(words) == 1:
        return PersonName(None, clean_name(text))
    return PersonName(clean_name(" ".join(words[:cut])), clean_name(" ".join(words[cut:])))


def company_name_key(raw: str | None) -> str | None:
    """Company name without its legal form and punctuation: ``"Chem-Trade Sp. z o.o."`` -> ``chem trade``.

    >>> company_name_key("Chem-Trade Sp. z o.o.")
    'chem trade'
    >>> company_name_key("CHEMTRADE S.R.L.")
    'chemtrade'
    >>> company_name_key("Blue Lotus B.V.")
    'blue lotus'
    """
    cleaned = clean_name(raw)
    if cleaned is None:
        return None
    padded = f" {cleaned} "
    for form in company_legal_forms():
        padded = padded.replace(f" {form} ", " ")
    stripped = padded.strip()
    return stripped or cleaned

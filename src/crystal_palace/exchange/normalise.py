"""Normalise identifiers before they are encoded, so that both partners turn the same fact into the same bytes.

Privacy-preserving matching compares encodings, never values: "Łukasz  Nowak" and "LUKASZ NOWAK" only meet
if both sides reduce them to ``lukasz nowak`` *before* hashing. Each function here returns the canonical
form, or raises :class:`~crystal_palace.exceptions.InvalidInput` naming the field and the reason; an empty
value returns ``""`` (missing, which encodes to nothing).

This module is self-contained on purpose (the Splink normalisers in ``linkage`` may evolve for
probabilistic linkage; an exchange format must not change under a partner's feet).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from crystal_palace.exceptions import InvalidInput

# letters NFKD does not decompose into ASCII (Polish, German, Nordic, ...)
_TRANSLIT = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o",
                           "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ı": "i", "œ": "oe", "Œ": "oe"})
_NOT_NAME = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


def normalise_name(value: str | None, *, field: str = "name", record: str | None = None) -> str:
    """Lower case ASCII letters and single spaces: accents, punctuation and digits removed.

    >>> normalise_name("  Łukasz-Żółć  O'Brien ")
    'lukasz zolc obrien'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value).translate(_TRANSLIT))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("-", " ")
    return _SPACES.sub(" ", _NOT_NAME.sub(" ", text)).strip()


_ISO_OR_COMPACT = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")


def normalise_date(value: str | datetime.date | None, *, field: str = "date_of_birth",
                   record: str | None = None) -> str:
    """An ISO date ``YYYY-MM-DD`` from the formats European registers use (day first, never month first).

    >>> normalise_date("07.03.1985"), normalise_date("19850307")
    ('1985-03-07', '1985-03-07')
    """
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return ""
    quick = _ISO_OR_COMPACT.fullmatch(text)
    if quick:  # the common forms, without strptime's cost
        try:
            return datetime.date(int(quick[1]), int(quick[2]), int(quick[3])).isoformat()
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidInput(f"{text!r} is not a date (use YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY)", field=field,
                       record=record)


# country calling code, whether the national number starts with a trunk "0" that E.164 drops
_CALLING = {"PL": ("48", False), "IT": ("39", False), "NL": ("31", True), "DE": ("49", True),
            "BE": ("32", True), "FR": ("33", True), "ES": ("34", False), "AT": ("43", True),
            "CZ": ("420", False), "SK": ("421", True), "LT": ("370", True), "LV": ("371", False),
            "EE": ("372", False), "PT": ("351", False), "IE": ("353", True), "GB": ("44", True),
            "UK": ("44", True), "SE": ("46", True), "DK": ("45", False), "FI": ("358", True),
            "HU": ("36", True), "RO": ("40", True), "BG": ("359", True), "HR": ("385", True),
            "SI": ("386", True), "GR": ("30", False), "LU": ("352", False), "CH": ("41", True)}
_PHONE_JUNK = re.compile(r"[\s().\-/]")


def normalise_phone(value: str | None, *, country: str = "PL", field: str = "phone",
                    record: str | None = None) -> str:
    """E.164 (``+48601234567``) from international (``+``, ``00``) or national numbers of ``country``.

    Italian numbers keep their leading 0 (Italy has no trunk prefix); in NL, DE, FR and most others the
    national 0 is dropped.

    >>> normalise_phone("0031 (0)6-1234 5678"), normalise_phone("06 12345678", country="NL")
    ('+31612345678', '+31612345678')
    >>> normalise_phone("06 1234 5678", country="IT")
    '+390612345678'
    """
    if value is None or not str(value).strip():
        return ""
    text = str(value).strip().replace("(0)", "")
    text = _PHONE_JUNK.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        code = _CALLING.get(country.upper())
        if code is None:
            raise InvalidInput(f"unknown country {country!r} for a national phone number", field=field,
                               record=record)
        calling, trunk = code
        if trunk and text.startswith("0"):
            text = text[1:]
        text = "+" + calling + text
    digits = text[1:]
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise InvalidInput(f"{value!r} is not a phone number (E.164 has 8 to 15 digits)", field=field,
                           record=record)
    return text


# IBAN length per country (SWIFT IBAN registry) for the countries the exchange starts with and neighbours
_IBAN_LENGTH = {"PL": 28, "IT": 27, "NL": 18, "DE": 22, "BE": 16, "FR": 27, "ES": 24, "AT": 20, "CZ": 24,
                "SK": 24, "LT": 20, "LV": 21, "EE": 20, "PT": 25, "IE": 22, "GB": 22, "SE": 24, "DK": 18,
                "FI": 18, "HU": 28, "RO": 24, "BG": 22, "HR": 21, "SI": 19, "GR": 27, "LU": 20, "CH": 21,
                "MT": 31, "CY": 28}


def normalise_iban(value: str | None, *, field: str = "iban", record: str | None = None) -> str:
    """An IBAN without spaces, upper case, with its length and ISO 7064 mod-97 check digits verified.

    >>> normalise_iban("nl91 abna 0417 1643 00")
    'NL91ABNA0417164300'
    """
    if value is None or not str(value).strip():
        return ""
    text = re.sub(r"[\s\-]", "", str(value)).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        raise InvalidInput(f"{value!r} is not an IBAN", field=field, record=record)
    expected = _IBAN_LENGTH.get(text[:2])
    if expected is not None and len(text) != expected:
        raise InvalidInput(f"{value!r}: a {text[:2]} IBAN has {expected} characters, not {len(text)}",
                           field=field, record=record)
    moved = text[4:] + text[:4]
    if int("".join(str(int(c, 36)) for c in moved)) % 97 != 1:
        raise InvalidInput(f"{value!r}: wrong IBAN check digits", field=field, record=record)
    return text


def normalise_plate(value: str | None, *, country: str | None = None, field: str = "plate",
                    record: str | None = None) -> str:
    """A registration plate as ``CC:LETTERSDIGITS``: upper case, spaces, dashes and dots removed.

    The country prefix keeps ``WA12345`` in Poland apart from the same characters in another country.

    >>> normalise_plate("wa 123-45", country="pl")
    'PL:WA12345'
    """
    if value is None or not str(value).strip():
        return ""
    text = unicodedata.normalize("NFKD", str(value).translate(_TRANSLIT))
    text = re.sub(r"[\s\-.·]", "", "".join(c for c in text if not unicodedata.combining(c))).upper()
    if not text.isalnum() or not text.isascii() or not 2 <= len(text) <= 12:
        raise InvalidInput(f"{value!r} is not a registration plate", field=field, record=record)
    return f"{country.upper()}:{text}" if country else text

"""Normalise the identifiers that tie actors together: phone numbers, dates, plates, IBANs, postcodes.

Each function takes one raw value and returns ``(value, problem)``: the normalised value (``None`` when
nothing usable is left) and, when the input could not be read as what it claims to be, a one-line reason.
A problem never drops the record: the caller keeps the record and reports the reason next to it (and,
where that is still useful for matching, keeps a cleaned-up form of the raw value).

Phone numbers become E.164 (``+48601234567``). The national rules are written for the first three
countries of the project, from their numbering plans:

- Poland (+48): nine-digit closed numbering; an old trunk ``0`` before nine digits is dropped.
- Italy (+39): no trunk prefix; a leading ``0`` belongs to the (landline) number and is kept.
- the Netherlands (+31): nine-digit numbers after the trunk prefix ``0``, which is dropped.

An explicit international prefix (``+`` or ``00``) always wins over the default country.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

Normalised = tuple[str | None, str | None]
"""A normalised value and the reason it could not be read (``None`` when it could)."""

COUNTRY_CALLING_CODES = {"PL": "48", "IT": "39", "NL": "31"}
"""Countries whose national numbers are understood without an international prefix."""

_NATIONAL_LENGTHS = {"48": (9, 9), "39": (6, 11), "31": (9, 9)}
_TRUNK_ZERO_DROPPED = {"48", "31"}
_DIGITS = re.compile(r"\d+")
_PHONE_JUNK = re.compile(r"[\s\-./()\u00a0]")


def normalise_phone(raw: str | None, default_country: str | None = None) -> Normalised:
    """E.164 form of a phone number written in any of the usual national or international ways.

    Parameters
    ----------
    raw
        The number as written (``"+48 601-234-567"``, ``"0048601234567"``, ``"06 1234 5678"``).
    default_country
        ISO country code (PL, IT or NL) for numbers written without an international prefix.

    >>> normalise_phone("+48 601 234 567")
    ('+48601234567', None)
    >>> normalise_phone("0048601234567")
    ('+48601234567', None)
    >>> normalise_phone("601-234-567", "PL")
    ('+48601234567', None)
    >>> normalise_phone("06 12345678", "NL")
    ('+31612345678', None)
    >>> normalise_phone("0031 (0)6 12345678")
    ('+31612345678', None)
    >>> normalise_phone("06 6982 1234", "IT")
    ('+390669821234', None)
    >>> normalise_phone("(48) 880551318", "IT")
    ('+48880551318', None)
    >>> normalise_phone("48601234567", "PL")
    ('+48601234567', None)
    >>> normalise_phone("12345", "PL")
    (None, 'a PL number has 9 digits, got 5')
    """
    if raw is None or not str(raw).strip():
        return None, None
    written = str(raw).strip().replace("(0)", "")  # "+31 (0)6 ...": the trunk 0 in brackets
    bracketed = re.match(r"^\((\d{2,3})\)", written)  # "(48) 601234567": the country code in brackets
    text = _PHONE_JUNK.sub("", written)
    if bracketed and bracketed.group(1) in _NATIONAL_LENGTHS:
        text = "+" + text
    if text.startswith("+"):
        international = text[1:]
    elif text.startswith("00"):
        international = text[2:]
    else:
        international = None
    if international is not None:
        if not international.isdigit():
            return None, f"not a phone number: {raw!r}"
        code = next((c for c in _NATIONAL_LENGTHS if international.startswith(c)), None)
        if code is None:  # another country: keep the digits, check only the E.164 length
            return (f"+{international}", None) if 8 <= len(international) <= 15 else (
                None, f"an international number has 8 to 15 digits, got {len(international)}")
        return _national(international[len(code):], code, raw)
    if not text.isdigit():
        return None, f"not a phone number: {raw!r}"
    country = (default_country or "").upper()
    code = COUNTRY_CALLING_CODES.get(country)
    for known in ("48", "31"):  # fixed-length plans: country code + 9 digits can only be international
        if len(text) == 11 and text.startswith(known):
            return _national(text[2:], known, raw)
    if code is None:
        return None, ("a number without +country code needs a known default country (PL, IT, NL)"
                      + (f", got {default_country!r}" if default_country else ""))
    return _national(text, code, raw)


def phone_digits(raw: str | None, keep: int = 9) -> str | None:
    """The last ``keep`` digits of a phone number, whatever prefix it was written with.

    The national significant number survives every way of writing it (``+48``, ``0048``, ``(48)``, a
    trunk ``0``), so this key still matches a number whose country could not be told (a German mobile
    written nationally in a Dutch file) and is also what blocking uses.

    >>> phone_digits("(48) 880 551 318") == phone_digits("0048880551318") == phone_digits("880-551-318")
    True
    """
    if raw is None:
        return None
    digits = "".join(c for c in str(raw).replace("(0)", "") if c.isdigit())
    return digits[-keep:] if len(digits) >= 6 else None


def _national(number: str, code: str, raw: object) -> Normalised:
    if code in _TRUNK_ZERO_DROPPED and number.startswith("0"):
        number = number[1:]
    low, high = _NATIONAL_LENGTHS[code]
    if not low <= len(number) <= high:
        country = next(k for k, v in COUNTRY_CALLING_CODES.items() if v == code)
        want = f"{low}" if low == high else f"{low} to {high}"
        return None, f"a {country} number has {want} digits, got {len(number)}"
    return f"+{code}{number}", None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (0, 1, 2)),  # 19651013 (FEBRL, registries)
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), (0, 1, 2)),  # ISO 8601
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (2, 1, 0)),  # day first: PL, IT, NL usage
)


def normalise_date(raw: str | None) -> Normalised:
    """ISO date (``YYYY-MM-DD``) from the forms used in the records of the three countries.

    Day-first is assumed for ``DD.MM.YYYY``, ``DD/MM/YYYY`` and ``DD-MM-YYYY``: that is how Poland,
    Italy and the Netherlands write dates. An impossible date comes back as ``None`` with the reason.

    >>> normalise_date("19651013")
    ('1965-10-13', None)
    >>> normalise_date("13.10.1965")
    ('1965-10-13', None)
    >>> normalise_date("1965-02-30")
    (None, 'not a calendar date: 1965-02-30')
    """
    if raw is None or not str(raw).strip():
        return None, None
    text = str(raw).strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groups()
            year, month, day = (int(parts[i]) for i in order)
            try:
                return date(year, month, day).isoformat(), None
            except ValueError:
                return None, f"not a calendar date: {text}"
    return None, f"not a date (expected YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY): {text!r}"


_PLATE_CONFUSABLE = str.maketrans({"O": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"})


def normalise_plate(raw: str | None) -> Normalised:
    """Registration plate as upper-case letters and digits, without the separators that vary.

    >>> normalise_plate("wa 12345")
    ('WA12345', None)
    >>> normalise_plate("12-ABC-3")
    ('12ABC3', None)
    """
    if raw is None or not str(raw).strip():
        return None, None
    text = fold_ascii(str(raw)).upper()
    plate = re.sub(r"[^0-9A-Z]", "", text)
    if not 2 <= len(plate) <= 10:
        return None, f"a registration plate has 2 to 10 letters and digits, got {raw!r}"
    return plate, None


def plate_key(plate: str | None) -> str | None:
    """Plate with look-alike characters merged (O/0, I/1, S/5...), for blocking on misread plates.

    >>> plate_key("WO1234S") == plate_key("W01234S")
    True
    """
    return plate.translate(_PLATE_CONFUSABLE) if plate else None


IBAN_LENGTHS = {"PL": 28, "IT": 27, "NL": 18, "DE": 22, "BE": 16, "CZ": 24, "ES": 24, "FR": 27, "AT": 20,
                "AL": 28}
"""IBAN length per country (ISO 13616 registry), to complete domestic account numbers."""


def _check_digits(country: str, bban: str) -> str:
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{98 - number % 97:02d}"


def _domestic_to_iban(account: str, default_country: str | None) -> str | None:
    """The IBAN of a domestic account number: Poland's NRB (26 digits, check digits included) or a BBAN."""
    if len(account) == 26 and account.isdigit():
        return "PL" + account
    country = (default_country or "").upper()
    fits = [c for c, n in IBAN_LENGTHS.items() if n - 4 == len(account)]
    if country not in fits:
        if len(fits) != 1:
            return None
        country = fits[0]
    return country + _check_digits(country, account) + account


def normalise_iban(raw: str | None, default_country: str | None = None) -> Normalised:
    """IBAN without spaces, upper case, checked with the ISO 13616 mod-97 rule.

    An IBAN that fails the check is kept in its cleaned form (a typo still helps matching) with the
    reason, so an analyst sees it. A domestic account number (Poland's 26-digit NRB, or a BBAN of the
    record's country, or of the one country whose length it fits) is completed to its IBAN.

    >>> normalise_iban("pl61 1090 1014 0000 0712 1981 2874")
    ('PL61109010140000071219812874', None)
    >>> normalise_iban("61 1090 1014 0000 0712 1981 2874")
    ('PL61109010140000071219812874', None)
    >>> normalise_iban("ABNA0417164300", "NL")
    ('NL91ABNA0417164300', None)
    >>> normalise_iban("PL62109010140000071219812874")
    ('PL62109010140000071219812874', 'IBAN check digits do not match (mod 97 gives 2)')
    """
    if raw is None or not str(raw).strip():
        return None, None
    iban = re.sub(r"[\s\-.]", "", str(raw)).upper()
    if re.fullmatch(r"[A-Z0-9]{8,30}", iban) and not re.match(r"[A-Z]{2}\d{2}", iban):
        iban = _domestic_to_iban(iban, default_country) or iban
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", iban):
        return None, f"not an IBAN (two letters, two check digits, 8 to 30 letters or digits): {raw!r}"
    rearranged = iban[4:] + iban[:4]
    remainder = int("".join(str(int(c, 36)) for c in rearranged)) % 97
    if remainder != 1:
        return iban, f"IBAN check digits do not match (mod 97 gives {remainder})"
    return iban, None


def account_number(raw: str | None) -> str | None:
    """The domestic part of an account number (the BBAN), however it was written.

    An IBAN loses its country and check digits; a Polish NRB its check digits; anything else keeps its
    letters and digits. Two writings of one account then agree even when the IBAN could not be
    completed (an Italian BBAN in a Dutch file).

    >>> account_number("IT60 X054 2811 1010 0000 0123 456") == account_number("X0542811101000000123456")
    True
    >>> account_number("PL61 1090 1014 0000 0712 1981 2874") == account_number("61109010140000071219812874")
    True
    """
    if raw is None:
        return None
    text = re.sub(r"[^0-9A-Z]", "", fold_ascii(str(raw)).upper())
    if re.match(r"[A-Z]{2}\d{2}", text) and len(text) >= 12:
        return text[4:]
    if len(text) == 26 and text.isdigit():  # Polish NRB: two check digits, then the BBAN
        return text[2:]
    return text or None


def normalise_postcode(raw: str | None) -> Normalised:
    """Postcode as upper-case letters and digits (``00-950`` -> ``00950``, ``1012 ab`` -> ``1012AB``).

    >>> normalise_postcode("1012 ab")
    ('1012AB', None)
    """
    if raw is None or not str(raw).strip():
        return None, None
    code = re.sub(r"[^0-9A-Z]", "", fold_ascii(str(raw)).upper())
    return (code or None), None


def fold_ascii(text: str) -> str:
    """Text without diacritics, including the letters that Unicode does not decompose (ł, ø, ß, đ).

    >>> fold_ascii("Łukasz Żółć, Ørsted, Straße")
    'Lukasz Zolc, Orsted, Strasse'
    """
    text = text.translate(_UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D",
                               "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th"})


def clean_text(raw: str | None) -> str | None:
    """Lower-case ASCII words separated by single spaces (``None`` for empty input).

    >>> clean_text("  Via  Roma, 12 ")
    'via roma 12'
    """
    if raw is None:
        return None
    text = re.sub(r"[^0-9a-z]+", " ", fold_ascii(str(raw)).lower()).strip()
    return text or None

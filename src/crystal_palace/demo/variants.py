"""How one real person, phone, car or account is written differently by different agencies.

Each function takes the true value and a random generator and returns one recorded spelling: diacritics
dropped by a foreign keyboard, letters transposed or lost, a nickname for the given name, given and
family name swapped, a phone number with ``+48``, ``0048`` or no prefix, a plate with or without its
spaces, an IBAN in print or electronic form. Identifiers that carry check digits (IBANs) are generated
valid, so that a validator in the linkage code can trust them.
"""

from __future__ import annotations

import random
import unicodedata

from crystal_palace.demo.vocabulary import NICKNAMES, PHONE_PREFIX

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D"})


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789", k=n))


def strip_diacritics(text: str) -> str:
    """``Łukasz Wiśniewski`` -> ``Lukasz Wisniewski`` (what a keyboard without Polish letters records).

    >>> strip_diacritics("Łukasz Wiśniewski, Niccolò Çela")
    'Lukasz Wisniewski, Niccolo Cela'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def typo(text: str, rng: random.Random) -> str:
    """One keying error: two neighbouring letters transposed, a letter dropped or a letter doubled."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.randrange(3)
    if kind == 0 and text[i].isalpha() and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 1:
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]


def nickname(first_name: str, rng: random.Random) -> str:
    """A short form of the given name when one is common (``Krzysztof`` -> ``Krzysiek``), else the name."""
    options = NICKNAMES.get(first_name)
    if not options:
        return first_name
    return rng.choice(options)


def mobile_number(country: str, rng: random.Random) -> str:
    """A national mobile number (digits only, without the country code) in ``country``'s numbering plan."""
    if country == "PL":
        return str(rng.choice((50, 51, 53, 57, 60, 66, 69, 72, 78, 79, 88))) + _digits(rng, 7)
    if country == "IT":
        return "3" + str(rng.randrange(20, 93)) + _digits(rng, 7)
    if country == "NL":
        return "6" + str(rng.randrange(1, 10)) + _digits(rng, 7)
    if country == "DE":
        return "1" + str(rng.choice((51, 52, 57, 60, 70, 71, 76))) + _digits(rng, 8)
    return str(rng.randrange(6, 8)) + _digits(rng, 8)


def phone_variant(country: str, national: str, rng: random.Random) -> str:
    """One written form of a mobile number: ``+48 601 234 567``, ``0048601234567``, ``601-234-567``..."""
    code = PHONE_PREFIX.get(country, "00")
    form = rng.randrange(6)
    trunk = "0" if country in ("NL", "DE", "BE") else ""
    if form == 0:
        return f"+{code} " + " ".join(national[i:i + 3] for i in range(0, len(national), 3))
    if form == 1:
        return f"00{code}{national}"
    if form == 2:
        return f"+{code}{national}"
    if form == 3:
        return trunk + "-".join(national[i:i + 3] for i in range(0, len(national), 3))
    if form == 4:
        return f"({code}) {national}"
    return trunk + national


def plate(country: str, rng: random.Random) -> str:
    """A registration plate in ``country``'s format (canonical, with its usual spaces or dashes)."""
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"

    def pick(n: int) -> str:
        return "".join(rng.choices(letters, k=n))

    if country == "PL":
        return f"{rng.choice(_PL_PLATES)} {rng.randrange(10000, 99999)}"
    if country == "IT":
        return f"{pick(2)} {rng.randrange(100, 999)} {pick(2)}"
    if country == "NL":
        return f"{rng.randrange(1, 99):02d}-{pick(3)}-{rng.randrange(1, 9)}"
    if country == "DE":
        return f"{rng.choice(('B', 'HH', 'K', 'F', 'M'))}-{pick(2)} {rng.randrange(100, 9999)}"
    return f"{pick(3)}-{rng.randrange(100, 999)}"


def plate_variant(value: str, rng: random.Random) -> str:
    """The plate as another officer typed it: without separators, or in lower case."""
    form = rng.randrange(4)
    if form == 0:
        return value.replace(" ", "").replace("-", "")
    if form == 1:
        return value.lower()
    return value


_PL_PLATES = ("WA", "KR", "EL", "DW", "PO", "GD", "ZS", "SK", "BI", "LB")
_IBAN_LENGTH = {"PL": 28, "IT": 27, "NL": 18, "DE": 22, "BE": 16, "CZ": 24, "ES": 24, "AL": 28}


def iban(country: str, bank: str, rng: random.Random) -> str:
    """A valid IBAN (ISO 13616 mod-97 check digits) for an account at ``bank`` in ``country``.

    Italian IBANs get their national CIN letter first; other countries fill the account with digits.
    """
    length = _IBAN_LENGTH.get(country, 24)
    if country == "IT":
        cin = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        bban = cin + bank + _digits(rng, length - 4 - 1 - len(bank))
    else:
        bban = bank + _digits(rng, length - 4 - len(bank))
    return country + iban_check_digits(country, bban) + bban


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits of an IBAN (98 minus the mod-97 remainder of the rearranged number).

    >>> iban_check_digits("GB", "WEST12345698765432")
    '82'
    """
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def iban_is_valid(value: str) -> bool:
    """True when ``value`` (spaces allowed) has correct IBAN check digits.

    >>> iban_is_valid("GB82 WEST 1234 5698 7654 32")
    True
    """
    compact = value.replace(" ", "").upper()
    if len(compact) < 15 or not compact[:2].isalpha():
        return False
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def iban_variant(value: str, rng: random.Random) -> str:
    """The IBAN in print form (groups of four), electronic form, or without its country prefix."""
    form = rng.randrange(3)
    if form == 0:
        return " ".join(value[i:i + 4] for i in range(0, len(value), 4))
    if form == 1:
        # the domestic account number: Poland's NRB keeps the check digits, elsewhere the BBAN
        return value[2:] if value.startswith("PL") else value[4:]
    return value

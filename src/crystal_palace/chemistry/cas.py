"""CAS Registry Numbers: recognise, validate and normalise.

A CAS number carries a check digit; a mistyped number is caught here instead of silently matching
nothing (or, worse, another substance).
"""

from __future__ import annotations

import re

from crystal_palace.exceptions import InvalidInput

_CAS_SHAPE = re.compile(r"^\s*(\d{2,7})-(\d{2})-(\d)\s*$")


def looks_like_cas(text: str) -> bool:
    """True when ``text`` has the shape of a CAS number (digits-dd-d), whatever its check digit.

    >>> looks_like_cas("42542-10-9"), looks_like_cas("MDMA")
    (True, False)
    """
    return bool(_CAS_SHAPE.match(text))


def cas_check_digit(body: str) -> int:
    """Check digit for the digits of a CAS number without its last digit.

    >>> cas_check_digit("4254210")
    9
    """
    digits = [int(c) for c in reversed(body)]
    return sum(i * d for i, d in enumerate(digits, start=1)) % 10


def require_valid_cas(text: str, *, field: str = "cas", record: str | None = None) -> str:
    """Return the CAS number normalised (no spaces), or raise naming the reason.

    >>> require_valid_cas(" 42542-10-9 ")
    '42542-10-9'
    """
    m = _CAS_SHAPE.match(text)
    if not m:
        raise InvalidInput(f"{text!r} is not a CAS number (expected digits-dd-d)", field=field, record=record)
    first, second, check = m.groups()
    expected = cas_check_digit(first + second)
    if expected != int(check):
        raise InvalidInput(
            f"CAS number {text.strip()!r} fails its check digit (expected {expected}, found {check})",
            field=field, record=record,
        )
    return f"{int(first)}-{second}-{check}"

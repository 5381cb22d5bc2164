"""Normalisation of identifiers before encoding: both partners must produce the same bytes."""

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.normalise import (
    normalise_date,
    normalise_iban,
    normalise_name,
    normalise_phone,
    normalise_plate,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Łukasz  Żółć", "lukasz zolc"),
    ("MÜLLER-Lüdenscheidt", "muller ludenscheidt"),
    ("O'Brien", "obrien"),
    ("Straße 12", "strasse"),
    ("  ", ""),
    (None, ""),
])
def test_names(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw", ["1985-03-07", "19850307", "07.03.1985", "07/03/1985", "7-3-1985"])
def test_dates_day_first(raw):
    assert normalise_date(raw) == "1985-03-07"


def test_bad_date_names_field_and_record():
    with pytest.raises(InvalidInput) as info:
        normalise_date("1985-13-45", record="r7")
    assert info.value.field == "date_of_birth" and info.value.record == "r7" and "not a date" in info.value.reason


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("0031 (0)6-1234 5678", "PL", "+31612345678"),
    ("06 12345678", "NL", "+31612345678"),
    ("+31 6 12345678", "IT", "+31612345678"),
    ("601 234 567", "PL", "+48601234567"),
    ("06 1234 5678", "IT", "+390612345678"),  # Italy keeps the leading 0
    ("0151 2345678", "DE", "+491512345678"),
])
def test_phones_e164(raw, country, expected):
    assert normalise_phone(raw, country=country) == expected


@pytest.mark.parametrize("raw", ["12", "+48 abc", "+1234567890123456"])
def test_bad_phones(raw):
    with pytest.raises(InvalidInput, match="phone"):
        normalise_phone(raw)


def test_iban_checked():
    assert normalise_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    assert normalise_iban("PL61 1090 1014 0000 0712 1981 2874") == "PL61109010140000071219812874"
    with pytest.raises(InvalidInput, match="check digits"):
        normalise_iban("NL92ABNA0417164300")
    with pytest.raises(InvalidInput, match="28 characters"):
        normalise_iban("PL61109010140000071219812")


def test_plates():
    assert normalise_plate("wa 123-45", country="pl") == "PL:WA12345"
    assert normalise_plate("AB.12.CD") == "AB12CD"
    with pytest.raises(InvalidInput, match="plate"):
        normalise_plate("#!")

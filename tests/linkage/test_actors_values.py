import pytest

from crystal_palace.linkage.actors_values import (
    clean_text,
    fold_ascii,
    normalise_date,
    normalise_iban,
    normalise_phone,
    normalise_plate,
    normalise_postcode,
    plate_key,
)


@pytest.mark.parametrize("raw, country, expected", [
    # Poland: +48, 0048, a bare nine-digit number, and the old trunk 0 before it
    ("+48 601 234 567", None, "+48601234567"),
    ("0048601234567", None, "+48601234567"),
    ("601-234-567", "PL", "+48601234567"),
    ("(22) 123 45 67", "PL", "+48221234567"),
    ("022 123 45 67", "PL", "+48221234567"),
    # Italy: no trunk prefix, the leading 0 of a landline is part of the number
    ("+39 06 6982 1234", None, "+390669821234"),
    ("0039 333 123 4567", None, "+393331234567"),
    ("06 6982 1234", "IT", "+390669821234"),
    ("333 1234567", "it", "+393331234567"),
    # the Netherlands: the trunk 0 is dropped, also when written as (0) after the country code
    ("06-12345678", "NL", "+31612345678"),
    ("+31 (0)6 1234 5678", None, "+31612345678"),
    ("0031 20 123 4567", None, "+31201234567"),
    # another country with an explicit prefix is kept as written
    ("+49 30 1234567", None, "+49301234567"),
])
def test_phone_numbers_become_e164(raw, country, expected):
    assert normalise_phone(raw, country) == (expected, None)


@pytest.mark.parametrize("raw, country, reason", [
    ("12345", "PL", "a PL number has 9 digits, got 5"),
    ("06 1234", "NL", "a NL number has 9 digits, got 5"),
    ("601234567", None, "needs a known default country"),
    ("601234567", "FR", "got 'FR'"),
    ("call me", "PL", "not a phone number"),
    ("+48 60x", None, "not a phone number"),
])
def test_unreadable_phone_numbers_say_why(raw, country, reason):
    value, problem = normalise_phone(raw, country)
    assert value is None
    assert reason in problem


def test_empty_values_are_missing_without_a_problem():
    for function in (normalise_date, normalise_iban, normalise_plate, normalise_postcode):
        assert function(None) == (None, None)
        assert function("  ") == (None, None)
    assert normalise_phone("", "PL") == (None, None)


@pytest.mark.parametrize("raw, expected", [
    ("19651013", "1965-10-13"), ("1965-10-13", "1965-10-13"), ("13.10.1965", "1965-10-13"),
    ("13/10/1965", "1965-10-13"), ("3-1-1970", "1970-01-03"), ("1970/1/3", "1970-01-03"),
])
def test_dates_in_the_three_countries_forms(raw, expected):
    assert normalise_date(raw) == (expected, None)


@pytest.mark.parametrize("raw, reason", [
    ("19450493", "not a calendar date"), ("31.02.1980", "not a calendar date"), ("yesterday", "not a date"),
])
def test_impossible_dates_are_reported(raw, reason):
    value, problem = normalise_date(raw)
    assert value is None and reason in problem


def test_plates_lose_separators_and_look_alikes_meet_in_the_key():
    assert normalise_plate("wa-123 45") == ("WA12345", None)
    assert normalise_plate("GR·580·DG")[0] == "GR580DG"
    assert plate_key("KR0S123") == plate_key("KROS123")
    assert plate_key("KR0S123") != plate_key("KR0S124")
    assert normalise_plate("X")[1].startswith("a registration plate has")


def test_iban_checked_and_a_typo_kept_with_its_reason():
    assert normalise_iban("IT60 X054 2811 1010 0000 0123 456") == ("IT60X0542811101000000123456", None)
    assert normalise_iban("nl91abna0417164300") == ("NL91ABNA0417164300", None)
    value, problem = normalise_iban("NL91ABNA0417164301")
    assert value == "NL91ABNA0417164301" and "check digits" in problem
    assert normalise_iban("not an iban")[0] is None


def test_text_folding():
    assert fold_ascii("Żółw Łódź Đorđe Søren Straße") == "Zolw Lodz Dorde Soren Strasse"
    assert clean_text("  Ul. Marszałkowska  12/4 ") == "ul marszalkowska 12 4"
    assert clean_text("---") is None
    assert normalise_postcode("00-950") == ("00950", None)

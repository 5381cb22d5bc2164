"""Spelling variants: what one person, phone, plate or account looks like in another agency's records."""

from __future__ import annotations

import random

import pytest

from crystal_palace.demo.variants import (
    iban,
    iban_is_valid,
    iban_variant,
    mobile_number,
    nickname,
    phone_variant,
    plate,
    strip_diacritics,
    typo,
)


def test_diacritics_are_dropped_as_a_foreign_keyboard_does():
    assert strip_diacritics("Łukasz Wiśniewski") == "Lukasz Wisniewski"
    assert strip_diacritics("Niccolò Öztürk Dvořák") == "Niccolo Ozturk Dvorak"


@pytest.mark.parametrize("country", ["PL", "IT", "NL", "DE", "BE", "CZ", "ES", "AL"])
def test_ibans_have_valid_check_digits(country):
    rng = random.Random(1)
    from crystal_palace.demo.vocabulary import BANK_CODES

    for _ in range(50):
        value = iban(country, rng.choice(BANK_CODES[country]), rng)
        assert value.startswith(country) and iban_is_valid(value)
        assert not iban_is_valid(value[:4] + ("1" if value[4] != "1" else "2") + value[5:])


def test_known_iban_examples():
    assert iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert iban_is_valid("PL61 1090 1014 0000 0712 1981 2874")
    assert not iban_is_valid("PL61 1090 1014 0000 0712 1981 2875")


def test_variants_keep_the_identifier_recognisable():
    rng = random.Random(7)
    number = mobile_number("PL", rng)
    assert len(number) == 9
    forms = {phone_variant("PL", number, rng) for _ in range(60)}
    digits = {"".join(c for c in f if c.isdigit()) for f in forms}
    assert digits <= {number, "48" + number, "0048" + number}
    assert any(f.startswith("+48") for f in forms) and any(f.startswith("0048") for f in forms)
    account = iban("NL", "ABNA", rng)
    assert {iban_variant(account, rng).replace(" ", "") for _ in range(30)} <= {account, account[4:]}
    assert " " in plate("PL", rng)


def test_typos_and_nicknames():
    rng = random.Random(3)
    assert nickname("Krzysztof", rng) in ("Krzysiek", "Krzyś")
    assert nickname("Zyx", rng) == "Zyx"
    changed = {typo("Kowalski", rng) for _ in range(40)}
    assert "Kowalski" not in changed or len(changed) > 1
    assert all(abs(len(c) - len("Kowalski")) <= 1 for c in changed)

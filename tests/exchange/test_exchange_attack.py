"""Acceptance: frequency attacks re-identify at most 5 % of records with hardening on.

The population has Zipf-distributed given names (500 names, exponent 1), which the attacker knows. The
worst case is encoded: a schema of the given name alone (every record of one name then shares one
encoding unless salted). The figures with and without hardening are printed (pytest -s) and are in
docs/exchange.md.
"""

import dataclasses

import pytest

from crystal_palace.exchange.attack import frequency_attack, pattern_mining_attack
from crystal_palace.exchange.clk import PERSON_SCHEMA, ClkEncoder, EncodingSchema, FieldSpec
from crystal_palace.exchange.encoded import unpack_bits
from crystal_palace.exchange.keys import ExchangeSecret
from crystal_palace.exchange.population import population, zipf_names

GIVEN = zipf_names(500, seed=11)
PEOPLE = population(4000, given=GIVEN, seed=21)
TRUTH = [p["given_name"] for p in PEOPLE]
NAME_ONLY = EncodingSchema(fields=(FieldSpec("given_name", "name", k=12, salted=True),), salt_field=None,
                           balance=False)
HARDENED = dataclasses.replace(NAME_ONLY, salt_field="date_of_birth", balance=True)


def attacks(schema):
    encoded = ClkEncoder(ExchangeSecret(b"z" * 32), schema).encode(PEOPLE)
    return (frequency_attack(encoded.bits, TRUTH, GIVEN.frequencies()),
            pattern_mining_attack(unpack_bits(encoded.bits, schema.bits), TRUTH, GIVEN.frequencies()))


def test_attack_succeeds_without_hardening():
    frequency, pattern = attacks(NAME_ONLY)
    print(f"\nname-only, no hardening: frequency attack {frequency:.1%}, pattern mining {pattern:.1%}")
    assert frequency > 0.25  # the attack is real: a plain encoding of names leaks


@pytest.mark.slow
@pytest.mark.parametrize("schema", [HARDENED, PERSON_SCHEMA], ids=["name-only-hardened", "person-default"])
def test_attacks_fail_with_hardening(schema):
    frequency, pattern = attacks(schema)
    print(f"\n{schema.fingerprint}: frequency {frequency:.1%}, pattern mining {pattern:.1%}")
    assert frequency <= 0.05 and pattern <= 0.05

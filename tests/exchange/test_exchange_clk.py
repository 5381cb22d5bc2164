"""CLK encoding: similar records give similar filters, hardening does what it says, files round-trip."""

import dataclasses

import numpy as np
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.clk import (
    PERSON_SCHEMA,
    ClkEncoder,
    EncodingSchema,
    FieldSpec,
    TokenSpec,
    qgrams,
)
from crystal_palace.exchange.encoded import EncodedSet, unpack_bits
from crystal_palace.exchange.keys import ExchangeSecret
from crystal_palace.exchange.match import dice_pairs, popcounts

SECRET = ExchangeSecret(b"s" * 32)
ANNA = {"id": "1", "given_name": "Anna", "surname": "Kowalska", "date_of_birth": "1980-02-03",
        "address": "ul. Polna", "suburb": "Kraków", "postcode": "30-001", "phone": "601 234 567"}


def dice(encoded, i, j):
    return float(dice_pairs(np.array([i]), np.array([j]), encoded.bits, encoded.bits)[0])


def test_qgrams_padded():
    assert qgrams("ab", 2) == ["_a", "ab", "b_"]
    assert qgrams("", 2) == []


def test_similar_records_score_higher_than_unrelated():
    typo = {**ANNA, "id": "2", "surname": "Kowalksa"}
    other = {**ANNA, "id": "3", "given_name": "Piotr", "surname": "Nowak", "date_of_birth": "1975-11-30",
             "address": "Długa", "suburb": "Gdańsk", "postcode": "80-100"}
    enc = ClkEncoder(SECRET).encode([ANNA, typo, other])
    assert dice(enc, 0, 0) == 1.0
    assert dice(enc, 0, 1) > 0.85 > dice(enc, 0, 2)
    assert enc.local_ids == ["1", "2", "3"] and len(set(enc.pseudonyms)) == 3


def test_balanced_filters_have_constant_weight():
    enc = ClkEncoder(SECRET).encode([ANNA, {"id": "x", "given_name": "Bo"}])
    assert enc.bits.shape == (2, 2048 // 64)
    assert popcounts(enc.bits).tolist() == [1024, 1024]


def test_unbalanced_weight_reveals_length():
    schema = dataclasses.replace(PERSON_SCHEMA, balance=False)
    enc = ClkEncoder(SECRET, schema).encode([ANNA, {"id": "x", "given_name": "Bo"}])
    counts = popcounts(enc.bits)
    assert counts[0] > 3 * counts[1]


def test_salt_separates_same_name_in_different_years():
    schema = EncodingSchema(fields=(FieldSpec("given_name", k=20, salted=True),), balance=False)
    a = {"id": "a", "given_name": "Anna", "date_of_birth": "1980-01-01"}
    b = {"id": "b", "given_name": "Anna", "date_of_birth": "1981-01-01"}
    c = {"id": "c", "given_name": "Anna", "date_of_birth": "1980-06-30"}
    enc = ClkEncoder(SECRET, schema).encode([a, b, c])
    assert dice(enc, 0, 2) == 1.0
    assert dice(enc, 0, 1) < 0.3
    plain = ClkEncoder(SECRET, dataclasses.replace(schema, salt_field=None)).encode([a, b])
    assert dice(plain, 0, 1) == 1.0


def test_xor_fold_halves_length():
    schema = dataclasses.replace(PERSON_SCHEMA, xor_fold=True)
    enc = ClkEncoder(SECRET, schema).encode([ANNA])
    assert schema.bits == 1024 and enc.bits.shape == (1, 16)


def test_different_secret_unrelated():
    a = ClkEncoder(SECRET).encode([ANNA])
    b = ClkEncoder(ExchangeSecret(b"t" * 32)).encode([ANNA])
    unpacked = unpack_bits(np.vstack([a.bits, b.bits]), 2048)
    agreement = (unpacked[0] == unpacked[1]).mean()
    assert agreement < 0.7
    assert a.tokens["phone"][0] != b.tokens["phone"][0]


def test_tokens_exact_and_normalised():
    enc = ClkEncoder(SECRET).encode([ANNA, {**ANNA, "id": "2", "phone": "+48 601-234-567"}, {"id": "3"}])
    assert enc.tokens["phone"][0] == enc.tokens["phone"][1] and enc.tokens["phone"][2] is None


def test_bad_fields_reported_not_dropped():
    bad = {**ANNA, "id": "9", "date_of_birth": "31.02.1980", "phone": "12", "iban": "NL00XXXX"}
    enc = ClkEncoder(SECRET).encode([ANNA, bad])
    assert len(enc) == 2
    assert {(e.record, e.field) for e in enc.errors} >= {("9", "date_of_birth"), ("9", "phone"), ("9", "iban")}


def test_file_round_trip_keeps_mapping_separate(tmp_path):
    enc = ClkEncoder(SECRET).encode([ANNA, {**ANNA, "id": "2"}])
    path = enc.write(tmp_path / "enc.json")
    text = path.read_text()
    assert "Kowalska" not in text and '"1"' not in text  # no values, no local ids
    back = EncodedSet.read(path)
    assert np.array_equal(back.bits, enc.bits) and back.pseudonyms == enc.pseudonyms
    assert back.schema == enc.schema and back.tokens == enc.tokens
    mapping = enc.write_mapping(tmp_path / "map.json")
    assert '"1"' in mapping.read_text()


def test_corrupt_file_rejected(tmp_path):
    enc = ClkEncoder(SECRET).encode([ANNA])
    data = enc.shared()
    data["count"] = 5
    with pytest.raises(InvalidInput, match="record count"):
        EncodedSet.from_shared(data)
    (tmp_path / "x.json").write_text("{")
    with pytest.raises(InvalidInput, match="not a JSON"):
        EncodedSet.read(tmp_path / "x.json")


def test_schema_checks_and_round_trip():
    with pytest.raises(InvalidInput, match="power of two"):
        EncodingSchema(fields=(FieldSpec("a"),), length=1000)
    with pytest.raises(InvalidInput, match="twice"):
        EncodingSchema(fields=(FieldSpec("a"),), tokens=(TokenSpec("a"),))
    assert EncodingSchema.from_dict(PERSON_SCHEMA.to_dict()) == PERSON_SCHEMA
    assert dataclasses.replace(PERSON_SCHEMA, length=512).fingerprint != PERSON_SCHEMA.fingerprint

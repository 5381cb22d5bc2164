"""Exchange secrets, HKDF-derived keys and keyed Bloom positions."""

import stat

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.keys import ExchangeSecret, bloom_positions, derive_key, keyed_token


def test_secret_round_trip_and_private_file(tmp_path):
    secret = ExchangeSecret.generate()
    path = secret.save(tmp_path / "s.hex")
    assert ExchangeSecret.load(path) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret.value.hex() not in repr(secret) and secret.fingerprint in repr(secret)


def test_bad_secret():
    with pytest.raises(InvalidInput, match="64 hexadecimal"):
        ExchangeSecret.from_hex("zz")
    with pytest.raises(InvalidInput, match="32 bytes"):
        ExchangeSecret(b"short")


def test_keys_differ_per_label_and_secret():
    a, b = ExchangeSecret(b"a" * 32), ExchangeSecret(b"b" * 32)
    assert derive_key(a, "clk/surname") != derive_key(a, "clk/given_name")
    assert derive_key(a, "clk/surname") != derive_key(b, "clk/surname")
    assert derive_key(a, "clk/surname") == derive_key(ExchangeSecret(b"a" * 32), "clk/surname")
    assert keyed_token(derive_key(a, "token/phone"), "+48601") != keyed_token(derive_key(b, "token/phone"), "+48601")


@pytest.mark.parametrize("hashing", ["random", "double"])
def test_positions_in_range_deterministic(hashing):
    key = b"k" * 32
    positions = bloom_positions(key, "an", 40, 1024, hashing)
    assert len(positions) == 40 and all(0 <= p < 1024 for p in positions)
    assert positions == bloom_positions(key, "an", 40, 1024, hashing)
    assert positions != bloom_positions(b"j" * 32, "an", 40, 1024, hashing)


def test_random_hashing_is_not_an_arithmetic_progression():
    positions = bloom_positions(b"k" * 32, "an", 10, 1024, "random")
    steps = {(b - a) % 1024 for a, b in zip(positions, positions[1:], strict=False)}
    assert len(steps) > 1
    double = bloom_positions(b"k" * 32, "an", 10, 1024, "double")
    assert len({(b - a) % 1024 for a, b in zip(double, double[1:], strict=False)}) == 1

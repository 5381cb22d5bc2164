"""Dice on packed words against a plain reference, blocking recall, one-to-one assignment, the report."""

import dataclasses

import numpy as np
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.clk import ClkEncoder
from crystal_palace.exchange.encoded import pack_bits
from crystal_palace.exchange.keys import ExchangeSecret
from crystal_palace.exchange.match import (
    LshBlocking,
    assign_one_to_one,
    dice_all_pairs,
    dice_pairs,
    lsh_candidates,
    match,
)
from crystal_palace.exchange.population import corrupt, population


def reference_dice(a, b):
    inter = a.astype(np.int64) @ b.T.astype(np.int64)
    total = a.sum(1)[:, None] + b.sum(1)[None, :]
    return np.divide(2 * inter, total, out=np.zeros(inter.shape), where=total > 0)


@pytest.mark.parametrize(("nbits", "density"), [(1024, 0.3), (2048, 0.5), (128, 0.2)])
@pytest.mark.parametrize("workers", [1, 2])
def test_all_pairs_exact(nbits, density, workers):
    rng = np.random.default_rng(nbits)
    a = rng.random((70, nbits)) < density
    b = np.vstack([a[:40] ^ (rng.random((40, nbits)) < 0.03), rng.random((55, nbits)) < density])
    ref = reference_dice(a, b)
    for threshold in (0.3, 0.6, 0.9):
        ia, ib, s = dice_all_pairs(pack_bits(a), pack_bits(b), threshold, rows=16, cols=32, workers=workers)
        expected = np.argwhere(ref >= threshold - 1e-12)
        got = np.stack([ia, ib], axis=1)
        assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, expected.tolist()))
        assert np.allclose(s, ref[ia, ib])


def test_dice_pairs_matches_reference_and_empty_filters():
    rng = np.random.default_rng(1)
    a = rng.random((10, 256)) < 0.3
    a[3] = False
    ref = reference_dice(a, a)
    i, j = np.repeat(np.arange(10), 10), np.tile(np.arange(10), 10)
    assert np.allclose(dice_pairs(i, j, pack_bits(a), pack_bits(a), chunk=7), ref[i, j])


def test_lsh_finds_near_duplicates_and_prunes():
    rng = np.random.default_rng(2)
    a = rng.random((2000, 1024)) < 0.5
    b = a ^ (rng.random(a.shape) < 0.05)  # 95 % of bits agree, as for true matches
    ia, ib = lsh_candidates(pack_bits(a), pack_bits(b), LshBlocking(bands=30, bits_per_band=20))
    found = set(zip(ia.tolist(), ib.tolist(), strict=False))
    recall = sum((i, i) in found for i in range(2000)) / 2000
    assert recall > 0.99
    assert len(found) < 0.01 * 2000 * 2000


def test_greedy_and_hungarian_one_to_one():
    ia = np.array([0, 0, 1, 1])
    ib = np.array([0, 1, 0, 1])
    s = np.array([0.95, 0.94, 0.93, 0.5])
    greedy = assign_one_to_one(ia, ib, s, "greedy")
    assert greedy.tolist() == [True, False, False, True]  # 0.95 + 0.5
    hungarian = assign_one_to_one(ia, ib, s, "hungarian")
    assert hungarian.tolist() == [False, True, True, False]  # 0.94 + 0.93 is more
    assert assign_one_to_one(ia, ib, s, "none").all()
    with pytest.raises(InvalidInput):
        assign_one_to_one(ia, ib, s, "best")  # type: ignore[arg-type]


def test_match_report_on_synthetic_population():
    secret = ExchangeSecret(b"m" * 32)
    people = population(600, seed=5)
    ours = people[:400]
    theirs = corrupt(people[200:], errors=1, seed=6)
    encoder = ClkEncoder(secret)
    a, b = encoder.encode(ours), encoder.encode(theirs)
    for blocking in (None, LshBlocking()):
        report = match(a, b, threshold=0.8, blocking=blocking)
        ma, mb = a.mapping(), b.mapping()
        true = sum(ma[p["a"]] + "-dup" == mb[p["b"]] for p in report.pairs)
        assert true >= 198 and len(report.pairs) - true <= 1
        assert all(p["score"] >= 0.8 for p in report.pairs)
    data = report.to_dict()
    assert data["blocking"]["method"] == "hamming-lsh" and data["matched"] == len(report.pairs)


def test_token_hits_reported():
    secret = ExchangeSecret(b"m" * 32)
    encoder = ClkEncoder(secret)
    a = encoder.encode([{"id": "1", "given_name": "Jan", "surname": "Nowak", "phone": "601234567"}])
    b = encoder.encode([{"id": "9", "given_name": "Marco", "surname": "Rossi", "phone": "+48 601 234 567"}])
    report = match(a, b, threshold=0.9)
    assert report.pairs == []
    assert report.token_matches == [{"a": a.pseudonyms[0], "b": b.pseudonyms[0], "field": "phone"}]


def test_refuses_different_secrets_or_schemas():
    people = population(5, seed=1)
    a = ClkEncoder(ExchangeSecret(b"a" * 32)).encode(people)
    b = ClkEncoder(ExchangeSecret(b"b" * 32)).encode(people)
    with pytest.raises(InvalidInput, match="different secrets"):
        match(a, b)
    with pytest.raises(InvalidInput, match="threshold"):
        match(a, a, threshold=0)


def test_balanced_filters_are_halved_exactly():
    from crystal_palace.exchange.match import halve_balanced

    people = population(300, seed=14)
    encoder = ClkEncoder(ExchangeSecret(b"h" * 32))
    a, b = encoder.encode(people[:200]), encoder.encode(corrupt(people[100:], errors=2, seed=15))
    halves = halve_balanced(a.bits, b.bits)
    assert halves is not None and halves[0].shape == (200, 16)
    for threshold in (0.5, 0.75, 0.9):
        fast = dice_all_pairs(a.bits, b.bits, threshold)
        full = dice_all_pairs(a.bits, b.bits, threshold, halve=False)
        assert sorted(zip(*map(np.ndarray.tolist, fast), strict=True)) == sorted(
            zip(*map(np.ndarray.tolist, full), strict=True))
        assert len(fast[0]) > 0
    broken = a.bits.copy()
    broken[0, 0] ^= np.uint64(1)  # one record that is not balanced any more
    assert halve_balanced(broken, b.bits) is None
    unbalanced = ClkEncoder(ExchangeSecret(b"h" * 32), dataclasses.replace(encoder.schema, balance=False))
    c = unbalanced.encode(people[:50])
    assert halve_balanced(c.bits, c.bits) is None

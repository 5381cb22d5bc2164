"""Cryptographic long-term keys (CLKs): one hardened Bloom filter per record, plus exact keyed tokens.

A CLK (Schnell, Bachteler and Reiher 2011) hashes the q-grams of several identifying fields into one
bit array; similar records give similar arrays, compared with the Dice coefficient, so typing errors
still match while no value is disclosed. Plain CLKs leak through frequencies: a common surname sets the
same bits in many records. The parameters chosen here, and why:

``length = 1024`` bits
    the usual size: at about 25-35 % of bits set, collisions between unrelated q-grams stay rare while
    a filter is 16 machine words to compare.
q-grams: bigrams of names and addresses (padded with ``_`` so that first and last letters count),
    digit bigrams of numbers, and whole components of dates (year, month, day), so that one typing error
    in a date spoils one component instead of three bigrams.
``k`` per field
    positions per q-gram, the field's weight: names and the date count most, the address less.
keyed hashing
    HMAC-SHA256 with a per-field key derived by HKDF from the exchange secret (:mod:`.keys`); without the
    secret no one can compute which bits a name sets (no dictionary attack).
salting (``salt_field``, default the year of birth), on the name fields only
    the year enters the hash of every name q-gram, so "anna" born in 1980 and born in 1981 set
    unrelated bits: the frequency of a name is split over some 80 years and the most frequent patterns
    no longer line up with the most frequent names. The other fields are not salted, so a record whose
    year was mistyped still matches on date, address and numbers (salting everything would lose every
    such pair; FEBRL4 has about 7 % of them).
balancing (``balance``, Schnell and Borgs 2016)
    the filter is joined with its complement and the 2l bits permuted with a keyed permutation: every
    record then has exactly l bits set, so the number of set bits (which reveals name length and missing
    fields) says nothing; Dice on balanced filters is ``1 - Hamming / l``.
XOR-folding (``xor_fold``, Schnell, Borgs and Encheva 2016)
    the two halves are XORed, halving the length; a set bit no longer points to one q-gram. Off by
    default: with balancing and salting it costs accuracy for little further protection in our tests.

Exact tokens (phones, IBANs, plates) are HMAC-SHA256 of the normalised value under their own keys: they
match only exactly, as such identifiers should, and are compared by hash join.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import FieldError, InvalidInput
from crystal_palace.exchange.encoded import EncodedSet, pack_bits
from crystal_palace.exchange.keys import ExchangeSecret, Hashing, bloom_positions, derive_key, keyed_token
from crystal_palace.exchange.normalise import (
    normalise_date,
    normalise_iban,
    normalise_name,
    normalise_phone,
    normalise_plate,
)

FieldKind = Literal["name", "text", "digits", "date"]
TokenKind = Literal["phone", "iban", "plate", "exact"]
_PARTIAL_DATE = re.compile(r"((?:19|20)\d\d)(?:-(0[1-9]|1[0-2]))?")


@dataclass(frozen=True)
class FieldSpec:
    """One field hashed into the CLK: its column, kind, q-gram size and weight (positions per q-gram)."""

    name: str
    kind: FieldKind = "name"
    k: int = 20
    q: int = 2
    salted: bool = False


@dataclass(frozen=True)
class TokenSpec:
    """One identifier encoded as an exact keyed token (phone, IBAN, plate or any exact value)."""

    name: str
    kind: TokenKind = "exact"
    country: str | None = None


@dataclass(frozen=True)
class EncodingSchema:
    """Everything both partners must agree on besides the secret; its fingerprint is checked at match time."""

    fields: tuple[FieldSpec, ...]
    tokens: tuple[TokenSpec, ...] = ()
    length: int = 1024
    hashing: Hashing = "random"
    salt_field: str | None = "date_of_birth"
    balance: bool = True
    xor_fold: bool = False

    def __post_init__(self) -> None:
        if self.length < 64 or self.length & (self.length - 1) or self.length > 65536:
            raise InvalidInput(f"length {self.length} is not a power of two in 64..65536", field="length")
        if not self.fields and not self.tokens:
            raise InvalidInput("a schema needs at least one field or token", field="fields")
        names = [f.name for f in self.fields] + [t.name for t in self.tokens]
        if len(set(names)) != len(names):
            raise InvalidInput(f"a field is named twice in {names}", field="fields")

    @property
    def bits(self) -> int:
        """Length of the encoded filter after hardening."""
        n = self.length * (2 if self.balance else 1)
        return n // 2 if self.xor_fold else n

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (stored in every encoding file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncodingSchema:
        """Read the form written by :meth:`to_dict` (or a YAML/JSON schema file's content)."""
        try:
            fields = tuple(FieldSpec(**f) for f in data.get("fields", ()))
            tokens = tuple(TokenSpec(**t) for t in data.get("tokens", ()))
            rest = {k: v for k, v in data.items() if k not in ("fields", "tokens")}
            return cls(fields=fields, tokens=tokens, **rest)
        except TypeError as exc:
            raise InvalidInput(f"not an encoding schema: {exc}", field="schema") from None

    @property
    def fingerprint(self) -> str:
        """A hash of the parameters: two encodings are comparable only when these are equal."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


PERSON_SCHEMA = EncodingSchema(
    fields=(FieldSpec("given_name", "name", k=12, salted=True), FieldSpec("surname", "name", k=12, salted=True),
            FieldSpec("date_of_birth", "date", k=16), FieldSpec("address", "text", k=4),
            FieldSpec("suburb", "name", k=4), FieldSpec("postcode", "digits", k=4),
            FieldSpec("id_number", "digits", k=6)),
    tokens=(TokenSpec("phone", "phone"), TokenSpec("iban", "iban"), TokenSpec("plate", "plate")),
)
"""The default schema for persons; fields a data set does not have are simply missing."""


def qgrams(value: str, q: int) -> list[str]:
    """The padded q-grams of a normalised value (distinct, in order).

    >>> qgrams("ann", 2)
    ['_a', 'an', 'nn', 'n_']
    """
    if not value:
        return []
    padded = "_" * (q - 1) + value + "_" * (q - 1)
    return list(dict.fromkeys(padded[i:i + q] for i in range(len(padded) - q + 1)))


def field_features(spec: FieldSpec, raw: Any, record: str | None) -> list[str]:
    """The features (q-grams, or date components) of one field of one record; ``[]`` when missing."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return []
    if spec.kind == "date":
        partial = _PARTIAL_DATE.fullmatch(str(raw).strip())
        if partial:  # a year, or a year and month, as registers often hold
            return [f"y{partial[1]}"] + ([f"m{partial[2]}"] if partial[2] else [])
        text = normalise_date(str(raw), field=spec.name, record=record)
        if not text:
            return []
        year, month, day = text.split("-")
        return [f"y{year}", f"m{month}", f"d{day}"]
    if spec.kind == "digits":
        value = "".join(c for c in str(raw) if c.isalnum()).lower()
    elif spec.kind == "name":
        value = normalise_name(str(raw), field=spec.name, record=record)
    else:
        value = normalise_name(str(raw), field=spec.name, record=record)
    return qgrams(value, spec.q)


_TOKEN_NORMALISERS: dict[str, Callable[..., str]] = {"phone": normalise_phone, "iban": normalise_iban,
                                                      "plate": normalise_plate}


def token_value(spec: TokenSpec, raw: Any, record: str | None) -> str:
    """The normalised value of an exact-token field (``""`` when missing)."""
    if raw is None or (isinstance(raw, float) and raw != raw) or not str(raw).strip():
        return ""
    if spec.kind == "exact":
        return str(raw).strip()
    kwargs: dict[str, Any] = {"field": spec.name, "record": record}
    if spec.country and spec.kind in ("phone", "plate"):
        kwargs["country"] = spec.country
    return _TOKEN_NORMALISERS[spec.kind](str(raw), **kwargs)


def salt_of(schema: EncodingSchema, record: Mapping[str, Any], rid: str | None) -> str:
    """The record-level salt: the year of the salt field's date (``""`` when missing)."""
    if not schema.salt_field:
        return ""
    raw = record.get(schema.salt_field)
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    partial = _PARTIAL_DATE.fullmatch(str(raw).strip())
    if partial:
        return partial[1]
    text = normalise_date(str(raw), field=schema.salt_field, record=rid)
    return text[:4]


def keyed_permutation(secret: ExchangeSecret, n: int) -> npt.NDArray[np.intp]:
    """A permutation of ``range(n)`` that only holders of the secret can compute."""
    seed = int.from_bytes(derive_key(secret, f"permutation/{n}"), "big")
    return np.random.default_rng(seed).permutation(n)


class ClkEncoder:
    """Encode records under one secret and schema (position lists are cached: names repeat)."""

    def __init__(self, secret: ExchangeSecret, schema: EncodingSchema = PERSON_SCHEMA) -> None:
        self.secret = secret
        self.schema = schema
        self._field_keys = {f.name: derive_key(secret, f"clk/{f.name}") for f in schema.fields}
        self._token_keys = {t.name: derive_key(secret, f"token/{t.name}") for t in schema.tokens}
        self._cache: dict[tuple[str, str, str], list[int]] = {}
        self._value_cache: dict[tuple[str, str, str], list[int]] = {}
        self._feature_cache: dict[tuple[str, str], list[str]] = {}
        self._permutation = keyed_permutation(secret, 2 * schema.length) if schema.balance else None

    def _positions(self, spec: FieldSpec, salt: str, feature: str) -> list[int]:
        key = (spec.name, salt, feature)
        found = self._cache.get(key)
        if found is None:
            token = f"{salt}\x1f{feature}" if spec.salted and salt else feature
            found = bloom_positions(self._field_keys[spec.name], token, spec.k, self.schema.length,
                                    self.schema.hashing)
            self._cache[key] = found
        return found

    def _field_positions(self, spec: FieldSpec, salt: str, raw: Any, rid: str) -> list[int]:
        """All positions one field value sets (cached by value: names, towns and dates repeat)."""
        key = (spec.name, salt if spec.salted else "", str(raw))
        found = self._value_cache.get(key)
        if found is None:
            features = self._feature_cache.get((spec.name, key[2]))
            if features is None:
                features = field_features(spec, raw, rid)
                self._feature_cache[(spec.name, key[2])] = features
            found = []
            for feature in features:
                found.extend(self._positions(spec, salt, feature))
            self._value_cache[key] = found
        return found

    def encode(self, records: Iterable[Mapping[str, Any]], *, id_field: str = "id",
               pseudonyms: Sequence[str] | None = None) -> EncodedSet:
        """Encode every record; a bad field is reported in ``errors`` and encoded as missing, never dropped."""
        schema = self.schema
        cols: list[int] = []
        counts: list[int] = []
        ids: list[str] = []
        tokens: dict[str, list[str | None]] = {t.name: [] for t in schema.tokens}
        errors: list[FieldError] = []
        for n, record in enumerate(records):
            rid = str(record.get(id_field, n + 1))
            ids.append(rid)
            before = len(cols)
            try:
                salt = salt_of(schema, record, rid)
            except InvalidInput as exc:
                errors.extend(exc.errors)
                salt = ""
            for spec in schema.fields:
                raw = record.get(spec.name)
                if raw is None or raw == "" or (isinstance(raw, float) and raw != raw):
                    continue
                try:
                    cols.extend(self._field_positions(spec, salt, raw, rid))
                except InvalidInput as exc:
                    errors.extend(exc.errors)
            counts.append(len(cols) - before)
            for tspec in schema.tokens:
                try:
                    value = token_value(tspec, record.get(tspec.name), rid)
                except InvalidInput as exc:
                    errors.extend(exc.errors)
                    value = ""
                tokens[tspec.name].append(keyed_token(self._token_keys[tspec.name], value) if value else None)
        bits = np.zeros((len(ids), schema.length), dtype=bool)
        rows = np.repeat(np.arange(len(ids), dtype=np.intp), np.asarray(counts, dtype=np.intp))
        bits[rows, np.asarray(cols, dtype=np.intp)] = True
        packed = pack_bits(harden(bits, schema, self._permutation))
        names = list(pseudonyms) if pseudonyms is not None else [secrets.token_hex(8) for _ in ids]
        return EncodedSet(names, packed, tokens, schema, self.secret.fingerprint, local_ids=ids, errors=errors)


def harden(bits: npt.NDArray[np.bool_], schema: EncodingSchema,
           permutation: npt.NDArray[np.intp] | None) -> npt.NDArray[np.bool_]:
    """Balance (join the complement and permute) and XOR-fold, as the schema says."""
    if schema.balance:
        if permutation is None:
            raise InvalidInput("balancing needs the keyed permutation", field="balance")
        bits = np.concatenate([bits, ~bits], axis=1)[:, permutation]
    if schema.xor_fold:
        half = bits.shape[1] // 2
        bits = bits[:, :half] ^ bits[:, half:]
    return bits

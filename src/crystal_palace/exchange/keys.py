"""The secret of one exchange, and the keys and hashes derived from it.

Both partners hold the same 256-bit secret for one exchange (agreed through an official channel, never
sent with the encodings). Every use gets its own key, derived with HKDF-SHA256 and a label
(``clk/given_name``, ``token/phone``, ``permutation``, ...): a key that leaks for one field says nothing
about another, and a new exchange (a new secret) makes old encodings useless for linking to new ones.

Bloom-filter positions come from HMAC-SHA256 of the q-gram under the field's key. Two ways are offered:

``random`` (the default)
    the k positions are read directly from the HMAC output (16 bits each, a second block when k > 16).
    Positions of one q-gram are then independent, which removes the arithmetic-progression structure
    that Niedermeyer et al. (2014) exploited to attack double hashing.
``double``
    the classic ``h1 + i * h2 mod l`` of Schnell et al. (2009), both taken from the HMAC output; kept for
    partners whose encoders only do this.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crystal_palace.exceptions import InvalidInput

SECRET_BYTES = 32
HKDF_SALT = b"crystal-palace/exchange/v1"
Hashing = Literal["random", "double"]


@dataclass(frozen=True)
class ExchangeSecret:
    """The shared secret of one exchange (32 bytes); ``fingerprint`` lets partners check they hold the same."""

    value: bytes

    def __post_init__(self) -> None:
        if len(self.value) != SECRET_BYTES:
            raise InvalidInput(f"an exchange secret has {SECRET_BYTES} bytes, not {len(self.value)}",
                               field="secret")

    @classmethod
    def generate(cls) -> ExchangeSecret:
        """A new random secret from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(SECRET_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> ExchangeSecret:
        """Read the hex form (64 characters), as written by :meth:`to_hex` or ``exchange keygen``."""
        try:
            return cls(bytes.fromhex(text.strip()))
        except ValueError:
            raise InvalidInput("an exchange secret is 64 hexadecimal characters", field="secret") from None

    @classmethod
    def load(cls, path: str | Path) -> ExchangeSecret:
        """Read a secret file."""
        return cls.from_hex(Path(path).read_text(encoding="ascii"))

    def to_hex(self) -> str:
        """The hex form, for a file readable only by its owner."""
        return self.value.hex()

    def save(self, path: str | Path) -> Path:
        """Write the secret to ``path`` with permissions 0600."""
        path = Path(path)
        path.write_text(self.to_hex() + "\n", encoding="ascii")
        path.chmod(0o600)
        return path

    @property
    def fingerprint(self) -> str:
        """A short public check value (not the secret): equal fingerprints, equal secrets."""
        return derive_key(self, "fingerprint")[:8].hex()

    def __repr__(self) -> str:  # never print the secret
        return f"ExchangeSecret(fingerprint={self.fingerprint})"


def derive_key(secret: ExchangeSecret, label: str, length: int = 32) -> bytes:
    """A key for one use, HKDF-SHA256(secret, salt, info=label)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=HKDF_SALT,
                info=label.encode("utf-8")).derive(secret.value)


def keyed_token(key: bytes, value: str) -> str:
    """An exact-match token: HMAC-SHA256 of the normalised value, 128 bits in hex.

    >>> keyed_token(b"k" * 32, "+48601234567") == keyed_token(b"k" * 32, "+48601234567")
    True
    """
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def bloom_positions(key: bytes, token: str, k: int, length: int, hashing: Hashing = "random") -> list[int]:
    """The ``k`` Bloom-filter positions (in ``range(length)``) of ``token`` under ``key``.

    ``length`` must be a power of two no larger than 65536, so that 16-bit words reduce without bias.
    """
    data = token.encode("utf-8")
    digest = hmac.new(key, data, hashlib.sha256).digest()
    if hashing == "double":
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:16], "big") | 1  # odd: visits every position of a power-of-two filter
        return [(h1 + i * h2) % length for i in range(k)]
    words: list[int] = []
    block = 0
    while len(words) < k:
        if block:
            digest = hmac.new(key, data + block.to_bytes(4, "big"), hashlib.sha256).digest()
        words.extend(w % length for w in struct.unpack(">16H", digest))
        block += 1
    return words[:k]

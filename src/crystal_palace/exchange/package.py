"""Signed and encrypted exchange packages: what travels between agencies after a hit.

A package is one JSON file: a readable header, the encrypted content, and a signature.

* Encryption (to one recipient): an ephemeral X25519 key agreement with the recipient's public key,
  HKDF-SHA256 to a 256-bit key, AES-256-GCM over the content with the header as associated data (the
  construction of an ECIES/NaCl sealed box, with the primitives of ``cryptography``). Only the recipient
  can read the content; a changed header makes decryption fail.
* Signature: Ed25519 by the sender over the header and the ciphertext, checked against the sender's
  public key from the recipient's list of trusted partners *before* anything is decrypted.
* Header: format, package id, sender, recipient, created and expiry (UTC), content type, handling codes
  (Europol H0-H3), provenance (country, agency, case, system) and the SHA-256 of the content.

:func:`open_package` rejects, with :class:`PackageRejected` naming the package and the reason: an unknown
sender, a bad signature (tampered or forged), another recipient, an expired package, a failed decryption
or a content hash that does not match.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crystal_palace.exceptions import InvalidInput

PACKAGE_FORMAT = "crystal-palace/package-v1"
HANDLING_CODES = ("H0", "H1", "H2", "H3")
CONTENT_TYPES = ("records", "encodings", "match-report", "retraction")
_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw
_RAW_PRIVATE = serialization.PrivateFormat.Raw


class PackageRejected(InvalidInput):
    """A package that must not be imported: names the package (or file) and the reason."""

    def __init__(self, reason: str, *, package: str) -> None:
        super().__init__(reason, field="package", record=package)
        self.args = (f"package {package} rejected: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


def utcnow() -> datetime.datetime:
    """The current time in UTC, without microseconds (headers are compared as text)."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class PartyPublic:
    """A partner as others know it: a name (e.g. ``PL-CBSP``) and its two public keys."""

    name: str
    signing: bytes
    encryption: bytes

    def to_dict(self) -> dict[str, str]:
        """The JSON form of a public key file."""
        return {"party": self.name, "signing": self.signing.hex(), "encryption": self.encryption.hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartyPublic:
        """Read a public key file's content."""
        try:
            return cls(str(data["party"]), bytes.fromhex(data["signing"]), bytes.fromhex(data["encryption"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidInput("not a public key file (party, signing, encryption)", field="keys") from None

    @property
    def fingerprint(self) -> str:
        """SHA-256 of both public keys, short: read it out over the phone to check a key file."""
        return hashlib.sha256(self.signing + self.encryption).hexdigest()[:16]


@dataclass(frozen=True)
class PartyKeys:
    """A party's own key pair (Ed25519 for signing, X25519 for receiving); keep the file private."""

    name: str
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> PartyKeys:
        """New keys for ``name``."""
        if not name.strip():
            raise InvalidInput("a party needs a name", field="party")
        return cls(name.strip(), Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public(self) -> PartyPublic:
        """What to give partners."""
        return PartyPublic(self.name, self.signing.public_key().public_bytes(_RAW, _RAW_PUBLIC),
                           self.encryption.public_key().public_bytes(_RAW, _RAW_PUBLIC))

    def to_dict(self) -> dict[str, str]:
        """The JSON form of a private key file."""
        none = serialization.NoEncryption()
        return {"party": self.name,
                "signing_private": self.signing.private_bytes(_RAW, _RAW_PRIVATE, none).hex(),
                "encryption_private": self.encryption.private_bytes(_RAW, _RAW_PRIVATE, none).hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartyKeys:
        """Read a private key file's content."""
        try:
            return cls(str(data["party"]),
                       Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["signing_private"])),
                       X25519PrivateKey.from_private_bytes(bytes.fromhex(data["encryption_private"])))
        except (KeyError, ValueError, TypeError):
            raise InvalidInput("not a private key file (party, signing_private, encryption_private)",
                               field="keys") from None

    def save(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``<name>.key`` (0600) and ``<name>.pub`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        private, public = folder / f"{self.name}.key", folder / f"{self.name}.pub"
        private.write_text(json.dumps(self.to_dict()), encoding="utf-8")
        private.chmod(0o600)
        public.write_text(json.dumps(self.public.to_dict()), encoding="utf-8")
        return private, public


def load_json(path: str | Path, what: str) -> dict[str, Any]:
    """Read a JSON object from ``path``, with a clear error naming the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not a JSON {what}: {exc}", field="file", record=str(path)) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"not a JSON {what}", field="file", record=str(path))
    return data


def _canonical(header: Mapping[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _content_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"crystal-palace/package/v1").derive(shared)


def seal_package(content: Any, *, sender: PartyKeys, recipient: PartyPublic, content_type: str,
                 handling: str = "H2", expires: datetime.datetime | None = None, valid_days: int = 30,
                 provenance: Mapping[str, Any] | None = None,
                 created: datetime.datetime | None = None) -> dict[str, Any]:
    """Encrypt ``content`` (JSON-serialisable) for ``recipient`` and sign it as ``sender``."""
    if handling not in HANDLING_CODES:
        raise InvalidInput(f"unknown handling code {handling!r} (one of {', '.join(HANDLING_CODES)})",
                           field="handling")
    if content_type not in CONTENT_TYPES:
        raise InvalidInput(f"unknown content type {content_type!r}", field="content_type")
    created = created or utcnow()
    expires = expires or created + datetime.timedelta(days=valid_days)
    if expires <= created:
        raise InvalidInput("the expiry must be after the creation time", field="expires")
    plaintext = json.dumps(content, ensure_ascii=False).encode("utf-8")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, _RAW_PUBLIC)
    key = _content_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.encryption)),
                       ephemeral_public, recipient.encryption)
    nonce = os.urandom(12)
    header = {"format": PACKAGE_FORMAT, "package_id": str(uuid.uuid4()), "sender": sender.name,
              "recipient": recipient.name, "created": created.isoformat(), "expires": expires.isoformat(),
              "content_type": content_type, "handling": handling, "provenance": dict(provenance or {}),
              "content_sha256": hashlib.sha256(plaintext).hexdigest(),
              "ephemeral_public": ephemeral_public.hex(), "nonce": nonce.hex()}
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _canonical(header))
    signature = sender.signing.sign(_canonical(header) + ciphertext)
    return {"header": header, "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
            "signature": base64.b64encode(signature).decode("ascii")}


def open_package(package: Mapping[str, Any], *, recipient: PartyKeys, trusted: Mapping[str, PartyPublic],
                 now: datetime.datetime | None = None, source: str = "package") -> tuple[dict[str, Any], Any]:
    """Verify and decrypt a package; returns ``(header, content)`` or raises :class:`PackageRejected`."""
    header = package.get("header")
    if not isinstance(header, dict) or header.get("format") != PACKAGE_FORMAT:
        raise PackageRejected("not a Crystal Palace package (no package-v1 header)", package=source)
    name = f"{source} ({header.get('package_id', 'no id')})"
    try:
        ciphertext = base64.b64decode(str(package["ciphertext"]), validate=True)
        signature = base64.b64decode(str(package["signature"]), validate=True)
    except (KeyError, ValueError):
        raise PackageRejected("the ciphertext or signature is missing or not base64", package=name) from None
    sender = trusted.get(str(header.get("sender")))
    if sender is None:
        raise PackageRejected(f"unknown sender {header.get('sender')!r}: not among the trusted partners",
                              package=name)
    try:
        Ed25519PublicKey.from_public_bytes(sender.signing).verify(signature, _canonical(header) + ciphertext)
    except InvalidSignature:
        raise PackageRejected(f"the signature does not verify: the package was altered after {sender.name} "
                              "signed it, or was not signed by them", package=name) from None
    if header.get("recipient") != recipient.name:
        raise PackageRejected(f"the package is addressed to {header.get('recipient')!r}, not {recipient.name!r}",
                              package=name)
    now = now or utcnow()
    try:
        expires = datetime.datetime.fromisoformat(str(header["expires"]))
    except (KeyError, ValueError):
        raise PackageRejected("the header has no valid expiry", package=name) from None
    if now >= expires:
        raise PackageRejected(f"the package expired on {expires.isoformat()}", package=name)
    try:
        ephemeral = bytes.fromhex(str(header["ephemeral_public"]))
        key = _content_key(recipient.encryption.exchange(X25519PublicKey.from_public_bytes(ephemeral)),
                           ephemeral, recipient.public.encryption)
        plaintext = AESGCM(key).decrypt(bytes.fromhex(str(header["nonce"])), ciphertext, _canonical(header))
    except (InvalidTag, ValueError, KeyError):
        raise PackageRejected("the content cannot be decrypted with our key (tampered, or encrypted for "
                              "another key)", package=name) from None
    if hashlib.sha256(plaintext).hexdigest() != header.get("content_sha256"):
        raise PackageRejected("the content does not match its hash in the header", package=name)
    return dict(header), json.loads(plaintext)

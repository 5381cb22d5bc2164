"""Encoded sets: the CLKs and tokens of one data set under pseudonyms, and their file format.

The shared form (what a partner receives) is JSON: format, schema and its fingerprint, the secret's
fingerprint, pseudonyms, the filters as base64 of little-endian 64-bit words, and the tokens. The
pseudonym-to-record table stays with the owner (:meth:`EncodedSet.write_mapping`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import FieldError, InvalidInput

if TYPE_CHECKING:
    from crystal_palace.exchange.clk import EncodingSchema

FORMAT = "crystal-palace/clk-v1"
Bits = npt.NDArray[np.uint64]


@dataclass
class EncodedSet:
    """CLKs and tokens of one data set, under pseudonyms; ``local_ids`` never leaves the owner."""

    pseudonyms: list[str]
    bits: Bits
    tokens: dict[str, list[str | None]]
    schema: EncodingSchema
    secret_fingerprint: str
    local_ids: list[str] | None = None
    errors: list[FieldError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pseudonyms)

    def shared(self) -> dict[str, Any]:
        """The JSON form sent to a partner: pseudonyms, bits (base64 little-endian words), tokens, schema."""
        return {"format": FORMAT, "schema": self.schema.to_dict(), "schema_fingerprint": self.schema.fingerprint,
                "secret_fingerprint": self.secret_fingerprint, "count": len(self),
                "pseudonyms": self.pseudonyms,
                "bits": base64.b64encode(self.bits.astype("<u8").tobytes()).decode("ascii"),
                "tokens": self.tokens}

    def write(self, path: str | Path) -> Path:
        """Write the shared form; the local pseudonym-to-id mapping is written separately (``write_mapping``)."""
        path = Path(path)
        path.write_text(json.dumps(self.shared()), encoding="utf-8")
        return path

    def mapping(self) -> dict[str, str]:
        """Pseudonym to local record id (kept by the owner, to follow up a hit)."""
        return dict(zip(self.pseudonyms, self.local_ids or self.pseudonyms, strict=True))

    def write_mapping(self, path: str | Path) -> Path:
        """Write the local mapping as JSON (never send it)."""
        path = Path(path)
        path.write_text(json.dumps(self.mapping(), indent=0), encoding="utf-8")
        return path

    @classmethod
    def from_shared(cls, data: Mapping[str, Any], *, source: str = "encodings") -> EncodedSet:
        """Read a shared form, checking its format and that the bits fit the declared count and schema."""
        if data.get("format") != FORMAT:
            raise InvalidInput(f"not a Crystal Palace encoding file (format {data.get('format')!r})",
                               field="format", record=source)
        from crystal_palace.exchange.clk import EncodingSchema

        schema = EncodingSchema.from_dict(data["schema"])
        raw = base64.b64decode(data["bits"])
        count = int(data["count"])
        words = schema.bits // 64
        if len(raw) != count * words * 8 or len(data["pseudonyms"]) != count:
            raise InvalidInput("the bits do not match the declared record count", field="bits", record=source)
        bits = np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(count, words)
        return cls(list(data["pseudonyms"]), bits, {k: list(v) for k, v in data.get("tokens", {}).items()},
                   schema, str(data.get("secret_fingerprint", "")))

    @classmethod
    def read(cls, path: str | Path) -> EncodedSet:
        """Read an encoding file written by :meth:`write`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"not a JSON encoding file: {exc}", field="file", record=str(path)) from None
        return cls.from_shared(data, source=str(path))


def pack_bits(bits: npt.NDArray[np.bool_]) -> Bits:
    """Pack rows of booleans into little-endian 64-bit words (the layout the matcher counts on)."""
    packed = np.packbits(bits, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


def unpack_bits(words: Bits, nbits: int) -> npt.NDArray[np.bool_]:
    """The inverse of :func:`pack_bits` (used by tests and attack simulations)."""
    raw = np.ascontiguousarray(words.astype("<u8")).view(np.uint8)
    return np.unpackbits(raw, axis=1, bitorder="little", count=nbits).view(np.bool_)

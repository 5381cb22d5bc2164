"""An append-only audit log of what was sent, received, matched and retracted.

One JSON object per line. Each entry carries the SHA-256 of the entry before it (``prev``) and its own
(``hash``), so a deleted, reordered or edited line breaks the chain and :func:`verify_log` says where.
The log records identifiers and counts, never the exchanged personal data itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.package import utcnow

Event = Literal["encoded", "sent", "received", "rejected", "matched", "retracted", "retraction-sent"]
_GENESIS = "0" * 64


def _digest(entry: Mapping[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class AuditLog:
    """A hash-chained JSON-lines file; entries are only ever appended."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, oldest first."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    def _last_hash(self) -> str:
        last = _GENESIS
        for entry in self.entries():
            last = str(entry.get("hash", last))
        return last

    def append(self, event: Event, **details: Any) -> dict[str, Any]:
        """Add one entry (``event``, time, details) chained to the previous one; returns it."""
        entry: dict[str, Any] = {"time": utcnow().isoformat(), "event": event, **details,
                                 "prev": self._last_hash()}
        entry["hash"] = _digest(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        return entry


def verify_log(path: str | Path) -> int:
    """Check the chain of a log; returns the number of entries or raises naming the first broken line."""
    previous = _GENESIS
    count = 0
    for count, entry in enumerate(AuditLog(path).entries(), start=1):
        if entry.get("prev") != previous or entry.get("hash") != _digest(entry):
            raise InvalidInput("the audit log was altered: the hash chain breaks here", field="audit",
                               record=f"{path}, entry {count}")
        previous = entry["hash"]
    return count

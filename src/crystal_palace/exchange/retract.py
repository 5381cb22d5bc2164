"""Retractions: a partner withdraws records it sent, and they disappear with everything derived from them.

A retraction is a small signed package (content type ``retraction``) naming the package(s) and record ids
withdrawn and why. Only the original sender can retract its records: :func:`require_retraction` checks
that the retraction comes from the party the records came from, and applying it (see
:meth:`crystal_palace.exchange.inbox.Inbox.retract`) removes the received records, every link with one of
them at either end, and every link derived from such a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crystal_palace.exceptions import InvalidInput


@dataclass(frozen=True)
class Retraction:
    """Which records (by id) from which packages are withdrawn, and the sender's reason."""

    record_ids: tuple[str, ...]
    packages: tuple[str, ...] = ()
    reason: str = ""

    def to_content(self) -> dict[str, Any]:
        """The package content."""
        return {"retract": list(self.record_ids), "packages": list(self.packages), "reason": self.reason}

    @classmethod
    def from_content(cls, content: Mapping[str, Any], *, source: str = "retraction") -> Retraction:
        """Read a retraction package's content."""
        ids = content.get("retract") if isinstance(content, Mapping) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise InvalidInput("a retraction lists the record ids it withdraws under 'retract'", field="retract",
                               record=source)
        packages = content.get("packages") or []
        return cls(tuple(ids), tuple(str(p) for p in packages), str(content.get("reason", "")))


def make_retraction(record_ids: Sequence[str], *, packages: Sequence[str] = (), reason: str = "") -> Retraction:
    """A retraction of ``record_ids`` (optionally only as received in ``packages``)."""
    ids = tuple(dict.fromkeys(str(i).strip() for i in record_ids if str(i).strip()))
    if not ids:
        raise InvalidInput("nothing to retract: give at least one record id", field="retract")
    return Retraction(ids, tuple(str(p) for p in packages), reason)


def require_retraction(header: Mapping[str, Any]) -> None:
    """Refuse a package that is not a retraction."""
    if header.get("content_type") != "retraction":
        raise InvalidInput(f"package {header.get('package_id')} is a {header.get('content_type')!r} package, "
                           "not a retraction", field="content_type")

"""One exception hierarchy for the whole package.

Every error a user can cause carries *where* (record, field) and *why*, so that a batch can report a
bad row and carry on, and so that the CLI and the API can turn any of them into one clear message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CrystalPalaceError(Exception):
    """Root of every error raised on purpose by Crystal Palace."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one record."""

    field: str
    reason: str
    record: str | None = None

    def __str__(self) -> str:
        where = f"record {self.record}, " if self.record is not None else ""
        return f"{where}field {self.field!r}: {self.reason}"


class InvalidInput(CrystalPalaceError):
    """User input that cannot be understood; names the record, field and reason."""

    def __init__(self, reason: str, *, field: str = "query", record: str | None = None) -> None:
        self.reason = reason
        self.field = field
        self.record = record
        super().__init__(str(FieldError(field, reason, record)))

    @property
    def errors(self) -> list[FieldError]:
        """The error as a list, the shape shared with collected validation errors."""
        return [FieldError(self.field, self.reason, self.record)]


class InvalidReferenceData(CrystalPalaceError):
    """A reference data file (packaged or user-supplied) that breaks its schema.

    All problems found in the file are collected and reported together, each with its line.
    """

    def __init__(self, path: str, problems: Sequence[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = [f"{path}:{line}: {reason}" if line is not None else f"{path}: {reason}"
                 for line, reason in self.problems]
        super().__init__("invalid reference data\n" + "\n".join(lines))


class MissingOptionalDependency(CrystalPalaceError):
    """An optional part (an extra) is needed but not installed; says what to install."""

    def __init__(self, feature: str, install_hint: str) -> None:
        self.feature = feature
        self.install_hint = install_hint
        super().__init__(f"{feature} needs an optional dependency: {install_hint}")

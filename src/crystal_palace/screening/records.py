"""The unit of a batch screen: one input record, or the reason it could not be read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

Lines = Iterator[tuple[int, str | None, str | None]]
"""Decoded lines as ``(line number, text without its end, problem)``; text is None when there is a problem."""


@dataclass(frozen=True, slots=True)
class Record:
    """One input record, or the reason it could not be read.

    Attributes
    ----------
    row
        1-based position among the records of the file: output row ``row`` answers this record.
    label
        Where the record is, for error messages ("line 12", "record 3 (fentanyl)").
    value
        The query text (a SMILES, a MOL block, a CAS number, a name), or None when unreadable.
    input_type
        The declared query type, or None to let identify detect it.
    columns
        Input columns carried through to the output (CSV columns, the SMILES name, SD data items).
    error
        Why the record could not be read; None for a readable record.
    field
        The field the error is about (``"line"``, ``"smiles"``, ``"mol"``...).
    """

    row: int
    label: str
    value: str | None
    input_type: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    field: str = "query"

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        # records cross to the worker processes in every chunk: pickled as constructor arguments
        # they cost half of the generated state functions of a frozen slots dataclass
        return Record, (self.row, self.label, self.value, self.input_type, self.columns, self.error, self.field)

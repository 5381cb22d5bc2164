"""CSV and TSV tables: a header naming a query column, then one record per row.

Spreadsheets exported in Poland, Italy or the Netherlands often use semicolons, so the delimiter is
read from the header. Each row takes its query from the first non-empty query column, in the order of
:data:`QUERY_COLUMNS`, so a table where some rows have a structure and others only a name still
screens; every column is carried through to the output.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.records import Lines, Record

QUERY_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("smiles", "smiles"), ("inchi", "inchi"), ("inchikey", "inchikey"), ("cas", "cas"), ("name", None),
)
"""Query columns by priority, with the input type each declares (None: let identify detect it)."""


@dataclass(frozen=True)
class Layout:
    """What the header says: column names, where the queries are, the delimiter and the header's line."""

    columns: list[str]
    query_columns: list[tuple[int, str | None]]
    delimiter: str
    header_line: int


def read_header(lines: Lines, *, tab: bool, where: str) -> Layout:
    """Read the header (skipping blank lines before it) and find the query columns, or raise."""
    number, text, problem = next(lines, (0, None, "no header line"))
    while problem is None and text is not None and not text.strip():  # blank lines before the header
        number, text, problem = next(lines, (number + 1, None, "no header line"))
    location = f"{where}, line {number}"
    if problem is not None or text is None:
        raise InvalidInput(f"the header cannot be read: {problem}", field="header", record=location)
    delimiter = "\t" if tab else sniff_delimiter(text)
    header = next(csv.reader([text], delimiter=delimiter))
    names = unique_names([h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])
    lowered = [n.lower() for n in names]
    query_columns = [(lowered.index(col), itype) for col, itype in QUERY_COLUMNS if col in lowered]
    if not query_columns:
        wanted = ", ".join(c for c, _ in QUERY_COLUMNS)
        raise InvalidInput(f"no query column in the header (want one of {wanted}, any case); "
                           f"found {', '.join(names) or 'nothing'}", field="header", record=location)
    return Layout(names, query_columns, delimiter, number)


def table_records(lines: Lines, layout: Layout) -> Iterator[Record]:
    """One record per row after the header; blank, undecodable and malformed rows carry their reason."""
    feed = _LineFeed(lines, layout.header_line)
    reader = csv.reader(feed, delimiter=layout.delimiter)
    columns, width = layout.columns, len(layout.columns)
    row = 0
    while True:
        start = feed.line + 1
        try:
            cells = next(reader)
            error: str | None = None
        except StopIteration:
            return
        except csv.Error as exc:
            cells, error = [], f"line {start} is not valid CSV: {exc}"
        row += 1
        label = f"line {start}"
        problems = feed.take_problems()
        if problems:
            error = "; ".join(problems)
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(columns)}
        if error is None and len(cells) > width and any(c.strip() for c in cells[width:]):
            values["extra_cells"] = layout.delimiter.join(cells[width:])
        if error is not None:
            yield Record(row, label, None, None, values, error, "line")
            continue
        for index, itype in layout.query_columns:
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                yield Record(row, label, value, itype, values)
                break
        else:
            wanted = " or ".join(columns[i] for i, _ in layout.query_columns)
            yield Record(row, label, None, None, values, f"empty: the row has no {wanted}",
                         columns[layout.query_columns[0][0]])


class _LineFeed:
    """Feed decoded lines to :mod:`csv`, remembering the lines that could not be decoded.

    A bad line is fed as an empty line (so the reader stays in step) and its problem is kept for the
    row being read; quoted fields spanning several lines still work.
    """

    def __init__(self, lines: Lines, line: int = 0) -> None:
        self._lines = lines
        self.line = line
        self._problems: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for number, text, problem in self._lines:
            self.line = number
            if problem is not None or text is None:
                self._problems.append(problem or f"line {number} cannot be read")
                yield "\n"
            else:
                yield text + "\n"

    def take_problems(self) -> list[str]:
        """The problems of the lines read since the last call."""
        problems, self._problems = self._problems, []
        return problems


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header: the one among comma, semicolon and tab that splits out a query column.

    >>> sniff_delimiter("id;SMILES;note"), sniff_delimiter("smiles,name")
    (';', ',')
    """
    wanted = {c for c, _ in QUERY_COLUMNS}
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([header], delimiter=delimiter))
        if any(c.strip().lower() in wanted for c in cells) and (len(cells) > 1 or delimiter == ","):
            return delimiter
    return ","


def unique_names(names: list[str]) -> list[str]:
    """Make header names unique ("mass", "mass_2") so no column silently overwrites another."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out

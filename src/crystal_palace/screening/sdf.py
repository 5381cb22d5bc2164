"""SD files: records up to ``$$$$``, each a MOL block plus data items (``> <FIELD>``).

The reader does not judge the chemistry (the screen's parser does); it only finds each record's
MOL block and rejects what cannot be one (no ``M  END``, no counts line, too large), so that a
truncated or hand-edited record becomes an error row and the records after it still screen.
"""

from __future__ import annotations

from collections.abc import Iterator

from crystal_palace.screening.records import Lines, Record

MAX_RECORD_BYTES = 5_000_000
"""Largest SD record accepted (MOL block plus data items)."""


def sdf_records(lines: Lines) -> Iterator[Record]:
    """Records of an SD file: everything up to each ``$$$$`` line (and a last record without one)."""
    row = 0
    block: list[str] = []
    size = 0
    problem: str | None = None
    start = 1
    for number, text, line_problem in lines:
        if text is not None and text.rstrip() == "$$$$":
            row += 1
            yield sd_record(row, start, block, problem)
            block, size, problem, start = [], 0, None, number + 1
            continue
        if problem is None and line_problem is not None:
            problem = line_problem
        if text is not None and problem is None:
            size += len(text) + 1
            if size > MAX_RECORD_BYTES:
                problem = f"the record is larger than {MAX_RECORD_BYTES:,} bytes"
                block = []
            else:
                block.append(text)
    if problem is not None or any(line.strip() for line in block):
        row += 1
        yield sd_record(row, start, block, problem)


def sd_record(row: int, start: int, block: list[str], problem: str | None) -> Record:
    """Turn the lines of one SD record into a Record (MOL block plus carried data items)."""
    title = block[0].strip() if block else ""
    label = f"record {row}" + (f" ({title})" if title else "") + f", line {start}"
    columns: dict[str, str] = {"name": title}
    if problem is not None:
        return Record(row, label, None, "mol", columns, problem, "mol")
    if not any(line.strip() for line in block):
        return Record(row, label, None, "mol", columns, "empty: the record has no MOL block", "mol")
    end = next((i for i, line in enumerate(block) if line.startswith("M  END")), None)
    if end is None:
        return Record(row, label, None, "mol", columns,
                      "broken MOL block: no 'M  END' line before '$$$$'", "mol")
    if end < 4:
        return Record(row, label, None, "mol", columns,
                      "broken MOL block: the header (3 lines) and counts line are missing", "mol")
    columns.update(data_items(block[end + 1:]))
    return Record(row, label, "\n".join(block[: end + 1]) + "\n", "mol", columns)


def data_items(lines: list[str]) -> dict[str, str]:
    """Data items after the MOL block: ``> <NAME>`` then value lines up to a blank line."""
    items: dict[str, str] = {}
    name: str | None = None
    values: list[str] = []
    for line in [*lines, ""]:
        if line.startswith(">") and "<" in line and ">" in line[line.index("<"):]:
            name = line[line.index("<") + 1: line.index(">", line.index("<"))].strip()
            values = []
        elif name is not None and not line.strip():
            items[name] = "\n".join(values)
            name = None
        elif name is not None:
            values.append(line)
    return items

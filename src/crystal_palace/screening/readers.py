"""Streaming readers for batch screening: SMILES lists, SD files and CSV tables, record by record.

A screen of a seizure campaign or a vendor catalogue can run to millions of rows, typed by many hands
and exported by many tools. The readers therefore hold one line (or one SD record) at a time, so memory
does not grow with the file, and they turn every problem with a record into a :class:`Record` that
carries the reason instead of raising: a line that is too long, bytes that are not UTF-8, a blank row,
an SD record without a MOL block end. The screen then writes one output row per input record, in
order, and never drops one. Only a problem with the whole file (missing, empty, a CSV without a
usable column) raises :class:`~crystal_palace.exceptions.InvalidInput`, before any row is read.

Supported files (optionally gzip-compressed, ``.gz``):

- ``.smi``, ``.smiles``: one SMILES per line, then optional whitespace and a name (carried through as
  the ``name`` column). A first line whose first word is ``smiles`` is a header and is skipped.
- ``.txt``: the same layout, but the first word may be any query (SMILES, CAS number, InChIKey or a
  one-word name); its type is detected by :func:`crystal_palace.identify`.
- ``.sdf``, ``.sd``: records up to ``$$$$``; the MOL block goes to the screen as input type ``mol``,
  the title line becomes the ``name`` column, and data items (``> <FIELD>``) are carried through.
- ``.csv``, ``.tsv``: a header row with a column named ``smiles``, ``inchi``, ``inchikey``, ``cas`` or
  ``name`` (any case). Each row uses the first non-empty of these, in that order of priority, so a table
  where some rows have a structure and others only a name still screens. The delimiter (comma,
  semicolon or tab, as European spreadsheet exports vary) is taken from the header. All columns are
  carried through to the output.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.records import Lines, Record
from crystal_palace.screening.sdf import sdf_records
from crystal_palace.screening.tables import Layout, read_header, table_records

__all__ = ["MAX_LINE_BYTES", "FileKind", "Record", "RecordReader", "detect_kind", "read_records"]

FileKind = Literal["smiles", "text", "sdf", "csv", "tsv"]

MAX_LINE_BYTES = 100_000
"""Longest line accepted; a longer one becomes an error row (no structure needs 100 kB of text)."""

EXTENSIONS: dict[str, FileKind] = {
    ".smi": "smiles", ".smiles": "smiles", ".txt": "text", ".sdf": "sdf", ".sd": "sdf",
    ".csv": "csv", ".tsv": "tsv",
}

_SKIP_CHUNK = 1 << 16


def detect_kind(path: str | os.PathLike[str]) -> FileKind:
    """The kind of file from its extension (``.gz`` looks through to the inner one).

    >>> detect_kind("seizures.sdf.gz"), detect_kind("list.SMI")
    ('sdf', 'smiles')
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    kind = EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if kind is None:
        raise InvalidInput(f"cannot tell the file type from its name; use one of "
                           f"{', '.join(sorted(EXTENSIONS))} (optionally .gz)", field="input", record=str(path))
    return kind


class RecordReader:
    """Iterate over the records of one file, one at a time.

    Opening checks the whole file's preconditions (exists, not empty, a usable CSV header) and raises
    :class:`InvalidInput` for them; iteration never raises for a bad record. ``columns`` names the
    carried-through columns (known before the first record, so a CSV writer can write its header), and
    ``position``/``size`` give progress in bytes of the file on disk.
    """

    def __init__(self, path: str | os.PathLike[str], *, kind: FileKind | None = None,
                 max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.path = Path(path)
        self.kind: FileKind = kind or detect_kind(self.path)
        self.max_line_bytes = max_line_bytes
        self.columns: list[str] = ["name"] if self.kind != "csv" and self.kind != "tsv" else []
        self._raw: io.BufferedIOBase | None = None
        self._file: io.BufferedIOBase | None = None
        self._lines_read = 0
        self._open()

    # -- opening ---------------------------------------------------------------------------------------
    def _open(self) -> None:
        where = str(self.path)
        if not self.path.exists():
            raise InvalidInput("no such file", field="input", record=where)
        if not self.path.is_file():
            raise InvalidInput("not a regular file", field="input", record=where)
        try:
            self.size = self.path.stat().st_size
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
            compressed = self._raw.read(2) == b"\x1f\x8b"
            self._raw.seek(0)
            self._file = gzip.GzipFile(fileobj=self._raw, mode="rb") if compressed else self._raw
            self._require_content()
        except (OSError, EOFError) as exc:
            self.close()
            raise InvalidInput(f"cannot read the file: {exc}", field="input", record=where) from exc
        except InvalidInput:
            self.close()
            raise
        self._layout: Layout | None = None
        self._line_source = self._lines()
        if self.kind in ("csv", "tsv"):
            try:
                self._layout = read_header(self._line_source, tab=self.kind == "tsv", where=str(self.path))
            except InvalidInput:
                self.close()
                raise
            self.columns = self._layout.columns

    def _require_content(self) -> None:
        """Raise when the file holds nothing but whitespace; then rewind."""
        assert self._file is not None
        start = self._file.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not start.startswith(codecs.BOM_UTF32_LE):
            raise InvalidInput("the file is UTF-16 text (as some spreadsheet exports write it); save it as UTF-8",
                               field="input", record=str(self.path))
        self._file.seek(0)
        while True:
            block = self._file.read(_SKIP_CHUNK)
            if not block:
                raise InvalidInput("the file is empty", field="input", record=str(self.path))
            if block.lstrip(codecs.BOM_UTF8).strip():
                break
        self._file.seek(0)

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def position(self) -> int:
        """Bytes of the file on disk consumed so far (compressed bytes for a gzip file)."""
        try:
            return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the file (iteration closes it at the end too)."""
        for f in (self._file, self._raw):
            if f is not None and not f.closed:
                f.close()

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Record]:
        if self._layout is not None:
            records = table_records(self._line_source, self._layout)
        elif self.kind == "sdf":
            records = sdf_records(self._line_source)
        else:
            records = self._smiles_records()
        count = 0
        try:
            for record in records:
                count += 1
                yield record
        finally:
            self.close()
        if count == 0:
            raise InvalidInput("the file has a header but no records", field="input", record=str(self.path))

    def _lines(self) -> Lines:
        """Yield ``(line number, text without its end, problem)``; text is None when there is a problem.

        At most ``max_line_bytes + 1`` bytes of a line are held: the rest of a longer line is skipped
        in blocks, so a 10 MB line costs no more memory than a short one.
        """
        assert self._file is not None
        f, limit = self._file, self.max_line_bytes
        try:
            while True:
                raw = f.readline(limit + 1)
                if not raw:
                    return
                self._lines_read += 1
                number = self._lines_read
                if len(raw) > limit and not raw.endswith(b"\n"):
                    while (more := f.readline(_SKIP_CHUNK)) and not more.endswith(b"\n"):
                        pass
                    yield number, None, f"line {number} is longer than {limit:,} bytes"
                    continue
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield number, None, (f"line {number} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                                         f"column {exc.start + 1}); save the file as UTF-8")
                    continue
                yield number, text.rstrip("\r\n"), None
        except (OSError, EOFError) as exc:  # a truncated or corrupt gzip stream
            self._lines_read += 1
            yield self._lines_read, None, f"the file cannot be read past line {self._lines_read - 1}: {exc}"

    def _smiles_records(self) -> Iterator[Record]:
        itype: str | None = "smiles" if self.kind == "smiles" else None
        row = 0
        for number, text, problem in self._line_source:
            label = f"line {number}"
            if number == 1 and text is not None and text.split(None, 1)[:1] in (["smiles"], ["SMILES"],
                                                                                  ["Smiles"]):
                continue  # a header line, not a record
            row += 1
            if text is None:
                yield Record(row, label, None, itype, {"name": ""}, problem, "line")
                continue
            parts = text.strip().split(None, 1)
            if not parts:
                yield Record(row, label, None, itype, {"name": ""}, "empty: the line has no query", "line")
                continue
            name = parts[1].strip() if len(parts) > 1 else ""
            yield Record(row, label, parts[0], itype, {"name": name})

def read_records(path: str | os.PathLike[str], *, kind: FileKind | None = None,
                 max_line_bytes: int = MAX_LINE_BYTES) -> RecordReader:
    """Open ``path`` for streaming; iterate the result for :class:`Record` objects.

    Raises
    ------
    InvalidInput
        When the file is missing, empty, of an unknown type, or a CSV without a query column.
    """
    return RecordReader(path, kind=kind, max_line_bytes=max_line_bytes)

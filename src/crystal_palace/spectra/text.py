"""Decoding spectrum files record by record, so that a bad byte is reported with the record it is in.

A library exported on one system and read on another often carries a stray Latin-1 byte; decoding
the whole file at once would only say "byte 0xe9 at position 812345". Splitting the raw bytes into
records first lets the error name the record (and its first line), and the caller can retry with
``encoding="latin-1"`` when the file really is in another encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from crystal_palace.exceptions import InvalidInput


def read_bytes(path: str | Path) -> tuple[Path, bytes]:
    """The file's bytes (a clear error, naming the file, when it cannot be read)."""
    file = Path(path)
    try:
        return file, file.read_bytes()
    except FileNotFoundError:
        raise InvalidInput("no such file", field="path", record=str(file)) from None
    except IsADirectoryError:
        raise InvalidInput("is a folder, not a spectrum file", field="path", record=str(file)) from None


def decoded_lines(data: bytes, *, encoding: str, source: str,
                  where: Callable[[int], str] | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for every line, decoding one line at a time.

    A line that does not decode raises :class:`InvalidInput` with ``field="encoding"``, the line
    number, and a hint to pass another encoding; ``where(line)`` names the record it belongs to (the
    reader knows which record it is in), else the file and line are named.
    """
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            bad = raw[exc.start:exc.start + 1].hex()
            record = where(number) if where is not None else f"{source}, line {number}"
            raise InvalidInput(f"line {number} is not valid {encoding} text (byte 0x{bad} at column {exc.start + 1}); "
                               "if the file uses another encoding, pass it (e.g. encoding='latin-1')",
                               field="encoding", record=record) from None
        yield number, text.lstrip("\ufeff") if number == 1 else text

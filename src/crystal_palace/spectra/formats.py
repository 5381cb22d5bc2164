"""One entry point for reading and writing spectrum files, choosing the format by the file's extension."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum

READ_FORMATS = {".msp": "msp", ".txt": "msp", ".mgf": "mgf", ".jdx": "jcamp", ".dx": "jcamp", ".jcamp": "jcamp",
                ".jcm": "jcamp", ".mzml": "mzml"}
WRITE_FORMATS = {".msp": "msp", ".mgf": "mgf"}


def detect_format(path: str | Path, format: str | None = None) -> str:
    """The reader to use: ``format`` when given, else from the extension (``.msp``, ``.mgf``, ``.jdx``, ``.mzML``)."""
    if format:
        if format not in set(READ_FORMATS.values()):
            raise InvalidInput(f"unknown spectrum format {format!r}; use one of "
                               f"{', '.join(sorted(set(READ_FORMATS.values())))}", field="format")
        return format
    suffix = Path(path).suffix.lower()
    if suffix not in READ_FORMATS:
        raise InvalidInput(f"cannot tell the spectrum format from the extension {suffix or '(none)'!r}; expected "
                           f"{', '.join(sorted(READ_FORMATS))} or give the format", field="format", record=str(path))
    return READ_FORMATS[suffix]


def iter_spectra(path: str | Path, *, format: str | None = None, encoding: str = "utf-8") -> Iterator[Spectrum]:
    """Yield the spectra of a file, in file order (errors name the record)."""
    kind = detect_format(path, format)
    if kind == "msp":
        from crystal_palace.spectra.msp import iter_msp

        yield from iter_msp(path, encoding=encoding)
    elif kind == "mgf":
        from crystal_palace.spectra.mgf import iter_mgf

        yield from iter_mgf(path, encoding=encoding)
    elif kind == "jcamp":
        from crystal_palace.spectra.jcamp import iter_jcamp

        yield from iter_jcamp(path, encoding=encoding)
    else:
        from crystal_palace.spectra.mzml import iter_mzml

        yield from iter_mzml(path)


def read_spectra(path: str | Path, *, format: str | None = None, encoding: str = "utf-8") -> list[Spectrum]:
    """Every spectrum of a file (see :func:`iter_spectra`)."""
    return list(iter_spectra(path, format=format, encoding=encoding))


def write_spectra(spectra: Iterable[Spectrum], path: str | Path) -> int:
    """Write spectra as MSP or MGF, by the extension of ``path``; returns the number written."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITE_FORMATS:
        raise InvalidInput(f"can write {', '.join(sorted(WRITE_FORMATS))}, not {suffix or '(none)'!r}",
                           field="format", record=str(path))
    if WRITE_FORMATS[suffix] == "msp":
        from crystal_palace.spectra.msp import save_as_msp

        return save_as_msp(spectra, path)
    from crystal_palace.spectra.mgf import save_as_mgf

    return save_as_mgf(spectra, path)

"""Read and write MSP (NIST text) libraries, in the NIST and MoNA flavours.

Both flavours are ``Key: value`` lines, then ``Num Peaks: N`` and N peaks, records separated by blank
lines. NIST writes peaks as ``mz int; mz int;`` several to a line and packs fields such as
``CAS#: 90736-18-8;  NIST#: 248323`` on one line; MoNA writes one ``mz int`` per line, optionally
with a quoted annotation, and hides the structure in ``Comments: "SMILES=..." "InChIKey=..."``.
Both are read into the same :class:`~crystal_palace.spectra.model.Spectrum` metadata keys. A record
whose peak list is shorter than its ``Num Peaks`` (a truncated file) is an error naming the record,
never a silently shorter spectrum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum, make_spectrum
from crystal_palace.spectra.text import decoded_lines, read_bytes

_QUOTED = re.compile(r'"[^"]*"')
_COMMENT_PAIR = re.compile(r'"?([A-Za-z][A-Za-z0-9_ /#$-]*?)=([^"]*)"?')
_PACKED = re.compile(r";\s+(?=[A-Za-z_#$][A-Za-z0-9_ #$]*:)")  # "CAS#: 1-2-3;  NIST#: 4" -> two fields
_COMMENT_KEYS = {"smiles", "inchikey", "inchi", "formula", "precursor_type", "computed smiles", "cas",
                 "retention_index", "ri"}


def _label(source: str, number: int, name: str | None, line: int) -> str:
    shown = f" {name!r}" if name else ""
    return f"{source}#{number}{shown} (line {line})"


def _parse_peak_line(text: str, record: str, line: int) -> list[tuple[float, float]]:
    body = _QUOTED.sub(" ", text)
    if ";" in body:
        chunks = body.split(";")
    elif ":" in body:  # "mz:int mz:int ..." pairs on one line
        chunks = body.split()
    else:  # "mz int [annotation]", one peak per line
        chunks = [body]
    peaks: list[tuple[float, float]] = []
    for chunk in chunks:
        tokens = chunk.replace(":", " ").replace(",", " ").split()
        if not tokens:
            continue
        if len(tokens) < 2:
            raise InvalidInput(f"line {line}: peak {chunk.strip()!r} has no intensity", field="peaks", record=record)
        try:
            peaks.append((float(tokens[0]), float(tokens[1])))
        except ValueError:
            raise InvalidInput(f"line {line}: {chunk.strip()!r} is not an 'm/z intensity' pair", field="peaks",
                               record=record) from None
    return peaks


def _add_field(meta: dict[str, str], key: str, value: str) -> None:
    key = key.strip().lower()
    value = value.strip()
    if key in ("comment", "comments"):
        for k, v in _COMMENT_PAIR.findall(value):
            if k.strip().lower() in _COMMENT_KEYS:
                meta.setdefault(k.strip().lower(), v.strip())
    if key in meta and key in ("synon", "synonym"):
        meta[key] = meta[key] + "|" + value
        return
    meta[key] = value


def iter_msp(path: str | Path, *, encoding: str = "utf-8") -> Iterator[Spectrum]:
    """Yield each record of an MSP file as a checked spectrum.

    Raises
    ------
    InvalidInput
        For the first malformed record, naming it (file, record number, name and line) and the field:
        a truncated peak list (``Num Peaks``), a peak that is not a number, a negative intensity, no
        peaks, or a line that is not valid text in ``encoding``.
    """
    file, data = read_bytes(path)
    source = file.name
    meta: dict[str, str] = {}
    peaks: list[tuple[float, float]] = []
    expected: int | None = None
    start = 0
    number = 0

    def finish(end_line: int) -> Spectrum | None:
        nonlocal meta, peaks, expected
        if not meta and not peaks:
            return None
        record = _label(source, number, meta.get("name"), start)
        if expected is None:
            raise InvalidInput("the record has no 'Num Peaks' line", field="Num Peaks", record=record)
        if len(peaks) < expected:
            raise InvalidInput(f"truncated: 'Num Peaks' says {expected} but the record ends after {len(peaks)} "
                               f"peaks (line {end_line})", field="Num Peaks", record=record)
        spectrum = make_spectrum([p[0] for p in peaks], [p[1] for p in peaks], meta, record=record)
        meta, peaks, expected = {}, [], None
        return spectrum

    def where(line: int) -> str:
        return _label(source, number if meta else number + 1, meta.get("name"), start if meta else line)

    last = 0
    for line, text in decoded_lines(data, encoding=encoding, source=source, where=where):
        last = line
        stripped = text.strip()
        if not stripped:
            done = finish(line)  # a blank line ends the record (a short peak list is then an error)
            if done is not None:
                yield done
            continue
        if expected is not None and len(peaks) < expected and not stripped.lower().startswith("name:"):
            record = _label(source, number, meta.get("name"), start)
            peaks.extend(_parse_peak_line(stripped, record, line))
            if len(peaks) > expected:
                raise InvalidInput(f"'Num Peaks' says {expected} but line {line} brings the count to {len(peaks)}",
                                   field="Num Peaks", record=record)
            continue
        if ":" not in stripped or (stripped[0].isdigit() and expected is None and ";" in stripped):
            record = _label(source, number if meta else number + 1, meta.get("name"), start if meta else line)
            if stripped[0].isdigit() and meta:
                raise InvalidInput(f"line {line}: peaks without a 'Num Peaks' line before them", field="Num Peaks",
                                   record=record)
            raise InvalidInput(f"line {line}: {stripped[:60]!r} is neither a 'Key: value' field nor a peak",
                               field="line", record=record)
        key, _, value = stripped.partition(":")
        if key.strip().lower() == "name" and (meta or peaks):
            done = finish(line)  # a new record without a blank line before it
            if done is not None:
                yield done
        if not meta:
            number += 1
            start = line
        if key.strip().lower() in ("num peaks", "num_peaks", "numpeaks"):
            try:
                expected = int(value.strip())
            except ValueError:
                raise InvalidInput(f"'Num Peaks' is {value.strip()!r}, not a whole number", field="Num Peaks",
                                   record=_label(source, number, meta.get("name"), start)) from None
            if expected < 0:
                raise InvalidInput("'Num Peaks' is negative", field="Num Peaks",
                                   record=_label(source, number, meta.get("name"), start))
            meta.setdefault("num peaks", str(expected))
            continue
        for part in _PACKED.split(f"{key}:{value}"):
            k, _, v = part.partition(":")
            _add_field(meta, k, v)
    done = finish(last + 1)
    if done is not None:
        yield done


def load_from_msp(path: str | Path, *, encoding: str = "utf-8") -> list[Spectrum]:
    """Every record of an MSP file (see :func:`iter_msp`)."""
    return list(iter_msp(path, encoding=encoding))


_WRITE_ORDER = ("name", "inchikey", "smiles", "formula", "cas", "precursor_type", "precursormz", "ion_mode",
                "retention_index", "comment")
_SKIP = {"num peaks"}


def _format_number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def save_as_msp(spectra: Iterable[Spectrum], path: str | Path) -> int:
    """Write spectra as MSP (MoNA flavour: one peak per line, which NIST MS Search also reads).

    Returns the number of records written; metadata keys keep their (lower-cased) names, with
    ``Name`` first, so that :func:`load_from_msp` reads back the same spectra.
    """
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for spectrum in spectra:
            meta = dict(spectrum.metadata)
            meta.setdefault("name", spectrum.name)
            keys = [k for k in _WRITE_ORDER if k in meta] + sorted(k for k in meta if k not in _WRITE_ORDER)
            for key in keys:
                if key in _SKIP:
                    continue
                value = " ".join(str(meta[key]).split())
                label = "Name" if key == "name" else key
                out.write(f"{label}: {value}\n")
            out.write(f"Num Peaks: {len(spectrum.mz)}\n")
            for mz, intensity in zip(spectrum.mz, spectrum.intensities, strict=True):
                out.write(f"{_format_number(float(mz))} {_format_number(float(intensity))}\n")
            out.write("\n")
            count += 1
    return count

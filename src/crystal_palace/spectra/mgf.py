"""Read and write MGF (Mascot generic format), the usual exchange format for MS/MS spectra.

Each spectrum sits between ``BEGIN IONS`` and ``END IONS``: ``KEY=value`` lines (``PEPMASS`` is the
precursor m/z, optionally followed by its intensity), then ``m/z intensity [charge]`` lines. A block
without its ``END IONS`` (a truncated file) is an error naming the block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum, make_spectrum
from crystal_palace.spectra.text import decoded_lines, read_bytes


def iter_mgf(path: str | Path, *, encoding: str = "utf-8") -> Iterator[Spectrum]:
    """Yield each ``BEGIN IONS`` block as a checked spectrum (errors name the block and line)."""
    file, data = read_bytes(path)
    source = file.name
    inside = False
    meta: dict[str, str] = {}
    mz: list[float] = []
    heights: list[float] = []
    number = start = 0
    def where(line: int) -> str:
        return f"{source}#{number} (line {start})" if inside else f"{source}, line {line}"

    for line, text in decoded_lines(data, encoding=encoding, source=source, where=where):
        stripped = text.strip()
        if not stripped or stripped[0] in "#;!/":
            continue
        upper = stripped.upper()
        record = f"{source}#{number}{' ' + repr(meta['title']) if 'title' in meta else ''} (line {start})"
        if upper == "BEGIN IONS":
            if inside:
                raise InvalidInput(f"line {line}: BEGIN IONS before the END IONS of the block", field="END IONS",
                                   record=record)
            inside, meta, mz, heights = True, {}, [], []
            number += 1
            start = line
            continue
        if upper == "END IONS":
            if not inside:
                raise InvalidInput(f"line {line}: END IONS without BEGIN IONS", field="BEGIN IONS",
                                   record=f"{source}, line {line}")
            inside = False
            yield make_spectrum(mz, heights, meta, record=record)
            continue
        if not inside:
            continue  # global parameters between blocks (CHARGE=..., COM=...) apply to search engines only
        if "=" in stripped and not stripped[0].isdigit():
            key, _, value = stripped.partition("=")
            meta[key.strip().lower()] = value.strip()
            continue
        tokens = stripped.split()
        try:
            mz.append(float(tokens[0]))
            heights.append(float(tokens[1]) if len(tokens) > 1 else 1.0)
        except ValueError:
            raise InvalidInput(f"line {line}: {stripped[:60]!r} is not an 'm/z intensity' peak", field="peaks",
                               record=record) from None
    if inside:
        raise InvalidInput("truncated: the block has no END IONS", field="END IONS",
                           record=f"{source}#{number} (line {start})")


def load_from_mgf(path: str | Path, *, encoding: str = "utf-8") -> list[Spectrum]:
    """Every block of an MGF file (see :func:`iter_mgf`)."""
    return list(iter_mgf(path, encoding=encoding))


def save_as_mgf(spectra: Iterable[Spectrum], path: str | Path) -> int:
    """Write spectra as MGF; ``TITLE`` is the name and ``PEPMASS`` the precursor m/z when known."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for spectrum in spectra:
            out.write("BEGIN IONS\n")
            meta = dict(spectrum.metadata)
            out.write(f"TITLE={' '.join(spectrum.name.split())}\n")
            precursor = spectrum.precursor_mz
            if precursor is not None:
                out.write(f"PEPMASS={precursor:.6f}\n")
            for key, value in meta.items():
                if key in ("title", "name", "pepmass", "precursormz", "precursor_mz", "num peaks"):
                    continue
                out.write(f"{key.upper()}={' '.join(str(value).split())}\n")
            for mz, intensity in zip(spectrum.mz, spectrum.intensities, strict=True):
                out.write(f"{float(mz):.6f} {float(intensity):g}\n")
            out.write("END IONS\n\n")
            count += 1
    return count

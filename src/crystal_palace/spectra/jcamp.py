"""Read JCAMP-DX mass spectra (``##DATA TYPE=MASS SPECTRUM``), as NIST WebBook and instruments export them.

A file holds one or more blocks from ``##TITLE=`` to ``##END=``; the peaks follow ``##PEAK TABLE=(XY..XY)``
or ``##XYPOINTS=(XY..XY)`` as ``x,y`` pairs, or ``##XYDATA=(X++(Y..Y))`` in plain (AFFN) numbers.
Compressed ASDF forms (SQZ/DIF characters), which mass spectra almost never use, are refused with a
clear error rather than misread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum, make_spectrum
from crystal_palace.spectra.text import decoded_lines, read_bytes

_LABEL = re.compile(r"^##\s*([^=]+?)\s*=(.*)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_META_NAMES = {"title": "name", "names": "synonyms", "cas registry no": "cas", "molform": "formula",
               "$inchikey": "inchikey", "$smiles": "smiles", "$retention index": "retention_index"}


def iter_jcamp(path: str | Path, *, encoding: str = "utf-8") -> Iterator[Spectrum]:
    """Yield each mass-spectrum block of a JCAMP-DX file (errors name the block, field and line)."""
    file, data = read_bytes(path)
    source = file.name
    meta: dict[str, str] = {}
    mode: str | None = None
    mz: list[float] = []
    heights: list[float] = []
    number = start = 0
    factors = {"x": 1.0, "y": 1.0}
    def where(line: int) -> str:
        return f"{source}#{number} (line {start})" if number else f"{source}, line {line}"

    for line, text in decoded_lines(data, encoding=encoding, source=source, where=where):
        stripped = text.split("$$", 1)[0].strip()
        if not stripped:
            continue
        record = f"{source}#{number}{' ' + repr(meta['name']) if 'name' in meta else ''} (line {start})"
        found = _LABEL.match(stripped)
        if found:
            label, value = found.group(1).strip().lower(), found.group(2).strip()
            mode = None
            if label == "title":
                if meta and "end" not in meta:
                    raise InvalidInput(f"line {line}: a new ##TITLE before ##END of the block", field="##END",
                                       record=record)
                number += 1
                start = line
                meta, mz, heights, factors = {}, [], [], {"x": 1.0, "y": 1.0}
            if label in ("xfactor", "yfactor"):
                factors[label[0]] = float(value)
            if label in ("peak table", "xypoints", "xydata"):
                form = value.replace(" ", "").upper()
                if form in ("(XY..XY)", "(XYXY)"):
                    mode = "pairs"
                elif form == "(X++(Y..Y))":
                    mode = "xydata"
                else:
                    raise InvalidInput(f"##{label.upper()}={value} is not a supported peak form", field=f"##{label}",
                                       record=record)
                continue
            if label == "end":
                if "name" not in meta and not mz:
                    continue  # the end of a link block in a multi-block file
                if meta.get("data type", "mass spectrum").lower().replace(" ", "") not in ("massspectrum", "ms"):
                    meta = {}
                    continue
                meta["end"] = "1"
                clean = {k: v for k, v in meta.items() if k != "end"}
                yield make_spectrum([m * factors["x"] for m in mz], [h * factors["y"] for h in heights], clean,
                                    record=f"{source}#{number}{' ' + repr(clean['name']) if 'name' in clean else ''}"
                                           f" (line {start})")
                mz, heights = [], []
                continue
            meta[_META_NAMES.get(label, label)] = value
            continue
        if mode is None:
            continue
        tokens = stripped.replace(",", " ").replace(";", " ").split()
        if not all(_NUMBER.match(t) for t in tokens):
            raise InvalidInput(f"line {line}: {stripped[:60]!r} is not plain numbers (compressed ASDF data is "
                               "not supported)", field="peaks", record=record)
        numbers = [float(t) for t in tokens]
        if mode == "pairs":
            if len(numbers) % 2:
                raise InvalidInput(f"line {line}: an m/z without its intensity", field="peaks", record=record)
            mz.extend(numbers[0::2])
            heights.extend(numbers[1::2])
        else:  # X++(Y..Y): the first number is x, the rest are y at successive x (unit steps for MS)
            x = numbers[0]
            for k, y in enumerate(numbers[1:]):
                mz.append(x + k)
                heights.append(y)
    if meta and "end" not in meta:
        raise InvalidInput("truncated: the block has no ##END=", field="##END",
                           record=f"{source}#{number} (line {start})")


def load_from_jcamp(path: str | Path, *, encoding: str = "utf-8") -> list[Spectrum]:
    """Every mass-spectrum block of a JCAMP-DX file (see :func:`iter_jcamp`)."""
    return list(iter_jcamp(path, encoding=encoding))

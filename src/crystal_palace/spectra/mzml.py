"""Read centroided spectra from mzML with the standard library's streaming XML parser.

Only what a library search needs is read: each ``<spectrum>``'s m/z and intensity arrays (base64,
32- or 64-bit floats, zlib-compressed or not), its MS level, precursor m/z, retention time and title.
The file is parsed with ``iterparse`` and each spectrum element is cleared once read, so a large run
does not sit in memory. Profile spectra and MS-Numpress compression are refused with a clear error
(centroid the run first, e.g. with ProteoWizard ``msconvert --filter "peakPicking true 1-"``).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

import numpy as np

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum, make_spectrum

# PSI-MS controlled vocabulary accessions
_MZ_ARRAY, _INTENSITY_ARRAY = "MS:1000514", "MS:1000515"
_FLOAT32, _FLOAT64 = "MS:1000521", "MS:1000523"
_ZLIB, _NO_COMPRESSION = "MS:1000574", "MS:1000576"
_PROFILE, _CENTROID = "MS:1000128", "MS:1000127"
_MS_LEVEL, _SELECTED_MZ, _CHARGE = "MS:1000511", "MS:1000744", "MS:1000041"
_SCAN_START, _TITLE = "MS:1000016", "MS:1000796"
_POSITIVE, _NEGATIVE = "MS:1000130", "MS:1000129"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _params(element: Element) -> dict[str, tuple[str, str]]:
    """Accession -> (value, unit accession) for the element's own cvParams."""
    return {p.get("accession", ""): (p.get("value", ""), p.get("unitAccession", ""))
            for p in element if _local(p.tag) == "cvParam"}


def _decode_array(array: Element, record: str) -> tuple[str, np.ndarray]:
    params = _params(array)
    kind = "mz" if _MZ_ARRAY in params else "intensity" if _INTENSITY_ARRAY in params else "other"
    if any(a.startswith("MS:100261") or a == "MS:1002312" or a == "MS:1002313" or a == "MS:1002314"
           for a in params):
        raise InvalidInput("MS-Numpress compressed arrays are not supported; convert with zlib or no compression",
                           field="binaryDataArray", record=record)
    dtype = np.float32 if _FLOAT32 in params else np.float64
    text = next((b.text or "" for b in array if _local(b.tag) == "binary"), "")
    try:
        raw = base64.b64decode(text.strip(), validate=False)
        if _ZLIB in params:
            raw = zlib.decompress(raw)
    except (binascii.Error, zlib.error) as exc:
        raise InvalidInput(f"the {kind} array cannot be decoded ({exc})", field="binaryDataArray",
                           record=record) from None
    if len(raw) % np.dtype(dtype).itemsize:
        raise InvalidInput(f"the {kind} array has {len(raw)} bytes, not a whole number of "
                           f"{np.dtype(dtype).itemsize}-byte values", field="binaryDataArray", record=record)
    return kind, np.frombuffer(raw, dtype=dtype).astype(np.float64)


def _spectrum(element: Element, source: str, number: int, ms_level: int | None) -> Spectrum | None:
    spectrum_id = element.get("id", str(number))
    record = f"{source}#{number} {spectrum_id!r}"
    params = _params(element)
    level = int(params[_MS_LEVEL][0]) if _MS_LEVEL in params and params[_MS_LEVEL][0].isdigit() else 1
    if ms_level is not None and level != ms_level:
        return None
    if _PROFILE in params:
        raise InvalidInput("profile spectrum: centroid the run first (e.g. msconvert --filter \"peakPicking true "
                           "1-\")", field="spectrum representation", record=record)
    meta: dict[str, str] = {"id": spectrum_id, "ms level": str(level)}
    if _TITLE in params:
        meta["title"] = params[_TITLE][0]
    if _POSITIVE in params or _NEGATIVE in params:
        meta["ion_mode"] = "positive" if _POSITIVE in params else "negative"
    arrays: dict[str, np.ndarray] = {}
    for node in element.iter():
        name = _local(node.tag)
        if name in ("scan", "selectedIon"):
            sub = _params(node)
            if _SCAN_START in sub:
                value, unit = sub[_SCAN_START]
                seconds = float(value) * (60.0 if unit == "UO:0000031" else 1.0)
                meta["retention_time"] = f"{seconds:.3f}"
            if _SELECTED_MZ in sub:
                meta.setdefault("precursor_mz", sub[_SELECTED_MZ][0])
            if _CHARGE in sub:
                meta.setdefault("charge", sub[_CHARGE][0])
        elif name == "binaryDataArray":
            kind, values = _decode_array(node, record)
            arrays[kind] = values
    if "mz" not in arrays or "intensity" not in arrays:
        raise InvalidInput("the spectrum lacks an m/z or an intensity array", field="binaryDataArray", record=record)
    return make_spectrum(arrays["mz"], arrays["intensity"], meta, record=record)


def iter_mzml(path: str | Path, *, ms_level: int | None = None) -> Iterator[Spectrum]:
    """Yield each spectrum (optionally only those of one MS level) of an mzML file, streaming.

    Raises
    ------
    InvalidInput
        For malformed XML (with the line), a profile spectrum, an undecodable array, or a spectrum
        without peaks, naming the spectrum by its position and ``id``.
    """
    file = Path(path)
    if not file.is_file():
        raise InvalidInput("no such file", field="path", record=str(file))
    number = 0
    try:
        for _, element in iterparse(file, events=("end",)):
            if _local(element.tag) != "spectrum":
                continue
            number += 1
            found = _spectrum(element, file.name, number, ms_level)
            element.clear()
            if found is not None:
                yield found
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise InvalidInput(f"not well-formed XML at line {line} ({exc})", field="xml",
                           record=f"{file.name}, after spectrum #{number}") from None


def load_from_mzml(path: str | Path, *, ms_level: int | None = None) -> list[Spectrum]:
    """Every spectrum of an mzML file (see :func:`iter_mzml`)."""
    return list(iter_mzml(path, ms_level=ms_level))


def save_as_mzml_minimal(spectra: list[Spectrum], path: str | Path) -> None:
    """Write a small, valid-enough mzML (zlib, 64-bit, centroid) — used to make test fixtures."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0"><run id="run">',
             f'<spectrumList count="{len(spectra)}">']
    for n, s in enumerate(spectra):
        def encoded(values: np.ndarray) -> str:
            return base64.b64encode(zlib.compress(values.astype("<f8").tobytes())).decode("ascii")
        level = "2" if s.precursor_mz is not None else "1"
        precursor = (f'<precursorList count="1"><precursor><selectedIonList count="1"><selectedIon>'
                     f'<cvParam cvRef="MS" accession="{_SELECTED_MZ}" name="selected ion m/z" '
                     f'value="{s.precursor_mz}"/></selectedIon></selectedIonList></precursor></precursorList>'
                     if s.precursor_mz is not None else "")
        arrays = "".join(
            f'<binaryDataArray encodedLength="{len(encoded(v))}"><cvParam cvRef="MS" accession="{_FLOAT64}" '
            f'name="64-bit float"/><cvParam cvRef="MS" accession="{_ZLIB}" name="zlib compression"/>'
            f'<cvParam cvRef="MS" accession="{acc}" name="{label}"/><binary>{encoded(v)}</binary></binaryDataArray>'
            for v, acc, label in ((s.mz, _MZ_ARRAY, "m/z array"), (s.intensities, _INTENSITY_ARRAY, "intensity array")))
        title = s.name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        parts.append(f'<spectrum index="{n}" id="scan={n + 1}" defaultArrayLength="{len(s.mz)}">'
                     f'<cvParam cvRef="MS" accession="{_MS_LEVEL}" name="ms level" value="{level}"/>'
                     f'<cvParam cvRef="MS" accession="{_CENTROID}" name="centroid spectrum"/>'
                     f'<cvParam cvRef="MS" accession="{_TITLE}" name="spectrum title" value="{title}"/>'
                     f'{precursor}<binaryDataArrayList count="2">{arrays}</binaryDataArrayList></spectrum>')
    parts.append("</spectrumList></run></mzML>")
    Path(path).write_text("".join(parts), encoding="utf-8")

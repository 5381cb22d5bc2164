"""Identify from spectra: import a library once, search GC-EI-MS and MS/MS spectra, screen LC-HRMS suspects.

Public functions (exported from :mod:`crystal_palace`; the CLI ``crystal-palace spectra`` and the API
``/v1/spectra`` call only these):

:func:`import_library`
    read an MSP/MGF/JCAMP-DX/mzML file into an indexed on-disk library, all or nothing;
:func:`list_spectral_libraries`
    the libraries imported so far;
:func:`search_spectra`
    hits for each query spectrum (EI: NIST-style match factors; MS/MS: entropy similarity), each hit
    with a structure carrying the identify verdict, plus the analogue reading (family hint, modified
    site) for compounds that may be in no library; optionally a head-to-tail SVG per query;
:func:`suspect_screen`
    LC-HRMS features (precursor m/z, optional fragments) against the reference library's accurate
    masses and common adducts.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.hrms import Feature
from crystal_palace.spectra.model import Spectrum


def import_library(path: str | Path, name: str, *, kind: str = "auto", replace: bool = False,
                   format: str | None = None, encoding: str = "utf-8") -> dict[str, Any]:
    """Import a spectrum file as the library ``name`` (all or nothing); returns its summary.

    ``kind`` is ``ei`` (unit-mass, match-factor search), ``msms`` (accurate mass, entropy search) or
    ``auto`` (MS/MS when most records have a precursor m/z). A bad record anywhere raises
    :class:`~crystal_palace.exceptions.InvalidInput` naming it, and no library is left behind.
    """
    from crystal_palace.spectra.library import import_library as build

    return build(path, name, kind=kind, replace=replace, format=format, encoding=encoding).to_dict()


def list_spectral_libraries() -> list[dict[str, Any]]:
    """The imported spectral libraries (name, kind, count, source, created, path)."""
    from crystal_palace.spectra.library import list_libraries

    return list_libraries()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:50] or "spectrum"


def search_spectra(queries: str | Path | Spectrum | Sequence[Spectrum], library: str | Path, *, top: int = 5,
                   method: str = "auto", ri_window: float | None = None, retention_index: float | None = None,
                   analogue: bool = True, identify_hits: bool = True, legal: bool = True,
                   plot_dir: str | Path | None = None, report: str | Path | None = None,
                   format: str | None = None, encoding: str = "utf-8") -> list[dict[str, Any]]:
    """Search query spectra (a file, one spectrum or a list) against an imported library.

    Returns one result per query, in order: ``{"query", "record", "library", "kind", "hits": [{"rank",
    "name", "inchikey", "smiles", "score", ... scores, "identity", "family", "legal"}], "analogue",
    "errors"}``. ``score`` is 0-1 (EI: match factor / 999; MS/MS: entropy similarity). ``method``:
    EI ``identity`` or ``reverse``; MS/MS ``identity``, ``open``, ``neutral_loss`` or ``hybrid``. With
    ``plot_dir``, a head-to-tail SVG of each query against its best hit is written there, and its
    path is given as ``plot``; with ``report``, an HTML report (hits, verdicts, plots) is written there.
    """
    from crystal_palace.spectra.formats import read_spectra
    from crystal_palace.spectra.library import SpectralLibrary
    from crystal_palace.spectra.search import search_many

    if top < 1 or top > 100:
        raise InvalidInput(f"top is {top}; use 1 to 100", field="top")
    if isinstance(queries, (str, Path)):
        spectra = read_spectra(queries, format=format, encoding=encoding)
    elif isinstance(queries, Spectrum):
        spectra = [queries]
    else:
        spectra = list(queries)
    lib = SpectralLibrary.open(library)
    results = search_many(lib, spectra, top=top, method=method, ri_window=ri_window, retention_index=retention_index,
                          analogue=analogue, identify_hits=identify_hits, legal=legal)
    if plot_dir is None and report is None:
        return results
    from crystal_palace.spectra.plot import head_to_tail_svg

    svgs: list[str | None] = []
    for query, result in zip(spectra, results, strict=True):
        best = result["hits"][0] if result["hits"] else None
        svgs.append(None if best is None else head_to_tail_svg(
            query, lib.spectrum(best["library_index"]), title=f"{query.name} vs {best['name']}: "
                                                              f"score {best['score']:.3f}"))
    if plot_dir is not None:
        folder = Path(plot_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for n, (svg, result) in enumerate(zip(svgs, results, strict=True), start=1):
            if svg is not None:
                path = folder / f"{n}-{_slug(result['query'])}.svg"
                path.write_text(svg, encoding="utf-8")
                result["plot"] = str(path)
    if report is not None:
        from crystal_palace.spectra.report import render_report

        Path(report).write_text(render_report(results, library=lib.name, svgs=svgs), encoding="utf-8")
    return results


def _features_from_csv(path: Path) -> list[Feature]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        columns = {c.lower().strip(): c for c in reader.fieldnames or []}
        mz_column = next((columns[c] for c in ("mz", "m/z", "precursor_mz", "precursor m/z") if c in columns), None)
        if mz_column is None:
            raise InvalidInput(f"no m/z column (mz, m/z or precursor_mz) among {list(columns.values())}",
                               field="mz", record=f"{path.name}, line 1")
        name_column = next((columns[c] for c in ("name", "id", "feature") if c in columns), None)
        rt_column = next((columns[c] for c in ("rt", "retention_time") if c in columns), None)
        fragments_column = columns.get("fragments")
        features = []
        for line, row in enumerate(reader, start=2):
            record = f"{path.name}, line {line}" + (f" {row[name_column]!r}" if name_column else "")
            try:
                mz = float(row[mz_column])
                rt = float(row[rt_column]) if rt_column and row[rt_column] else None
                fragments = [float(x) for x in re.split(r"[\s;,|]+", row[fragments_column].strip())
                             if x] if fragments_column and row[fragments_column] else []
            except ValueError as exc:
                raise InvalidInput(f"not a number ({exc})", field="mz", record=record) from None
            features.append(Feature(mz, row[name_column] if name_column else record, rt, fragments))
        return features


def suspect_screen(features: str | Path | Sequence[Feature | float], *, ppm: float = 5.0,
                   ion_mode: str = "positive", adducts: Sequence[str] | None = None, fragment_ppm: float = 10.0,
                   msms_library: str | Path | None = None, encoding: str = "utf-8") -> list[dict[str, Any]]:
    """Screen LC-HRMS features against the reference library by accurate mass (and fragments where given).

    ``features`` is a CSV (columns ``mz``, optional ``name``, ``rt`` and ``fragments`` as a
    space-separated list), a spectrum file whose records carry a precursor m/z (the peaks are the
    fragments), or a list of :class:`~crystal_palace.spectra.hrms.Feature` or plain m/z values.
    Returns per feature ``{"query", "mz", "retention_time", "candidates": [{"name", "inchikey",
    "family", "adduct", "theoretical_mz", "ppm_error", "fragments_explained", ...}]}``.
    """
    from crystal_palace.spectra.hrms import screen_features

    found: list[Feature] = []
    if isinstance(features, (str, Path)):
        path = Path(features)
        if path.suffix.lower() in (".csv", ".tsv"):
            found = _features_from_csv(path)
        else:
            from crystal_palace.spectra.formats import read_spectra

            for spectrum in read_spectra(path, encoding=encoding):
                if spectrum.precursor_mz is None:
                    raise InvalidInput("a suspect-screening spectrum needs a precursor m/z", field="precursor_mz",
                                       record=spectrum.record)
                found.append(Feature(spectrum.precursor_mz, spectrum.name, spectrum.get_float("retention_time"),
                                     [float(m) for m in spectrum.mz], [float(i) for i in spectrum.intensities]))
    else:
        for n, item in enumerate(features, start=1):
            found.append(item if isinstance(item, Feature) else Feature(float(item), f"feature {n}"))
    msms = None
    if msms_library is not None:
        from crystal_palace.spectra.library import SpectralLibrary

        msms = SpectralLibrary.open(msms_library)
    return screen_features(found, ppm=ppm, ion_mode=ion_mode, adducts=adducts, fragment_ppm=fragment_ppm,
                           msms_library=msms)

"""``/v1/spectra``: spectral libraries, spectrum search, LC-HRMS suspect screening.

``GET /v1/spectra/libraries``, ``POST /v1/spectra/libraries`` (import from file text),
``POST /v1/spectra/search`` and ``POST /v1/spectra/suspects``. Routes call only the workflow functions of
:mod:`crystal_palace.workflows.spectra`. The server never reads a path a client names: a library is
imported from the file's text in the request body. A query whose peaks are malformed is the client's
error (422 naming the record and field), as is an unknown library.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/spectra", tags=["spectra"])

MAX_SPECTRA = 500
MAX_PEAKS = 20_000


class SpectrumIn(BaseModel):
    """One query spectrum."""

    name: str = Field("query", max_length=500)
    peaks: list[tuple[float, float]] = Field(..., min_length=1, max_length=MAX_PEAKS,
                                             description="`[[mz, intensity], ...]`")
    precursor_mz: float | None = Field(None, gt=0, description="For MS/MS queries.")
    retention_index: float | None = None


class SearchRequest(BaseModel):
    """Spectra to search against an imported library."""

    library: str = Field(..., description="The name of an imported library (`GET /v1/spectra/libraries`).")
    spectra: list[SpectrumIn] = Field(..., min_length=1, max_length=MAX_SPECTRA)
    top: int = Field(5, ge=1, le=100)
    method: Literal["auto", "identity", "reverse", "open", "neutral_loss", "hybrid"] = "auto"
    ri_window: float | None = Field(None, gt=0)
    analogue: bool = True
    identify: bool = True
    legal: bool = True
    plot: bool = Field(False, description="Add a head-to-tail SVG of each query against its best hit (`svg`).")


class SearchResult(BaseModel):
    """The hits for one query (see `crystal_palace.search_spectra`)."""

    model_config = ConfigDict(extra="allow")
    query: str
    hits: list[dict[str, Any]]
    analogue: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class ImportRequest(BaseModel):
    """A library file's text to import."""

    name: str = Field(..., min_length=1, max_length=100)
    text: str = Field(..., min_length=1, description="The file's content (MSP, MGF, JCAMP-DX or mzML).")
    format: Literal["msp", "mgf", "jcamp", "mzml"] = "msp"
    kind: Literal["auto", "ei", "msms"] = "auto"
    replace: bool = False


class FeatureIn(BaseModel):
    """One LC-HRMS feature."""

    mz: float = Field(..., gt=0)
    name: str | None = None
    retention_time: float | None = None
    fragments: list[float] = Field(default_factory=list, max_length=MAX_PEAKS)


class SuspectRequest(BaseModel):
    """Features to screen against the reference library."""

    features: list[FeatureIn] = Field(..., min_length=1, max_length=10_000)
    ppm: float = Field(5.0, gt=0, le=100)
    ion_mode: Literal["positive", "negative"] = "positive"
    adducts: list[str] | None = None
    msms_library: str | None = None


_SUFFIX = {"msp": ".msp", "mgf": ".mgf", "jcamp": ".jdx", "mzml": ".mzML"}


@router.get("/libraries", summary="The imported spectral libraries")
def libraries() -> list[dict[str, Any]]:
    """Each imported library: name, kind (ei or msms), record count, source and when it was imported."""
    from crystal_palace import list_spectral_libraries

    return list_spectral_libraries()


@router.post("/libraries", responses=ERROR_RESPONSES, summary="Import a spectral library from a file's text")
def import_library(request: ImportRequest) -> dict[str, Any]:
    """Import all or nothing: a malformed record is a 422 naming it, and no library is left behind."""
    from crystal_palace import import_library as build

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{_SUFFIX[request.format]}"
        path.write_text(request.text, encoding="utf-8")
        return build(path, request.name, kind=request.kind, replace=request.replace, format=request.format)


@router.post("/search", response_model=list[SearchResult], responses=ERROR_RESPONSES,
             summary="Search spectra against an imported library")
def search(request: SearchRequest) -> list[dict[str, Any]]:
    """Hits per query with scores, identity, family and legal status, plus the analogue reading.

    EI hits carry the match factor and reverse match factor, MS/MS hits the entropy similarity.
    """
    from crystal_palace import search_spectra
    from crystal_palace.spectra.model import make_spectrum

    spectra = []
    for n, s in enumerate(request.spectra, start=1):
        meta = {"name": s.name}
        if s.precursor_mz is not None:
            meta["precursor_mz"] = str(s.precursor_mz)
        if s.retention_index is not None:
            meta["retention_index"] = str(s.retention_index)
        spectra.append(make_spectrum([p[0] for p in s.peaks], [p[1] for p in s.peaks], meta,
                                     record=f"spectra[{n - 1}] {s.name!r}"))
    if not request.plot:
        return search_spectra(spectra, request.library, top=request.top, method=request.method,
                              ri_window=request.ri_window, analogue=request.analogue, identify_hits=request.identify,
                              legal=request.legal)
    with tempfile.TemporaryDirectory() as tmp:
        results = search_spectra(spectra, request.library, top=request.top, method=request.method,
                                 ri_window=request.ri_window, analogue=request.analogue,
                                 identify_hits=request.identify, legal=request.legal, plot_dir=tmp)
        for result in results:
            plot = result.pop("plot", None)
            result["svg"] = Path(plot).read_text(encoding="utf-8") if plot else None
        return results


@router.post("/suspects", responses=ERROR_RESPONSES, summary="LC-HRMS suspect screening by accurate mass")
def suspects(request: SuspectRequest) -> list[dict[str, Any]]:
    """Candidates per feature from the reference library: adduct, ppm error, fragments explained."""
    from crystal_palace import suspect_screen
    from crystal_palace.spectra.hrms import Feature

    features = [Feature(f.mz, f.name or f"features[{n}]", f.retention_time, list(f.fragments))
                for n, f in enumerate(request.features)]
    return suspect_screen(features, ppm=request.ppm, ion_mode=request.ion_mode, adducts=request.adducts,
                          msms_library=request.msms_library)

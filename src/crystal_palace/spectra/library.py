"""Spectral libraries imported once into an indexed on-disk form, then memory-mapped for each search.

A library lives in ``crystal_palace.paths.spectral_library_dir(name)``:

``manifest.json``
    kind (``ei`` or ``msms``), record count, source file, weighting, format version.
``records.parquet``
    one row per spectrum: name, InChIKey, SMILES, formula, CAS, precursor m/z and type, ion mode,
    retention index, the record label, and every other field of the file as JSON.
``ei_indptr.npy``, ``ei_bins.npy``, ``ei_values.npy`` (EI)
    the spectra on the unit m/z grid as a CSR matrix (row ``i``'s peaks are
    ``bins[indptr[i]:indptr[i+1]]``), intensities scaled to 999;
``ei_colptr.npy``, ``ei_rows.npy``, ``ei_weights.npy`` (EI)
    the same matrix by m/z (an inverted index): for each nominal m/z, the spectra with a peak there
    and their weighted, unit-normalised values, so a query touches only the columns of its peaks;
``peaks_indptr.npy``, ``peaks_mz.npy``, ``peaks_intensity.npy`` (MS/MS)
    the accurate-mass peaks.

Import is all or nothing: everything is written into a temporary folder beside the final one and
renamed into place only when every record has been read and checked, so a bad record anywhere in the
file leaves no library (and an existing library of that name untouched).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from crystal_palace.exceptions import InvalidInput
from crystal_palace.spectra.model import Spectrum, make_spectrum
from crystal_palace.spectra.weighting import NIST_IDENTITY, Weighting, unit_bins

FORMAT_VERSION = 1
KINDS = ("ei", "msms")
RECORD_COLUMNS = ("record", "name", "inchikey", "smiles", "formula", "cas", "precursor_mz", "precursor_type",
                  "ion_mode", "retention_index", "metadata")
_CHUNK_ROWS = 200_000


def _valid_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise InvalidInput("a library name uses letters, digits, '-', '_' and '.', and does not start with '.'",
                           field="name", record=name or "(empty)")
    return name


def library_root() -> Path:
    """The folder that holds every imported library."""
    from crystal_palace.paths import spectral_library_dir

    return spectral_library_dir("x").parent


def library_path(name: str) -> Path:
    """The folder of the library called ``name`` (it may not exist yet)."""
    from crystal_palace.paths import spectral_library_dir

    return spectral_library_dir(_valid_name(name))


def record_row(spectrum: Spectrum) -> dict[str, Any]:
    """The metadata row of one spectrum in ``records.parquet``."""
    return {"record": spectrum.record, "name": spectrum.name, "inchikey": spectrum.get("inchikey") or "",
            "smiles": spectrum.get("smiles") or "", "formula": spectrum.get("formula") or "",
            "cas": spectrum.get("cas") or "",
            "precursor_mz": spectrum.precursor_mz if spectrum.precursor_mz is not None else math.nan,
            "precursor_type": spectrum.get("precursor_type") or "", "ion_mode": spectrum.get("ion_mode") or "",
            "retention_index": spectrum.retention_index if spectrum.retention_index is not None else math.nan,
            "metadata": json.dumps(spectrum.metadata, ensure_ascii=False)}


def _write_records(folder: Path, rows: dict[str, list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: rows[c] for c in RECORD_COLUMNS})
    pq.write_table(table, folder / "records.parquet")


def write_ei_index(folder: Path, indptr: npt.NDArray[np.int64], bins: npt.NDArray[np.uint16],
                   values: npt.NDArray[np.float32], weighting: Weighting = NIST_IDENTITY) -> None:
    """Write the EI CSR matrix and its inverted index (by m/z) into ``folder``.

    The inverted index is built in row chunks straight into memory-mapped output files, so that a
    library of a million spectra (about 10^8 peaks) is indexed within a few GB of memory.
    """
    n = indptr.size - 1
    np.save(folder / "ei_indptr.npy", indptr)
    np.save(folder / "ei_bins.npy", bins)
    np.save(folder / "ei_values.npy", values)
    n_bins = int(bins.max()) + 1 if bins.size else 1
    counts = np.bincount(bins, minlength=n_bins).astype(np.int64)
    colptr = np.zeros(n_bins + 1, dtype=np.int64)
    np.cumsum(counts, out=colptr[1:])
    np.save(folder / "ei_colptr.npy", colptr)
    rows_out = np.lib.format.open_memmap(folder / "ei_rows.npy", mode="w+", dtype=np.int32, shape=(bins.size,))
    weights_out = np.lib.format.open_memmap(folder / "ei_weights.npy", mode="w+", dtype=np.float32,
                                            shape=(bins.size,))
    offset = colptr[:-1].copy()
    for first in range(0, n, _CHUNK_ROWS):
        last = min(n, first + _CHUNK_ROWS)
        lo, hi = int(indptr[first]), int(indptr[last])
        chunk_bins = np.asarray(bins[lo:hi])
        lengths = np.diff(indptr[first:last + 1])
        rows = np.repeat(np.arange(first, last, dtype=np.int32), lengths)
        w = weighting.weights(chunk_bins, values[lo:hi])
        norms = np.sqrt(np.bincount(rows - first, weights=w * w, minlength=last - first))
        norms[norms == 0] = 1.0
        w /= norms[rows - first]
        order = np.argsort(chunk_bins, kind="stable")
        sorted_bins = chunk_bins[order]
        chunk_counts = np.bincount(sorted_bins, minlength=n_bins)
        chunk_start = np.zeros(n_bins, dtype=np.int64)
        np.cumsum(chunk_counts[:-1], out=chunk_start[1:])
        dest = offset[sorted_bins] + (np.arange(sorted_bins.size, dtype=np.int64) - chunk_start[sorted_bins])
        rows_out[dest] = rows[order]
        weights_out[dest] = w[order].astype(np.float32)
        offset += chunk_counts
    rows_out.flush()
    weights_out.flush()
    del rows_out, weights_out


def _write_manifest(folder: Path, **fields: Any) -> None:
    manifest = {"format_version": FORMAT_VERSION, "created": datetime.datetime.now(datetime.UTC).isoformat(
        timespec="seconds"), "build_id": uuid.uuid4().hex, **fields}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")


class _Collector:
    """Accumulates checked spectra as arrays for one library (EI: unit bins; MS/MS: accurate peaks)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows: dict[str, list[Any]] = {c: [] for c in RECORD_COLUMNS}
        self.lengths: list[int] = []
        self.parts_a: list[np.ndarray] = []
        self.parts_b: list[np.ndarray] = []

    def add(self, spectrum: Spectrum) -> None:
        if self.kind == "ei":
            bins, values = unit_bins(spectrum.mz, spectrum.intensities)
            if bins.size == 0:
                raise InvalidInput("no peak on the unit m/z grid (1..65535)", field="peaks", record=spectrum.record)
            self.parts_a.append(bins)
            self.parts_b.append(values)
        else:
            if spectrum.precursor_mz is None:
                raise InvalidInput("an MS/MS library record needs a precursor m/z", field="precursor_mz",
                                   record=spectrum.record)
            self.parts_a.append(spectrum.mz)
            self.parts_b.append((spectrum.intensities / spectrum.intensities.max()).astype(np.float32))
        self.lengths.append(self.parts_a[-1].size)
        for key, value in record_row(spectrum).items():
            self.rows[key].append(value)

    def indptr(self) -> npt.NDArray[np.int64]:
        out = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=out[1:])
        return out


@dataclass(frozen=True)
class LibraryInfo:
    """What :func:`import_library` built, for the CLI's summary and the API."""

    name: str
    kind: str
    count: int
    path: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "kind": self.kind, "count": self.count, "path": self.path, "source": self.source}


def _guess_kind(spectra: list[Spectrum]) -> str:
    with_precursor = sum(1 for s in spectra if s.precursor_mz is not None)
    return "msms" if with_precursor * 2 > len(spectra) else "ei"


def build_library(spectra: Iterable[Spectrum], name: str, *, kind: str = "auto", replace: bool = False,
                  source: str = "", weighting: Weighting = NIST_IDENTITY) -> LibraryInfo:
    """Index spectra into the library ``name``, all or nothing (see the module docstring).

    Raises
    ------
    InvalidInput
        When the library exists and ``replace`` is false, when ``kind`` is unknown, when there are no
        spectra, or for the first bad record (naming it); nothing is left behind in any of these cases.
    """
    final = library_path(name)
    if final.exists() and not replace:
        raise InvalidInput(f"a library called {name!r} already exists (import with replace to overwrite it)",
                           field="name", record=name)
    if kind not in ("auto", *KINDS):
        raise InvalidInput(f"unknown library kind {kind!r}; use auto, ei or msms", field="kind", record=name)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.importing-", dir=final.parent))
    try:
        iterator: Iterator[Spectrum] = iter(spectra)
        head: list[Spectrum] = []
        for spectrum in iterator:
            head.append(spectrum)
            if len(head) >= 50:
                break
        if not head:
            raise InvalidInput("the source holds no spectra", field="spectra", record=source or name)
        chosen = _guess_kind(head) if kind == "auto" else kind
        collector = _Collector(chosen)
        for spectrum in head:
            collector.add(spectrum)
        for spectrum in iterator:
            collector.add(spectrum)
        indptr = collector.indptr()
        if chosen == "ei":
            write_ei_index(tmp, indptr, np.concatenate(collector.parts_a), np.concatenate(collector.parts_b),
                           weighting)
        else:
            np.save(tmp / "peaks_indptr.npy", indptr)
            np.save(tmp / "peaks_mz.npy", np.concatenate(collector.parts_a).astype(np.float64))
            np.save(tmp / "peaks_intensity.npy", np.concatenate(collector.parts_b).astype(np.float32))
        _write_records(tmp, collector.rows)
        count = len(collector.lengths)
        _write_manifest(tmp, name=name, kind=chosen, count=count, source=source,
                        weighting={"intensity_power": weighting.intensity_power, "mz_power": weighting.mz_power})
        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return LibraryInfo(name, chosen, count, str(final), source)


def build_ei_from_arrays(name: str, indptr: npt.NDArray[np.int64], bins: npt.NDArray[np.uint16],
                         values: npt.NDArray[np.float32], names: list[str], *, replace: bool = False,
                         source: str = "arrays", weighting: Weighting = NIST_IDENTITY) -> LibraryInfo:
    """Index an EI library given directly as a CSR matrix (unique, sorted bins per row; values scaled to 999).

    For generated or converted libraries too large to pass through text (the benchmark's 10^6 spectra);
    all or nothing like :func:`build_library`.
    """
    final = library_path(name)
    if final.exists() and not replace:
        raise InvalidInput(f"a library called {name!r} already exists", field="name", record=name)
    if indptr.size != len(names) + 1 or int(indptr[-1]) != bins.size or bins.size != values.size:
        raise InvalidInput("indptr, bins, values and names do not agree in size", field="arrays", record=name)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.importing-", dir=final.parent))
    try:
        write_ei_index(tmp, indptr, bins, values, weighting)
        nan = [math.nan] * len(names)
        empty = [""] * len(names)
        _write_records(tmp, {"record": names, "name": names, "inchikey": empty, "smiles": empty, "formula": empty,
                             "cas": empty, "precursor_mz": nan, "precursor_type": empty, "ion_mode": empty,
                             "retention_index": nan, "metadata": ["{}"] * len(names)})
        _write_manifest(tmp, name=name, kind="ei", count=len(names), source=source,
                        weighting={"intensity_power": weighting.intensity_power, "mz_power": weighting.mz_power})
        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return LibraryInfo(name, "ei", len(names), str(final), source)


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Rename the finished folder into place (an old library is moved aside first, then removed)."""
    old: Path | None = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    try:
        tmp.rename(final)
    except BaseException:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def import_library(path: str | Path, name: str, *, kind: str = "auto", replace: bool = False,
                   format: str | None = None, encoding: str = "utf-8",
                   weighting: Weighting = NIST_IDENTITY) -> LibraryInfo:
    """Read a spectrum file (MSP, MGF, JCAMP-DX, mzML) and index it as the library ``name``, all or nothing."""
    from crystal_palace.spectra.formats import iter_spectra

    return build_library(iter_spectra(path, format=format, encoding=encoding), name, kind=kind, replace=replace,
                         source=str(Path(path).resolve()), weighting=weighting)


class SpectralLibrary:
    """An imported library, memory-mapped: open it once and search it many times."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise InvalidInput(f"no spectral library at {folder} (import one first)", field="library",
                               record=folder.name)
        self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if self.manifest.get("format_version") != FORMAT_VERSION:
            raise InvalidInput(f"library format {self.manifest.get('format_version')} is not {FORMAT_VERSION}; "
                               "import it again", field="library", record=folder.name)
        self.name: str = self.manifest.get("name", folder.name)
        self.kind: str = self.manifest["kind"]
        self.count: int = int(self.manifest["count"])
        w = self.manifest.get("weighting") or {}
        self.weighting = Weighting(float(w.get("intensity_power", 0.6)), float(w.get("mz_power", 3.0)))

    @classmethod
    def open(cls, name_or_path: str | Path) -> SpectralLibrary:
        """Open a library by name (under the user's data home) or by folder path."""
        candidate = Path(name_or_path)
        if isinstance(name_or_path, Path) or os.sep in str(name_or_path):
            return cls(candidate)
        folder = library_path(str(name_or_path))
        if not folder.exists():
            known = ", ".join(i["name"] for i in list_libraries()) or "none"
            raise InvalidInput(f"no spectral library called {name_or_path!r} (imported: {known})", field="library",
                               record=str(name_or_path))
        return cls(folder)

    def _array(self, stem: str) -> np.ndarray:
        mapped = np.load(self.folder / f"{stem}.npy", mmap_mode="r")
        array: np.ndarray = mapped.view(np.ndarray)  # plain views: slicing a np.memmap costs per call
        return array

    @cached_property
    def ei(self) -> dict[str, np.ndarray]:
        """The EI arrays (CSR and inverted index), memory-mapped."""
        if self.kind != "ei":
            raise InvalidInput(f"library {self.name!r} holds MS/MS spectra, not EI", field="library", record=self.name)
        return {k: self._array(f"ei_{k}") for k in ("indptr", "bins", "values", "colptr", "rows", "weights")}

    @cached_property
    def peak_arrays(self) -> dict[str, np.ndarray]:
        """The MS/MS peak arrays (``indptr``, ``mz``, ``intensity``), memory-mapped."""
        if self.kind != "msms":
            raise InvalidInput(f"library {self.name!r} holds EI spectra", field="library", record=self.name)
        return {k: self._array(f"peaks_{k}") for k in ("indptr", "mz", "intensity")}

    @cached_property
    def records(self) -> Any:
        """The records table (pyarrow), memory-mapped."""
        import pyarrow.parquet as pq

        return pq.read_table(self.folder / "records.parquet", memory_map=True)

    @cached_property
    def retention_indices(self) -> npt.NDArray[np.float64]:
        """Retention index per record (NaN where the record has none)."""
        return np.asarray(self.records.column("retention_index").to_numpy(), dtype=np.float64)

    @cached_property
    def precursor_mzs(self) -> npt.NDArray[np.float64]:
        """Precursor m/z per record (NaN for EI)."""
        return np.asarray(self.records.column("precursor_mz").to_numpy(), dtype=np.float64)

    def record(self, index: int) -> dict[str, Any]:
        """The metadata row of record ``index`` (``metadata`` decoded)."""
        row: dict[str, Any] = {c: self.records.column(c)[index].as_py() for c in RECORD_COLUMNS}
        row["metadata"] = json.loads(row["metadata"])
        for key in ("precursor_mz", "retention_index"):
            if isinstance(row[key], float) and math.isnan(row[key]):
                row[key] = None
        return row

    def spectrum(self, index: int) -> Spectrum:
        """Record ``index`` as a spectrum (EI: on the unit grid, intensities scaled to 999)."""
        row = self.record(index)
        if self.kind == "ei":
            a = self.ei
            lo, hi = int(a["indptr"][index]), int(a["indptr"][index + 1])
            mz, heights = np.asarray(a["bins"][lo:hi], np.float64), np.asarray(a["values"][lo:hi], np.float64)
        else:
            p = self.peak_arrays
            lo, hi = int(p["indptr"][index]), int(p["indptr"][index + 1])
            mz = np.asarray(p["mz"][lo:hi], np.float64)
            heights = np.asarray(p["intensity"][lo:hi], np.float64)
        return make_spectrum(mz, heights, row["metadata"], record=row["record"])

    def spectra(self) -> Iterator[Spectrum]:
        """Every record as a spectrum, in library order."""
        for i in range(self.count):
            yield self.spectrum(i)

    def info(self) -> dict[str, Any]:
        """The manifest, with the folder and its size on disk."""
        size = sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())
        return {**self.manifest, "path": str(self.folder), "bytes": size}


def list_libraries() -> list[dict[str, Any]]:
    """Every imported library's manifest (name, kind, count, source, created), by name."""
    root = library_root()
    if not root.exists():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        manifest = folder / "manifest.json"
        if folder.name.startswith(".") or not manifest.is_file():
            continue
        found.append({**json.loads(manifest.read_text(encoding="utf-8")), "path": str(folder)})
    return found


def delete_library(name: str) -> None:
    """Remove an imported library."""
    folder = library_path(name)
    if not (folder / "manifest.json").is_file():
        raise InvalidInput(f"no spectral library called {name!r}", field="library", record=name)
    shutil.rmtree(folder)

"""The reference substance library: loading, validation and lookup indexes.

The library is data (``crystal_palace/data/substances/*.csv``, schema in ``docs/reference-data.md``);
this module turns it into indexes for identity (full InChIKey, connectivity block), names (normalised
keys), CAS numbers and fingerprints. A file that breaks the schema is rejected whole, with every
problem and its line, so that a user-supplied update cannot half-load.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator, rdMolDescriptors

from crystal_palace.chemistry.cas import require_valid_cas
from crystal_palace.chemistry.names import name_key
from crystal_palace.chemistry.rdkit_typed import inchikey, quiet_rdkit
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.chemistry.vocabulary import CONTROL_CODES, FAMILIES
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData

COLUMNS = ("id", "name", "synonyms", "cas", "smiles", "inchikey", "family", "controlled_under", "source")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048


@lru_cache(maxsize=1)
def fingerprint_generator() -> rdFingerprintGenerator.FingerprintGenerator64:
    """The one Morgan generator used for the library and every query, so that scores compare."""
    return rdFingerprintGenerator.GetMorganGenerator(radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS)


def fingerprint_bits(mol: Chem.Mol) -> tuple[int, ...]:
    """The set bits of the molecule's Morgan fingerprint, the form the similarity search uses.

    A query sets a few dozen of the 2048 bits, so its on-bits index the library's bit matrix
    directly (:meth:`Library.similar_many`); no dense or packed copy of the fingerprint is made.
    They are read as the keys of the folded count fingerprint, which has the same bits set: RDKit
    hands them over as a dict in one call, where iterating ``GetOnBits()`` costs a call per bit.
    """
    return tuple(fingerprint_generator().GetCountFingerprint(mol).GetNonzeroElements())


def packed_fingerprint(mol: Chem.Mol) -> np.ndarray:
    """The molecule's Morgan fingerprint as 64-bit words (for :meth:`Library.similar`)."""
    return np.packbits(fingerprint_generator().GetFingerprintAsNumPy(mol)).view(np.uint64)


@dataclass(frozen=True)
class Substance:
    """One library entry, with its parent structure and derived keys."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    cas: tuple[str, ...]
    smiles: str
    inchikey: str
    family: str
    controlled_under: tuple[str, ...]
    source: str
    mol: Chem.Mol = field(repr=False, compare=False)
    origin: str = field(default="", compare=False)

    @property
    def controlled(self) -> bool:
        """True when at least one instrument is recorded as controlling the substance."""
        return bool(self.controlled_under)

    @property
    def has_stereo(self) -> bool:
        """True when the entry is a defined stereoisomer (its key's second block is not the default)."""
        return "@" in self.smiles or "/" in self.smiles or "\\" in self.smiles


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split("|") if v.strip())


def parse_rows(text: str, origin: str) -> list[Substance]:
    """Validate the rows of one library CSV and return its entries; raise with every problem found."""
    problems: list[tuple[int | None, str]] = []
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InvalidReferenceData(origin, [(1, f"header must be {','.join(COLUMNS)}; found {reader.fieldnames}")])
    entries: list[Substance] = []
    with quiet_rdkit():
        for row in reader:
            entry = _parse_row(row, reader.line_num, origin, problems)
            if entry is not None:
                entries.append(entry)
    if problems:
        raise InvalidReferenceData(origin, problems)
    return entries


def _parse_row(row: dict[str, str], line: int, origin: str,
               problems: list[tuple[int | None, str]]) -> Substance | None:
    if None in row or any(v is None for v in row.values()):
        problems.append((line, "wrong number of fields"))
        return None
    before = len(problems)
    sid = row["id"].strip()
    if not _ID.match(sid):
        problems.append((line, f"id {sid!r} must match {_ID.pattern}"))
    for required in ("name", "smiles", "inchikey", "family", "source"):
        if not row[required].strip():
            problems.append((line, f"{required} is empty"))
    if row["family"].strip() not in FAMILIES:
        problems.append((line, f"family {row['family']!r} is not in the vocabulary"))
    codes = _split(row["controlled_under"])
    for code in codes:
        if code not in CONTROL_CODES:
            problems.append((line, f"controlled_under code {code!r} is not in the vocabulary"))
    cas_numbers: list[str] = []
    for cas in _split(row["cas"]):
        try:
            cas_numbers.append(require_valid_cas(cas, record=sid))
        except InvalidInput as exc:
            problems.append((line, exc.reason))
    mol = Chem.MolFromSmiles(row["smiles"].strip()) if row["smiles"].strip() else None
    if mol is None:
        problems.append((line, f"smiles {row['smiles']!r} does not parse"))
        return None
    parent = standardize(mol).mol
    key = inchikey(parent)
    if key != row["inchikey"].strip():
        problems.append((line, f"inchikey {row['inchikey']!r} does not match the structure ({key})"))
    if len(problems) > before:
        return None
    return Substance(
        id=sid, name=row["name"].strip(), synonyms=_split(row["synonyms"]), cas=tuple(cas_numbers),
        smiles=row["smiles"].strip(), inchikey=key, family=row["family"].strip(),
        controlled_under=codes, source=row["source"].strip(), mol=parent, origin=origin,
    )


class Library:
    """Indexes over the substance entries: identity, names, CAS numbers and fingerprints."""

    def __init__(self, entries: Sequence[Substance]) -> None:
        self.entries: tuple[Substance, ...] = tuple(entries)
        self.by_id: dict[str, Substance] = {}
        self.by_inchikey: dict[str, Substance] = {}
        self.by_connectivity: dict[str, list[Substance]] = defaultdict(list)
        self.by_name: dict[str, Substance] = {}
        self.by_cas: dict[str, Substance] = {}
        problems: list[tuple[int | None, str]] = []
        for e in self.entries:
            self._claim(self.by_id, e.id, e, "id", problems)
            self._claim(self.by_inchikey, e.inchikey, e, "InChIKey", problems)
            self.by_connectivity[e.inchikey[:14]].append(e)
            for cas in e.cas:
                self._claim(self.by_cas, cas, e, "CAS", problems)
            for label in {name_key(n) for n in (e.name, e.id, *e.synonyms)} - {""}:
                self._claim(self.by_name, label, e, "name", problems)
        if problems:
            raise InvalidReferenceData("substance library", problems)
        self.formula_by_id = {e.id: rdMolDescriptors.CalcMolFormula(e.mol) for e in self.entries}
        controlled = [i for i, e in enumerate(self.entries) if e.controlled and e.family != "none"]
        self.controlled_index = sorted(controlled, key=lambda i: self.entries[i].id)
        self._controlled_entries = tuple(self.entries[i] for i in self.controlled_index)
        # bit b of the fingerprint of controlled entry j is _bit_rows[b, j]: a query's on-bits pick the
        # rows whose sum is its intersection with every entry at once
        bits = np.zeros((FINGERPRINT_BITS, len(self._controlled_entries)), dtype=np.uint16)
        for j, e in enumerate(self._controlled_entries):
            bits[list(fingerprint_bits(e.mol)), j] = 1
        self._bit_rows = bits
        self._controlled_counts = bits.sum(axis=0, dtype=np.int64)

    @staticmethod
    def _claim(index: dict[str, Substance], key: str, entry: Substance, what: str,
               problems: list[tuple[int | None, str]]) -> None:
        other = index.get(key)
        if other is not None and other is not entry:
            problems.append((None, f"{what} {key!r} is claimed by both {other.id} ({other.origin}) "
                                   f"and {entry.id} ({entry.origin})"))
        else:
            index[key] = entry

    def __len__(self) -> int:
        return len(self.entries)

    def similar(self, fp: np.ndarray, k: int) -> list[tuple[Substance, float]]:
        """Top-``k`` controlled entries by Tanimoto similarity (ties broken by id).

        ``fp`` is the query's Morgan fingerprint packed into 64-bit words (:func:`packed_fingerprint`);
        :meth:`similar_many` takes on-bits (:func:`fingerprint_bits`) and a whole batch at once.
        """
        bits = tuple(np.flatnonzero(np.unpackbits(np.ascontiguousarray(fp).view(np.uint8))).tolist())
        return self.similar_many([bits], k)[0]

    def similar_many(self, queries: Sequence[Sequence[int]], k: int) -> list[list[tuple[Substance, float]]]:
        """For each query (the on-bits of its fingerprint), the top-``k`` controlled entries by Tanimoto.

        Ties are broken by id. This runs on every row of a batch screen, so a chunk of queries is
        scored with a few numpy calls: each query's intersection with every entry is the sum of the
        library bit-matrix rows its on-bits select, and the top ``k`` of each row of scores are found
        by one partition over the whole chunk, keeping every entry tied with the ``k``-th.
        """
        n, m = len(queries), len(self._controlled_entries)
        if not m or k <= 0 or not n:
            return [[] for _ in range(n)]
        k = min(k, m)
        rows = self._bit_rows
        inter = np.empty((n, m), dtype=np.uint16)  # at most FINGERPRINT_BITS
        for i, bits in enumerate(queries):
            rows.take(bits, axis=0).sum(axis=0, dtype=np.uint16, out=inter[i])
        sizes = np.fromiter(map(len, queries), dtype=np.int64, count=n)
        union = self._controlled_counts + sizes[:, None] - inter
        scores = np.divide(inter, union, out=np.zeros((n, m)), where=union > 0)
        kth = np.partition(scores, m - k, axis=1)[:, m - k]
        # every entry scoring at least the k-th best, ordered by query, then score, then id (position)
        at, col = np.nonzero(scores >= kth[:, None])
        value = scores[at, col]
        order = np.lexsort((col, -value, at))
        out: list[list[tuple[Substance, float]]] = [[] for _ in range(n)]
        entries = self._controlled_entries
        for i, j, score in zip(at[order].tolist(), col[order].tolist(), value[order].tolist(), strict=True):
            hits = out[i]
            if len(hits) < k:
                hits.append((entries[j], score))
        return out

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> Library:
        """Build a library from CSV files (the packaged ones, a user's own, or both)."""
        entries: list[Substance] = []
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidReferenceData(str(path), [(None, f"not UTF-8 text: {exc}")]) from exc
            entries.extend(parse_rows(text, str(path)))
        return cls(entries)


def packaged_library_files() -> list[Path]:
    """The library CSV files shipped inside the package, in a stable order."""
    root = resources.files("crystal_palace") / "data" / "substances"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".csv"))


@lru_cache(maxsize=1)
def default_library() -> Library:
    """The packaged library, loaded once per process (from the on-disk copy when the files are unchanged).

    See :mod:`crystal_palace.chemistry.library_cache`: validating and indexing the files costs about a
    second, which every command and worker would otherwise pay.
    """
    from crystal_palace.chemistry.library_cache import cached

    files = packaged_library_files()
    return cached(files, "library", lambda: Library.from_paths(files))

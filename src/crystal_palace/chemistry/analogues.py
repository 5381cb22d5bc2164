"""Nearest controlled analogues: who is this structure closest to, and what differs.

Similarity is Tanimoto on Morgan fingerprints (radius 2, 2048 bits), the usual first look in
forensic NPS work. The difference is said two ways: always as a formula difference (cheap, so it is
given on every row of a batch screen), and on request as a maximum common substructure with the
atoms outside it on each side (what a chemist reads to see "a chlorine added on the ring").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFMCS, rdMolDescriptors

from crystal_palace.chemistry.library import Library, Substance

MCS_TIMEOUT_S = 2
_FORMULA_ATOM_ORDER = ("C", "H")


_FORMULA_PART = re.compile(r"([A-Z][a-z]?)(\d*)")


@lru_cache(maxsize=2048)
def _composition_of_formula(formula: str) -> Counter[str]:
    return Counter({el: int(n or 1) for el, n in _FORMULA_PART.findall(formula.split("+")[0].split("-")[0])})


def formula_delta(query: Chem.Mol | str, reference: Chem.Mol | str) -> str:
    """Difference in composition, query minus reference, in Hill order (e.g. "+CH2", "-H +Cl").

    Either side may be given as a molecule or as its formula.

    >>> formula_delta(Chem.MolFromSmiles("CCN"), Chem.MolFromSmiles("CN"))
    '+CH2'
    >>> formula_delta("C10H12ClNO", "C10H13NO")
    '+Cl -H'
    """
    q = query if isinstance(query, str) else rdMolDescriptors.CalcMolFormula(query)
    r = reference if isinstance(reference, str) else rdMolDescriptors.CalcMolFormula(reference)
    return _formula_delta(q, r)


def _count(element: str, n: int) -> str:
    return element if n == 1 else f"{element}{n}"


@lru_cache(maxsize=8192)
def _formula_delta(query: str, reference: str) -> str:
    # isomers and homologues repeat the same formula pairs all through a batch screen: cache them
    # (a bounded few MB, filled within the first thousands of rows, so a long screen stays flat)
    q, r = _composition_of_formula(query), _composition_of_formula(reference)
    present = q.keys() | r.keys()
    elements = [e for e in _FORMULA_ATOM_ORDER if e in present]
    elements += sorted(present.difference(_FORMULA_ATOM_ORDER))  # Hill order
    plus, minus = [], []
    for e in elements:
        d = q[e] - r[e]
        if d > 0:
            plus.append(_count(e, d))
        elif d < 0:
            minus.append(_count(e, -d))
    parts = ([f"+{''.join(plus)}"] if plus else []) + ([f"-{''.join(minus)}"] if minus else [])
    return " ".join(parts) if parts else "same formula"


@dataclass(frozen=True)
class Difference:
    """What lies outside the maximum common substructure on each side."""

    mcs_smarts: str
    common_atoms: int
    query_atoms: tuple[int, ...]
    reference_atoms: tuple[int, ...]
    query_fragment: str
    reference_fragment: str
    complete: bool

    def summary(self) -> str:
        """One sentence a chemist can read."""
        if not self.query_atoms and not self.reference_atoms:
            return f"same skeleton ({self.common_atoms} atoms in common); differs in stereo or bond orders"
        note = "" if self.complete else " (search timed out: common part may be larger)"
        if self.query_fragment and self.reference_fragment:
            what = f"query has {self.query_fragment} where the reference has {self.reference_fragment}"
        elif self.query_fragment:
            what = f"query adds {self.query_fragment}"
        else:
            what = f"query lacks {self.reference_fragment} of the reference"
        return f"{self.common_atoms} atoms in common; {what}{note}"


def _outside_fragment(mol: Chem.Mol, atoms: tuple[int, ...]) -> str:
    if not atoms:
        return ""
    return Chem.MolFragmentToSmiles(mol, atomsToUse=list(atoms), canonical=True)


def difference(query: Chem.Mol, reference: Chem.Mol) -> Difference:
    """Maximum common substructure of the two, with the atoms outside it on each side."""
    result = rdFMCS.FindMCS(
        [query, reference], timeout=MCS_TIMEOUT_S, ringMatchesRingOnly=True, completeRingsOnly=True,
        atomCompare=rdFMCS.AtomCompare.CompareElements, bondCompare=rdFMCS.BondCompare.CompareOrder,
    )
    if result.numAtoms == 0:
        return Difference("", 0, tuple(range(query.GetNumAtoms())), tuple(range(reference.GetNumAtoms())),
                          Chem.MolToSmiles(query), Chem.MolToSmiles(reference), not result.canceled)
    pattern = Chem.MolFromSmarts(result.smartsString)
    q_match = query.GetSubstructMatch(pattern)
    r_match = reference.GetSubstructMatch(pattern)
    q_out = tuple(i for i in range(query.GetNumAtoms()) if i not in set(q_match))
    r_out = tuple(i for i in range(reference.GetNumAtoms()) if i not in set(r_match))
    return Difference(result.smartsString, result.numAtoms, q_out, r_out,
                      _outside_fragment(query, q_out), _outside_fragment(reference, r_out), not result.canceled)


def nearest_analogues(mol: Chem.Mol, fingerprint: np.ndarray, library: Library, *, k: int = 5,
                      exclude_connectivity: str | None = None, explain: bool = True,
                      formula: str | None = None) -> list[dict[str, Any]]:
    """Top-``k`` controlled library entries by similarity, each with what differs.

    Entries sharing ``exclude_connectivity`` (the query's own InChIKey first block) are stereoisomers
    or the identity itself, not analogues, and are left out.
    """
    if k <= 0:
        return []
    return analogues_from_hits(mol, library.similar(fingerprint, k + EXTRA_HITS), library, k=k,
                               exclude_connectivity=exclude_connectivity, explain=explain, formula=formula)


EXTRA_HITS = 4
"""Hits asked for beyond ``k``: entries sharing the query's connectivity are dropped from the top."""


def analogues_from_hits(mol: Chem.Mol, hits: list[tuple[Substance, float]], library: Library, *, k: int = 5,
                        exclude_connectivity: str | None = None, explain: bool = True,
                        formula: str | None = None) -> list[dict[str, Any]]:
    """The first ``k`` of ``hits`` that are not the query's own connectivity, as analogue items.

    ``hits`` come from :meth:`Library.similar_many`, asked for ``k + EXTRA_HITS``; the items are those
    of :func:`nearest_analogues`.
    """
    if k <= 0:
        return []
    formula = formula or rdMolDescriptors.CalcMolFormula(mol)
    formulas = library.formula_by_id
    out: list[dict[str, Any]] = []
    for entry, score in hits:
        if exclude_connectivity and entry.inchikey[:14] == exclude_connectivity:
            continue
        out.append(_analogue(mol, formula, entry, formulas[entry.id], score, explain))
        if len(out) == k:
            break
    return out


def _analogue(mol: Chem.Mol, formula: str, entry: Substance, entry_formula: str, score: float,
              explain: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id, "name": entry.name, "inchikey": entry.inchikey, "family": entry.family,
        "similarity": round(float(score), 3), "formula": entry_formula,
        "formula_delta": _formula_delta(formula, entry_formula), "controlled_under": list(entry.controlled_under),
    }
    if explain:
        diff = difference(mol, entry.mol)
        item["differs"] = {
            "summary": diff.summary(), "mcs_smarts": diff.mcs_smarts, "common_atoms": diff.common_atoms,
            "query_atoms": list(diff.query_atoms), "reference_atoms": list(diff.reference_atoms),
            "query_fragment": diff.query_fragment, "reference_fragment": diff.reference_fragment,
        }
    return item

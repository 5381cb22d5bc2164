"""Standardise a structure to its parent: the form a legal list or a library names.

Seized material arrives as salts (hydrochlorides, fumarates), hydrates, charged species and with
solvent in the record. Identity is decided on the *parent*: the largest organic fragment, neutralised.
What was removed or changed is returned with the result, because a forensic report must say it.

The pipeline is kept fast on purpose (it runs on every row of a 100,000-structure screen): charge
normalisation runs only when the molecule carries charges, and fragments are chosen without the
heavier MolStandardize cleanup when there is only one. A canonical tautomer is computed on demand
(:func:`canonical_tautomer`), because the standard InChI already merges the mobile-hydrogen tautomers
that matter for identity, and the full enumeration costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rdkit import Chem, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize

from crystal_palace.exceptions import InvalidInput


@dataclass(frozen=True)
class StandardizedMol:
    """A parent structure with the record of what standardisation did to reach it."""

    mol: Chem.Mol
    removed_fragments: tuple[str, ...] = ()
    neutralised: bool = False
    changes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """True when the parent differs from the input as given (salt, solvent, charge)."""
        return bool(self.removed_fragments) or self.neutralised


@lru_cache(maxsize=1)
def _uncharger() -> rdMolStandardize.Uncharger:
    return rdMolStandardize.Uncharger(canonicalOrder=True)


@lru_cache(maxsize=1)
def _normalizer() -> rdMolStandardize.Normalizer:
    return rdMolStandardize.Normalizer()


@lru_cache(maxsize=1)
def _tautomer_enumerator() -> rdMolStandardize.TautomerEnumerator:
    enumerator = rdMolStandardize.TautomerEnumerator()
    enumerator.SetMaxTautomers(200)
    enumerator.SetMaxTransforms(200)
    return enumerator


def _fragment_rank(frag: Chem.Mol) -> tuple[int, int, int, str]:
    """Sort key: organic first, then most heavy atoms, then heaviest, then SMILES for determinism."""
    organic = any(a.GetAtomicNum() == 6 for a in frag.GetAtoms())
    heavy = frag.GetNumHeavyAtoms()
    mass = sum(a.GetAtomicNum() for a in frag.GetAtoms())
    return (int(organic), heavy, mass, Chem.MolToSmiles(frag))


_CARBON = Chem.MolFromSmarts("[#6]")


def _parent_fragment(frags: Sequence[Chem.Mol]) -> int:
    """Index of the fragment that ranks first by :func:`_fragment_rank` (the first of equals).

    The rank's leading keys are cheap C++ calls; its costlier keys (an atom loop, a SMILES) are
    computed only for the fragments that tie on the keys before them, which in a salt is rare.
    """
    candidates = list(range(len(frags)))
    keys: list[Callable[[Chem.Mol], Any]] = [
        lambda f: int(f.HasSubstructMatch(_CARBON)), lambda f: f.GetNumHeavyAtoms(),
        lambda f: sum(a.GetAtomicNum() for a in f.GetAtoms()), Chem.MolToSmiles]
    for key in keys:
        if len(candidates) == 1:
            break
        values = [key(frags[i]) for i in candidates]
        best = max(values)
        candidates = [i for i, v in zip(candidates, values, strict=True) if v == best]
    return candidates[0]


_CHARGED = Chem.MolFromSmarts("[+,-]")


def _has_charge(mol: Chem.Mol) -> bool:
    # a SMARTS test runs in C++: ten times faster than looping over atoms in Python on every row
    return bool(mol.HasSubstructMatch(_CHARGED))


def standardize(mol: Chem.Mol | None, *, record: str | None = None,
                single_fragment: bool = False) -> StandardizedMol:
    """Return the parent of ``mol`` and what was removed or changed to reach it.

    The input molecule is never modified. ``single_fragment`` says that the caller knows ``mol`` to
    be one connected fragment (parsed from a SMILES without ``.``), which spares the fragment search.

    >>> s = standardize(Chem.MolFromSmiles("CNC(C)Cc1ccc2OCOc2c1.Cl"))
    >>> Chem.MolToSmiles(s.mol), s.removed_fragments
    ('CNC(C)Cc1ccc2c(c1)OCO2', ('Cl',))
    """
    if mol is None:
        raise InvalidInput("no structure to standardise", field="structure", record=record)
    if mol.GetNumAtoms() == 0:
        raise InvalidInput("the structure has no atoms", field="structure", record=record)
    changes: list[str] = []
    removed: tuple[str, ...] = ()
    if not single_fragment and len(Chem.GetMolFrags(mol)) > 1:
        frags = Chem.GetMolFrags(mol, asMols=True)  # new molecules, not views of the input
        chosen = _parent_fragment(frags)
        parent = frags[chosen]
        removed = tuple(sorted(Chem.MolToSmiles(f) for i, f in enumerate(frags) if i != chosen))
        changes.append("removed fragments: " + ", ".join(removed))
    else:
        parent = mol  # unchanged: shared, never modified (every later step copies before editing)
    neutralised = False
    if _has_charge(parent):
        before = Chem.MolToSmiles(parent)
        with rdBase.BlockLogs():  # MolStandardize logs every call at info level
            parent = _normalizer().normalize(parent)
            parent = _uncharger().uncharge(parent)
        after = Chem.MolToSmiles(parent)
        if after != before:
            neutralised = True
            changes.append(f"neutralised: {before} -> {after}")
    return StandardizedMol(mol=parent, removed_fragments=removed, neutralised=neutralised, changes=tuple(changes))


def canonical_tautomer(mol: Chem.Mol) -> Chem.Mol:
    """RDKit's canonical tautomer; bounded so that a pathological input cannot run away."""
    return _tautomer_enumerator().Canonicalize(mol)

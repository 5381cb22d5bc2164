"""Typed wrappers for the few RDKit calls whose bundled stubs are missing or untyped.

Keeping them here lets the rest of the package stay under ``mypy --strict`` without scattering
``type: ignore`` comments, and gives one place to silence RDKit's console logging.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rdkit import Chem, rdBase


def inchikey(mol: Chem.Mol) -> str:
    """Standard InChIKey ('' when InChI cannot represent the molecule)."""
    return str(Chem.MolToInchiKey(mol))  # type: ignore[no-untyped-call]


def mol_from_inchi(inchi: str) -> Chem.Mol | None:
    """Parse an InChI string; None when it does not parse."""
    mol: Chem.Mol | None = Chem.MolFromInchi(inchi)  # type: ignore[no-untyped-call]
    return mol


@contextmanager
def quiet_rdkit() -> Iterator[None]:
    """Silence RDKit's parse warnings on stderr; callers report problems themselves, per record."""
    # BlockLogs restores the previous log state on exit; EnableLog("rdApp.*") would also switch on
    # RDKit's info channel and print a line for every molecule the standardiser touches
    with rdBase.BlockLogs():
        yield

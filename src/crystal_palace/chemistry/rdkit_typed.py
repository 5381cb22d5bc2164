"""Typed wrappers for the few RDKit calls whose bundled stubs are missing or untyped.

Keeping them here lets the rest of the package stay under ``mypy --strict`` without scattering
``type: ignore`` comments, and gives one place to silence RDKit's console logging.
"""

from __future__ import annotations

from rdkit import Chem, rdBase


def inchikey(mol: Chem.Mol) -> str:
    """Standard InChIKey ('' when InChI cannot represent the molecule)."""
    return str(Chem.MolToInchiKey(mol))  # type: ignore[no-untyped-call]


def mol_from_inchi(inchi: str) -> Chem.Mol | None:
    """Parse an InChI string; None when it does not parse."""
    mol: Chem.Mol | None = Chem.MolFromInchi(inchi)  # type: ignore[no-untyped-call]
    return mol


class quiet_rdkit:  # (lower case: it was a function, and every caller says `with quiet_rdkit():`)
    """Silence RDKit's parse warnings on stderr; callers report problems themselves, per record.

    ``with quiet_rdkit(): ...``. A plain class rather than a ``@contextmanager`` generator: the legal
    engine enters it once per structure of a screen, and the generator's machinery cost twice what
    blocking the logs does.
    """

    __slots__ = ("_block",)

    def __enter__(self) -> None:
        # BlockLogs blocks on construction and restores the previous log state when it is dropped (here,
        # at once: CPython frees it on the ``del``); EnableLog("rdApp.*") would also switch on RDKit's
        # info channel and print a line for every molecule the standardiser touches
        self._block = rdBase.BlockLogs()

    def __exit__(self, *exc: object) -> None:
        del self._block

"""A molecule's atoms, bonds and rings for the generic-definition engine, read from its binary form.

The engine reads, for every structure of a screen, each atom's element, aromaticity, hydrogens and
charge, every bond with its type, and the rings (see :class:`~crystal_palace.legal.pieces.MolGraph`).
Through RDKit's Python API that cost about a fifth of legal status: each atom wrapped, each value read
through Boost.Python. The same facts are in ``Mol.ToBinary()`` (RDKit's MolPickler layout, which the
engine computes anyway as the key of its remembered answers); the C extension ``_molview`` reads them
in a few instructions an atom.

The reader knows one layout (pickle major version 16) and plain molecules only. For anything else
(another RDKit pickle version, query atoms or bonds, dummy atoms, coordinates stored on atoms, molfile
bond end points, no ring information), or when the extension was not built (no C compiler at install),
:func:`read` returns None and the engine reads the molecule through the API, with the same result.
``tests/legal/test_molview.py`` compares the two readings value by value.
"""

from __future__ import annotations

from typing import NamedTuple

from rdkit import Chem

try:
    from crystal_palace.legal import _molview
except ImportError:  # built without a C compiler: the API reading is used
    _molview = None  # type: ignore[assignment]

#: RDKit bond types by their number (in the binary form and in View.bond_code)
BOND_TYPES: dict[int, Chem.BondType] = dict(Chem.rdchem.BondType.values)


class View(NamedTuple):
    """Atoms (by index), bonds (both ways round, in ``bond_code``) and rings (RingInfo.AtomRings() order)."""

    numbers: list[int]
    aromatic: list[bool]
    total_h: list[int]
    #: formal charges, or None when every atom is neutral
    charges: list[int] | None
    #: atoms with an isotope label
    labelled: list[int]
    #: neighbours of each atom, ascending
    neighbours: list[list[int]]
    ring_paths: tuple[tuple[int, ...], ...]
    #: per atom: (element, aromatic, hydrogens, charge, degree, sizes of the rings through it, labelled)
    contexts: list[tuple[int, bool, int, int, int, tuple[int, ...], bool]]
    #: per bond (both ways): 2 * the bond type's number (see BOND_TYPES), plus 1 in a ring
    bond_code: dict[tuple[int, int], int]
    #: atom kinds with their counts, as crystal_palace.legal.query_screen.kinds_present gives them
    kinds: dict[tuple[int | None, int | None, int | None], int]


def available() -> bool:
    """Whether the C reader was built (else every molecule is read through RDKit's API)."""
    return _molview is not None


#: legal.pieces.context_key computed in C (None when the extension was not built)
context_key = _molview.context_key if _molview is not None else None
#: legal.generic_match.pieces_of computed in C (None when the extension was not built)
pieces = _molview.pieces if _molview is not None else None


def read(binary: bytes) -> View | None:
    """The view of the molecule whose ``ToBinary()`` is ``binary``, or None when the reader cannot say."""
    if _molview is None:
        return None
    found = _molview.read(binary, BOND_TYPES)
    return None if found is None else View(*found)

"""Molecules that RDKit's SMILES cannot write, shared by the tests of the legal engine's molecule view."""

from __future__ import annotations

from rdkit import Chem


def zero_order_bond() -> Chem.Mol:
    """Ethane and water joined by a zero-order bond (a bond type the bond-order matrix cannot show)."""
    zero = Chem.RWMol(Chem.MolFromSmiles("CC.O"))
    zero.AddBond(1, 2, Chem.BondType.ZERO)
    zero.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(zero)
    return zero.GetMol()

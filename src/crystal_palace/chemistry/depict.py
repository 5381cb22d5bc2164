"""SVG depictions with the atoms that decided a verdict highlighted.

A chemist trusts a family call when they see which atoms matched the rule; the same highlighting
serves the web page, the API and reports.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdkit import Chem
from rdkit.Chem import rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D

HIGHLIGHT_RGB = (0.98, 0.72, 0.25)


def depict_svg(mol: Chem.Mol, highlight_atoms: Iterable[int] = (), *, width: int = 360,
               height: int = 260, legend: str = "") -> str:
    """Return an SVG drawing of ``mol`` with ``highlight_atoms`` (and bonds between them) coloured."""
    drawn = Chem.Mol(mol)
    rdDepictor.SetPreferCoordGen(True)
    rdDepictor.Compute2DCoords(drawn)
    atoms = sorted({int(a) for a in highlight_atoms if 0 <= int(a) < drawn.GetNumAtoms()})
    atom_set = set(atoms)
    bonds = [b.GetIdx() for b in drawn.GetBonds()
             if b.GetBeginAtomIdx() in atom_set and b.GetEndAtomIdx() in atom_set]
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    colours = {a: HIGHLIGHT_RGB for a in atoms}
    bond_colours = {b: HIGHLIGHT_RGB for b in bonds}
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, drawn, legend=legend, highlightAtoms=atoms,
                                       highlightBonds=bonds, highlightAtomColors=colours,
                                       highlightBondColors=bond_colours)
    drawer.FinishDrawing()
    return str(drawer.GetDrawingText())

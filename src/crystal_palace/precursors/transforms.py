"""Apply one named transformation (a reaction SMARTS) to a structure and return its products.

Products are sanitised, split into their molecules, standardised to the parent form the library uses
(neutral, no counter-ion) and deduplicated, so that the engine compares them with the scheduled
precursors and drugs by identity. A product's InChIKey is computed when it is first asked for: most
products are neither a target (their heavy atoms already say so) nor expanded further, and the InChI
computation was most of the search's time. The input molecule is never modified.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from rdkit import Chem, rdBase

from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.exceptions import InvalidInput
from crystal_palace.precursors.knowledge import Transformation

MAX_OUTCOMES = 50
"""At most this many outcomes of one reaction on one molecule (one per matching site)."""
MAX_ALL_SITES_ROUNDS = 8
"""An ``all_sites`` transformation is re-applied to its own products at most this many times."""

_CARBON = Chem.MolFromSmarts("[#6]")


@dataclass(frozen=True)
class Product:
    """One molecule a transformation gives: its parent structure, canonical SMILES and (on demand) InChIKey."""

    mol: Chem.Mol = field(compare=False)
    smiles: str

    @cached_property
    def inchikey(self) -> str:
        """The standard InChIKey (computed on first use)."""
        return inchikey(self.mol)

    @cached_property
    def heavy_atoms(self) -> tuple[tuple[int, int], ...]:
        """The heavy-atom composition (see :func:`heavy_atoms`)."""
        return heavy_atoms(self.mol)


def heavy_atoms(mol: Chem.Mol) -> tuple[tuple[int, int], ...]:
    """Atomic number and count of every non-hydrogen element, sorted.

    Two structures with the same InChIKey connectivity block have the same heavy atoms (protonation and
    tautomerism move only hydrogens), so a product whose heavy atoms match no target is no target.
    """
    counts = Counter(a.GetAtomicNum() for a in mol.GetAtoms())
    counts.pop(1, None)
    return tuple(sorted(counts.items()))


def _fragments(raw: Chem.Mol) -> list[Chem.Mol]:
    """The sanitised molecules of one reaction outcome, each standardised; [] when it is not a molecule."""
    try:
        mol = Chem.Mol(raw)
        Chem.SanitizeMol(mol)
    except (ValueError, RuntimeError):  # RDKit raises these for impossible valences or kekulisation
        return []
    out = []
    for frag in Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False):
        if not frag.HasSubstructMatch(_CARBON):
            continue  # water, ammonia, CO2 and inorganic leavings carry no precursor
        try:
            out.append(standardize(frag, single_fragment=True).mol)
        except InvalidInput:
            continue
    return out


def _outcomes(transformation: Transformation, mol: Chem.Mol) -> list[list[Chem.Mol]]:
    """Each site's outcome as a list of molecules (for ``all_sites``: one outcome, every site reacted)."""
    reaction = transformation.reaction
    if not reaction.IsMoleculeReactant(mol):
        return []
    if not transformation.all_sites:
        return [_fragments(products[0]) for products in reaction.RunReactants((mol,), MAX_OUTCOMES)]
    done: list[Chem.Mol] = []
    pending = [mol]
    reacted = False
    for _ in range(MAX_ALL_SITES_ROUNDS):
        if not pending:
            break
        still: list[Chem.Mol] = []
        for current in pending:
            results = reaction.RunReactants((current,), 1) if reaction.IsMoleculeReactant(current) else ()
            if results:
                reacted = True
                still.extend(_fragments(results[0][0]))
            else:
                done.append(current)
        pending = still
    done.extend(pending)
    return [done] if reacted else []


def apply_transformation(transformation: Transformation, mol: Chem.Mol, own_key: str | None = None) -> list[Product]:
    """Every distinct product of one transformation on ``mol``, in a deterministic order (by SMILES).

    The molecule itself is not returned when a site's reaction gives it back unchanged (the same
    canonical SMILES, or the same InChIKey as ``own_key`` when the caller knows it and the product's key
    is needed anyway). Products are distinct by canonical SMILES; two tautomers of one product may both
    come back, which the caller's identity checks (by InChIKey) resolve.
    """
    if not transformation.reaction.IsMoleculeReactant(mol):
        return []  # most transformations do not apply: nothing to run, no canonical SMILES (~0.06 ms) to compute
    products: dict[str, Product] = {}
    with rdBase.BlockLogs():
        outcomes = _outcomes(transformation, mol)
        own_smiles = Chem.MolToSmiles(mol) if outcomes else ""
        for outcome in outcomes:
            for frag in outcome:
                smiles = Chem.MolToSmiles(frag)
                if smiles and smiles != own_smiles and smiles not in products:
                    products[smiles] = Product(mol=frag, smiles=smiles)
    return sorted(products.values(), key=lambda p: p.smiles)

"""Apply one named transformation (a reaction SMARTS) to a structure and return its products.

Products are sanitised, split into their molecules, standardised to the parent form the library uses
(neutral, no counter-ion) and deduplicated, so that the engine compares them with the scheduled
precursors and drugs by identity. A product's InChIKey is computed when it is first asked for: most
products are neither a target (their heavy atoms already say so) nor expanded further, and the InChI
computation was most of the search's time. The input molecule is never modified.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rdkit import Chem, rdBase
from rdkit.Chem import rdMolDescriptors

from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.exceptions import InvalidInput
from crystal_palace.precursors.knowledge import Transformation

MAX_OUTCOMES = 50
"""At most this many outcomes of one reaction on one molecule (one per matching site)."""
MAX_ALL_SITES_ROUNDS = 8
"""An ``all_sites`` transformation is re-applied to its own products at most this many times."""

_CARBON = Chem.MolFromSmarts("[#6]")

HeavyAtoms = tuple[tuple[int, int], ...]
"""Atomic number and count of each heavy element, sorted (see :func:`heavy_atoms`)."""

def described_by_smiles(mol: Chem.Mol) -> bool:
    """True when what is computed from ``mol`` may be reused for any molecule of the same canonical SMILES.

    A SMILES says everything the reactions, the standardisation and the InChI look at, except
    coordinates (from which an InChI may take stereo the SMILES does not show) and enhanced stereo
    groups; such molecules (from a molfile) are worked out afresh every time.
    """
    return mol.GetNumConformers() == 0 and not mol.GetStereoGroups()


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
    def heavy_atoms(self) -> HeavyAtoms:
        """The heavy-atom composition (see :func:`heavy_atoms`)."""
        return heavy_atoms(self.mol)

    @cached_property
    def skeleton(self) -> HeavyAtoms:
        """The heavy atoms with their heavy-atom degrees (see :func:`skeleton`)."""
        return skeleton(self.mol)


def heavy_atoms(mol: Chem.Mol) -> HeavyAtoms:
    """Atomic number and count of every non-hydrogen element, sorted.

    Two structures with the same InChIKey connectivity block have the same heavy atoms (protonation and
    tautomerism move only hydrogens), so a product whose heavy atoms match no target is no target.
    They are read from the molecular formula, which RDKit writes in C++ (a third of the time of a loop
    over the atoms in Python); a formula that is not plain element symbols and counts (a dummy atom
    ``*``, or a molecule whose valences were never computed) falls back to the loop.
    """
    try:
        formula = _FORMULA.fullmatch(rdMolDescriptors.CalcMolFormula(mol))
    except (ValueError, RuntimeError):  # an unsanitised molecule
        formula = None
    if formula is not None:
        counts: dict[int, int] = {}
        for symbol, count in _ELEMENT.findall(formula.group(1)):
            if symbol != "H":
                number = _atomic_number(symbol)
                counts[number] = counts.get(number, 0) + (int(count) if count else 1)
        return tuple(sorted(counts.items()))
    return _heavy_atoms_of(mol, range(mol.GetNumAtoms()))


_FORMULA = re.compile(r"((?:[A-Z][a-z]?\d*)+)(?:[+-]\d*)?")
_ELEMENT = re.compile(r"([A-Z][a-z]?)(\d*)")


@lru_cache(maxsize=256)  # element symbols: about a hundred
def _atomic_number(symbol: str) -> int:
    return int(Chem.GetPeriodicTable().GetAtomicNumber(symbol))


def skeleton(mol: Chem.Mol) -> HeavyAtoms:
    """Atomic number and number of heavy neighbours of every non-hydrogen atom, sorted.

    Two structures with the same InChIKey connectivity block have the same heavy-atom graph (the block
    hashes the formula and the connection table of the heavy atoms; only bonds to metals are broken,
    and the search uses the sieve only when no target has a metal), so they have the same skeleton.
    It is a finer sieve than :func:`heavy_atoms` before the InChIKey is computed (about 0.2 ms,
    against 0.02 ms for this).
    """
    atoms = [mol.GetAtomWithIdx(i) for i in range(mol.GetNumAtoms())]
    if any(a.GetAtomicNum() == 1 for a in atoms):  # explicit hydrogens (deuterium ...): not counted
        return tuple(sorted((a.GetAtomicNum(), sum(1 for n in a.GetNeighbors() if n.GetAtomicNum() != 1))
                            for a in atoms if a.GetAtomicNum() != 1))
    return tuple(sorted([(a.GetAtomicNum(), a.GetDegree()) for a in atoms]))


def _fragments(raw: Chem.Mol, keep: Container[HeavyAtoms] | None = None) -> list[Chem.Mol]:
    """The sanitised molecules of one reaction outcome, each standardised; [] when it is not a molecule.

    ``raw`` is a fresh product of ``RunReactants`` that nothing else holds, so it is sanitised in place
    (a copy cost as much as a tenth of the sanitisation). With ``keep``, an outcome none of whose
    molecules has heavy atoms in ``keep`` gives [] without being sanitised: sanitising and standardising
    change bonds, charges and hydrogens, never which heavy atoms a connected molecule has.
    """
    if keep is not None and not any(_heavy_atoms_of(raw, atoms) in keep for atoms in Chem.GetMolFrags(raw)):
        return []
    try:
        Chem.SanitizeMol(raw)
    except (ValueError, RuntimeError):  # RDKit raises these for impossible valences or kekulisation
        return []
    out = []
    for frag in Chem.GetMolFrags(raw, asMols=True, sanitizeFrags=False):
        if not frag.HasSubstructMatch(_CARBON):
            continue  # water, ammonia, CO2 and inorganic leavings carry no precursor
        try:
            out.append(standardize(frag, single_fragment=True).mol)
        except InvalidInput:
            continue
    return out


def _heavy_atoms_of(mol: Chem.Mol, atoms: Iterable[int]) -> HeavyAtoms:
    """:func:`heavy_atoms` of some atoms of a molecule (one fragment of an unsanitised outcome)."""
    # indexing the atoms is about twice as fast as iterating GetAtoms(), whose Python wrapper dominates
    counts = Counter([mol.GetAtomWithIdx(i).GetAtomicNum() for i in atoms])
    counts.pop(1, None)
    return tuple(sorted(counts.items()))


def _outcomes(transformation: Transformation, mol: Chem.Mol,
              keep: Container[HeavyAtoms] | None = None) -> tuple[list[list[Chem.Mol]], bool]:
    """Each site's outcome as a list of molecules (for ``all_sites``: one outcome, every site reacted).

    The caller has checked that ``mol`` is a reactant. The flag says a cap was reached (``MAX_OUTCOMES``
    outcomes, or ``all_sites`` rounds with sites left): which outcomes come back then depends on the
    order of the atoms, not only on the structure, so such products must not be reused for another
    molecule of the same SMILES. ``keep`` lets outcomes without a molecule of those heavy atoms be
    skipped (see :func:`_fragments`); an ``all_sites`` round feeds its molecules to the next round, so
    its outcome is never skipped.
    """
    reaction = transformation.reaction
    if not transformation.all_sites:
        results = reaction.RunReactants((mol,), MAX_OUTCOMES)
        return [_fragments(products[0], keep) for products in results], len(results) >= MAX_OUTCOMES
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
    capped = bool(pending)
    done.extend(pending)
    return ([done] if reacted else []), capped


def react(transformation: Transformation, mol: Chem.Mol, own_smiles: str | None = None, *,
          keep: Container[HeavyAtoms] | None = None, skeletons: Container[HeavyAtoms] | None = None,
          own_atoms: HeavyAtoms | None = None) -> tuple[list[Product], bool]:
    """:func:`apply_transformation` for a molecule the caller knows is a reactant, and whether a cap was hit.

    ``own_smiles``, the canonical SMILES of ``mol`` when the caller has it (an intermediate's product
    SMILES), saves computing it again; else ``own_atoms``, the heavy atoms of ``mol``, lets it be
    computed only for a product with those heavy atoms (no other can be ``mol`` again). The flag is the
    one of :func:`_outcomes`. With ``keep``, only the products whose heavy atoms are in ``keep`` (and,
    with ``skeletons``, whose :func:`skeleton` is in ``skeletons``) are returned, the same ones in the
    same order as without: the search's last step needs only products that can be targets, and most
    outcomes then need no sanitising, standardising or SMILES.
    """
    products: dict[str, Product] = {}
    with rdBase.BlockLogs():
        outcomes, capped = _outcomes(transformation, mol, keep)
        for outcome in outcomes:
            for frag in outcome:
                atoms = heavy_atoms(frag)
                if keep is not None and atoms not in keep:
                    continue
                shape = None
                if skeletons is not None:
                    shape = skeleton(frag)
                    if shape not in skeletons:
                        continue
                smiles = Chem.MolToSmiles(frag)
                if not smiles or smiles in products:
                    continue
                if own_atoms is None or atoms == own_atoms:  # else it cannot be the molecule itself
                    if own_smiles is None:
                        own_smiles = Chem.MolToSmiles(mol)
                    if smiles == own_smiles:
                        continue
                product = Product(mol=frag, smiles=smiles)
                product.__dict__["heavy_atoms"] = atoms  # fills the cached properties known already
                if shape is not None:
                    product.__dict__["skeleton"] = shape
                products[smiles] = product
    return sorted(products.values(), key=lambda p: p.smiles), capped


def apply_transformation(transformation: Transformation, mol: Chem.Mol, own_key: str | None = None) -> list[Product]:
    """Every distinct product of one transformation on ``mol``, in a deterministic order (by SMILES).

    The molecule itself is not returned when a site's reaction gives it back unchanged (the same
    canonical SMILES, or the same InChIKey as ``own_key`` when the caller knows it and the product's key
    is needed anyway). Products are distinct by canonical SMILES; two tautomers of one product may both
    come back, which the caller's identity checks (by InChIKey) resolve.
    """
    if not transformation.reaction.IsMoleculeReactant(mol):
        return []  # most transformations do not apply: nothing to run, no canonical SMILES (~0.06 ms) to compute
    return react(transformation, mol)[0]

"""Recognise what a query is (SMILES, InChI, InChIKey, MOL block, CAS number or name) and parse it.

Detection is ordered so that the unambiguous shapes win first (InChI prefix, InChIKey pattern, MOL
block markers, CAS pattern). Between a name and a SMILES the library's names win: "PCP" and "CBN" are
valid SMILES strings of nonsense molecules but well-known substance names.
"""

from __future__ import annotations

import re

from rdkit import Chem, rdBase

from crystal_palace.chemistry.cas import looks_like_cas
from crystal_palace.chemistry.rdkit_typed import mol_from_inchi, quiet_rdkit
from crystal_palace.exceptions import InvalidInput

MAX_QUERY_CHARS = 1_000_000
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{8}[SN][A-Z]-[A-Z]$")
_SMILES_CHARS = re.compile(r"^[A-Za-z0-9@+\-\[\]\(\)=#$%/\\.:*~]+$")


def looks_like_inchikey(text: str) -> bool:
    """True for the 27-character InChIKey shape."""
    return bool(_INCHIKEY.match(text.strip()))


def looks_like_molblock(text: str) -> bool:
    """True for a MDL MOL block (V2000 or V3000), judged by its end line."""
    return "M  END" in text and "\n" in text


_BRACKET_ATOM = re.compile(r"\[[^\]]*\]")
_ORGANIC_SUBSET_LETTERS = set("BCNOPSFIbcnops")


def looks_like_smiles(text: str) -> bool:
    """True when ``text`` could be SMILES.

    SMILES characters only, and outside brackets only the letters of the organic subset, so that
    "propan-1-one" or "methylphenyl" read as names, not as broken SMILES.

    >>> looks_like_smiles("CC(=O)Nc1ccc(O)cc1"), looks_like_smiles("2-(methylamino)propan-1-one")
    (True, False)
    """
    stripped = text.strip()
    if not _SMILES_CHARS.match(stripped):
        return False
    outside = _BRACKET_ATOM.sub("", stripped).replace("Cl", "").replace("Br", "")
    return all(c in _ORGANIC_SUBSET_LETTERS for c in outside if c.isalpha())


def detect_input_type(text: str, known_name: bool = False) -> str:
    """Best guess of the query's type; ``known_name`` says the library knows the text as a name."""
    return detect_and_parse(text, known_name)[0]


def detect_and_parse(text: str, known_name: bool = False) -> tuple[str, Chem.Mol | None]:
    """:func:`detect_input_type`, and the molecule when telling a SMILES from a name parsed one (else None).

    The molecule is what :func:`parse_structure` gives for a SMILES of at most :data:`MAX_QUERY_CHARS`
    characters with atoms; anything else comes back as None, for ``parse_structure`` to parse or to
    explain. A caller that parses the query next saves parsing it twice.
    """
    stripped = text.strip()
    if stripped.startswith("InChI="):
        return "inchi", None
    if looks_like_inchikey(stripped):
        return "inchikey", None
    if looks_like_molblock(text):
        return "mol", None
    if looks_like_cas(stripped):
        return "cas", None
    if known_name:
        return "name", None
    if looks_like_smiles(stripped) and " " not in stripped:
        with quiet_rdkit():
            mol = Chem.MolFromSmiles(stripped)
        if mol is not None:
            return "smiles", (mol if len(text) <= MAX_QUERY_CHARS and mol.GetNumAtoms() else None)
        # a SMILES-shaped string that does not parse: report it as a broken SMILES, unless it
        # reads like a word (letters and hyphens only), which is more likely an unknown name
        if re.search(r"[\[\]()=#@0-9]", stripped):
            return "smiles", None
    return "name", None



def parse_structure(text: str, input_type: str, *, record: str | None = None) -> Chem.Mol:
    """Parse a SMILES, InChI or MOL block into an RDKit molecule, or raise a clear InvalidInput."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"query is {len(text):,} characters long (limit {MAX_QUERY_CHARS:,})",
                           field=input_type, record=record)
    mol: Chem.Mol | None
    with rdBase.BlockLogs():  # (as quiet_rdkit, without a generator's overhead on every row of a screen)
        if input_type == "smiles":
            mol = Chem.MolFromSmiles(text.strip())
            if mol is None:
                raise InvalidInput(_smiles_reason(text.strip()), field="smiles", record=record)
        elif input_type == "inchi":
            mol = mol_from_inchi(text.strip())
            if mol is None:
                raise InvalidInput("InChI does not parse", field="inchi", record=record)
        elif input_type == "mol":
            mol = Chem.MolFromMolBlock(text, sanitize=True, removeHs=True)
            if mol is None:
                raise InvalidInput("MOL block does not parse (bad counts line, atom or bond block)",
                                   field="mol", record=record)
        else:
            raise InvalidInput(f"cannot parse a structure from input type {input_type!r}",
                               field="input_type", record=record)
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidInput("the structure has no atoms", field=input_type, record=record)
    return mol


def _smiles_reason(smiles: str) -> str:
    """Say why a SMILES fails, in a chemist's words (RDKit's own message when it gives one)."""
    shown = smiles if len(smiles) <= 60 else smiles[:57] + "..."
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    if mol is None:
        return f"SMILES {shown!r} is not valid SMILES syntax (unbalanced brackets or rings, or an unknown atom)"
    problems = Chem.DetectChemistryProblems(mol)
    if problems:
        return f"SMILES {shown!r} is not a valid molecule: {problems[0].Message()}"
    return f"SMILES {shown!r} does not parse"

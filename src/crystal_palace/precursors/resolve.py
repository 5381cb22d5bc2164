"""Turn what a manifest or a user gives (CAS number, product name, structure) into a substance.

A manifest names chemicals as traders write them: "Hydrochloric acid 37 %", "Acetone, technical grade",
"Ephedrine HCl". The lookup strips grades, concentrations and salt words before matching the reference
library's names, then the designer precursors known by name, then the inorganic reagents (red
phosphorus, iodine), which have no structure and are recognised by CAS number and name only. Every
lookup is cached, because a manifest repeats the same few chemicals thousands of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from crystal_palace.chemistry.cas import looks_like_cas, require_valid_cas
from crystal_palace.chemistry.library import Library, Substance
from crystal_palace.chemistry.names import name_key
from crystal_palace.chemistry.rdkit_typed import inchikey, quiet_rdkit
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.chemistry.structures import detect_input_type, parse_structure
from crystal_palace.exceptions import InvalidInput
from crystal_palace.precursors.knowledge import Knowledge, NamedStructure, Reagent

_CARBON = Chem.MolFromSmarts("[#6]")

_GRADE_WORDS = re.compile(
    r"\b(solution|soln|aqueous|aq|technical|tech|grade|pure|purified|anhydrous|reagent|acs|usp|bp|ep|"
    r"ph\.?\s?eur\.?|extra|min|max|approx|ca|for synthesis|for analysis|industrial|food|pharma|"
    r"hydrochloride|dihydrochloride|hcl|hydrobromide|hbr|sulfate|sulphate|hemisulfate|tartrate|bitartrate|"
    r"salt|base|free base|freebase|hydrate|monohydrate|sodium salt|potassium salt)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\(?\b\d+(?:[.,]\d+)?\s*(?:%|percent|pct)(?:\s*(?:w/w|w/v|v/v))?\)?", re.IGNORECASE)


def clean_name(text: str) -> str:
    """A product name without grades, concentrations and salt words.

    >>> clean_name("Hydrochloric acid 37% solution, technical grade")
    'Hydrochloric acid'
    """
    stripped = _GRADE_WORDS.sub(" ", _PERCENT.sub(" ", text))
    stripped = re.sub(r"\(\s*\)", " ", stripped.replace(",", " "))
    return " ".join(stripped.split()).strip(" -;:")


@dataclass
class Resolved:
    """A substance found for a query: a structure (with its library entry, if any) or a reagent."""

    how: str  # "cas", "name", "structure"
    mol: Chem.Mol | None = None
    key: str = ""
    entry: Substance | None = None
    reagent: Reagent | None = None
    named: NamedStructure | None = None
    salt: str | None = None  # an inorganic salt (no carbon in the parent), as SMILES
    warnings: list[str] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """A stable key of what was found (InChIKey, or the reagent's CAS number)."""
        return self.key or (f"reagent:{self.reagent.cas}" if self.reagent else "")

    @property
    def label(self) -> str:
        """The name to show."""
        if self.entry is not None:
            return self.entry.name
        if self.reagent is not None:
            return self.reagent.name
        if self.named is not None:
            return self.named.name
        return Chem.MolToSmiles(self.mol) if self.mol is not None else self.salt or ""


class Resolver:
    """Lookups by CAS number, name and structure over the library, named designers and reagents."""

    def __init__(self, knowledge: Knowledge, library: Library) -> None:
        self.library = library
        self.reagent_by_cas = {r.cas: r for r in knowledge.reagents}
        self.reagent_by_name = {name_key(n): r for r in knowledge.reagents for n in (r.name, *r.synonyms)}
        self.named_by_cas = {n.cas: n for n in knowledge.named if n.cas}
        self.named_by_name = {name_key(x): n for n in knowledge.named for x in (n.name, *n.synonyms)}
        self._by_cas = lru_cache(maxsize=20_000)(self._cas)
        self._by_name = lru_cache(maxsize=20_000)(self._name)
        self._by_structure = lru_cache(maxsize=20_000)(self._structure)
        self.parsed_names: dict[str, str] = {}  # names OPSIN turned into SMILES (see parse_names)
        self._inorganic: dict[str, Substance] | None = None

    def by_cas(self, text: str, record: str | None = None) -> Resolved | None:
        """The substance of a CAS number; None when it is valid but unknown; raises when it is invalid."""
        cas = require_valid_cas(text, record=record)
        return self._by_cas(cas)

    def by_name(self, text: str) -> Resolved | None:
        """The substance of a product name (grades, concentrations and salt words ignored), or None."""
        found = self._by_name(text.strip())
        if found is None and text.strip() in self.parsed_names:
            try:
                found = self._by_structure(self.parsed_names[text.strip()])
            except InvalidInput:
                return None
            found = Resolved("name (IUPAC)", mol=found.mol, key=found.key, entry=found.entry, salt=found.salt)
        return found

    def parse_names(self, names: list[str]) -> str | None:
        """Parse unknown names as IUPAC names with OPSIN, in one batch; return why not when it cannot."""
        from crystal_palace.chemistry.opsin import names_to_smiles
        from crystal_palace.exceptions import MissingOptionalDependency

        todo = sorted({n.strip() for n in names if n.strip() and n.strip() not in self.parsed_names
                       and self._by_name(n.strip()) is None})
        if not todo:
            return None
        try:
            smiles = names_to_smiles([clean_name(n) or n for n in todo])
        except MissingOptionalDependency as exc:
            return f"names not in the reference data were not parsed as IUPAC names: {exc.install_hint}"
        for name, smi in zip(todo, smiles, strict=True):
            if smi:
                self.parsed_names[name] = smi
        return None

    def by_structure(self, text: str, record: str | None = None) -> Resolved:
        """The parent structure of a SMILES, InChI or MOL block; raises InvalidInput when it does not parse."""
        try:
            return self._by_structure(text.strip())
        except InvalidInput as exc:
            raise InvalidInput(exc.reason, field=exc.field, record=record) from None

    def _cas(self, cas: str) -> Resolved | None:
        entry = self.library.by_cas.get(cas)
        if entry is not None:
            return Resolved("cas", mol=entry.mol, key=entry.inchikey, entry=entry)
        if cas in self.reagent_by_cas:
            return Resolved("cas", reagent=self.reagent_by_cas[cas])
        named = self.named_by_cas.get(cas)
        return self._from_named(named, "cas") if named else None

    def _name(self, text: str) -> Resolved | None:
        for candidate in dict.fromkeys((text, clean_name(text))):
            key = name_key(candidate)
            if not key:
                continue
            entry = self.library.by_name.get(key)
            if entry is not None:
                return Resolved("name", mol=entry.mol, key=entry.inchikey, entry=entry)
            if key in self.reagent_by_name:
                return Resolved("name", reagent=self.reagent_by_name[key])
            if key in self.named_by_name:
                return self._from_named(self.named_by_name[key], "name")
        return None

    def _structure(self, text: str) -> Resolved:
        kind = detect_input_type(text)
        if kind not in ("smiles", "inchi", "mol"):
            raise InvalidInput(f"{text[:60]!r} is not a SMILES, InChI or MOL block", field="structure")
        mol = parse_structure(text, kind)
        std = standardize(mol)
        if std.removed_fragments and not std.mol.HasSubstructMatch(_CARBON):
            return self.inorganic_salt(mol)
        key = inchikey(std.mol)
        if not key:
            raise InvalidInput("no InChIKey can be computed for this structure", field="structure")
        entry = self.library.by_inchikey.get(key)
        return Resolved("structure", mol=std.mol, key=key, entry=entry)

    def inorganic_salt(self, mol: Chem.Mol, how: str = "structure") -> Resolved:
        """An inorganic salt: the library entry of the whole salt (potassium permanganate), or a salt.

        Standardising "[Na+].[Cl-]" keeps the chloride and neutralises it to hydrogen chloride; but the
        salts of hydrochloric and sulphuric acid are excluded from the Tables, and other inorganic salts
        are not precursors unless listed whole, so the salt is judged as given.
        """
        whole = inchikey(mol)
        entry = self.library.by_inchikey.get(whole) or self._inorganic_by_formula().get(
            rdMolDescriptors.CalcMolFormula(mol))
        if entry is not None:
            return Resolved(how, mol=entry.mol, key=entry.inchikey, entry=entry)
        return Resolved(how, key=f"salt:{whole}", salt=Chem.MolToSmiles(mol))

    def _inorganic_by_formula(self) -> dict[str, Substance]:
        """Library entries without carbon by formula: "[K+].[O-][Mn](=O)(=O)=O" is potassium permanganate."""
        if self._inorganic is None:
            self._inorganic = {rdMolDescriptors.CalcMolFormula(e.mol): e for e in self.library.entries
                               if not e.mol.HasSubstructMatch(_CARBON)}
        return self._inorganic

    def _from_named(self, named: NamedStructure, how: str) -> Resolved:
        with quiet_rdkit():
            parent = standardize(Chem.MolFromSmiles(named.smiles)).mol
        key = inchikey(parent)
        return Resolved(how, mol=parent, key=key, entry=self.library.by_inchikey.get(key), named=named)

    def resolve(self, query: str, record: str | None = None) -> Resolved | None:
        """One free-text query: a CAS number, a structure or a name (None when nothing matches)."""
        text = query.strip()
        if looks_like_cas(text):
            return self.by_cas(text, record)
        found = self.by_name(text)
        if found is not None:
            return found
        if detect_input_type(text) in ("smiles", "inchi", "mol"):
            return self.by_structure(text, record)
        return None

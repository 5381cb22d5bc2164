"""Identify a substance: the one entry point that the CLI, the API and the web page call.

A query (SMILES, InChI, InChIKey, MOL block, CAS number, name or IUPAC name) becomes a verdict: the
parsed and standardised structure, the library identity with the level at which it matched, the NPS
family with the rule and atoms behind it, and the nearest controlled analogues with what differs.
Bad input never raises here: it lands in ``errors`` naming the record, the field and the reason, so
that a batch can carry on and report it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from crystal_palace.chemistry import opsin
from crystal_palace.chemistry.analogues import EXTRA_HITS, analogues_from_hits
from crystal_palace.chemistry.cas import require_valid_cas
from crystal_palace.chemistry.classify import FamilyMatch, classify
from crystal_palace.chemistry.library import Library, Substance, default_library, fingerprint_bits
from crystal_palace.chemistry.names import name_key
from crystal_palace.chemistry.rdkit_typed import inchikey
from crystal_palace.chemistry.standardize import StandardizedMol, canonical_tautomer, standardize
from crystal_palace.chemistry.structures import detect_and_parse, looks_like_inchikey, parse_structure
from crystal_palace.chemistry.vocabulary import INPUT_TYPES
from crystal_palace.exceptions import CrystalPalaceError, FieldError, InvalidInput, MissingOptionalDependency


@dataclass
class IdentifyResult:
    """The verdict for one query; ``to_dict`` gives the JSON contract of the identify issue."""

    query: str
    input_type: str | None = None
    record: str | None = None
    structure: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None
    family: str | None = None
    family_evidence: str = ""
    family_rule: str | None = None
    family_atoms: list[int] = field(default_factory=list)
    analogues: list[dict[str, Any]] = field(default_factory=list)
    legal: list[dict[str, Any]] = field(default_factory=list)
    standardization: dict[str, Any] | None = None
    precursor: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    mol: Chem.Mol | None = field(default=None, repr=False)

    def add_error(self, error: FieldError | InvalidInput | CrystalPalaceError, field_name: str = "query") -> None:
        """Record an error for this query (never raised: a batch goes on)."""
        if isinstance(error, InvalidInput):
            self.errors.extend({"record": e.record, "field": e.field, "reason": e.reason} for e in error.errors)
        elif isinstance(error, FieldError):
            self.errors.append({"record": error.record, "field": error.field, "reason": error.reason})
        else:
            self.errors.append({"record": self.record, "field": field_name, "reason": str(error)})

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready verdict (contract keys first)."""
        return {
            "query": self.query, "input_type": self.input_type, "structure": self.structure,
            "identity": self.identity, "family": self.family, "family_evidence": self.family_evidence,
            "analogues": self.analogues, "legal": self.legal, "errors": self.errors,
            "record": self.record, "family_rule": self.family_rule, "family_atoms": self.family_atoms,
            "standardization": self.standardization, "precursor": self.precursor,
        }


# salt and form words that users append to a name ("MDMA hydrochloride", "cocaine HCl")
_SALT_WORDS = re.compile(
    r"\b(hydrochloride|dihydrochloride|hcl|hydrobromide|hbr|sulfate|sulphate|hemisulfate|fumarate|hemifumarate|"
    r"citrate|tartrate|bitartrate|maleate|oxalate|phosphate|mesylate|acetate|succinate|salt|base|freebase|"
    r"free base|hydrate|monohydrate)\b", re.IGNORECASE)


def _name_without_salt(text: str) -> str | None:
    """The name with salt/form words removed, or None when there were none."""
    stripped = _SALT_WORDS.sub(" ", text)
    return " ".join(stripped.split()) if stripped != text else None


def _shown(query: str) -> str:
    return query if len(query) <= 200 else query[:197] + "..."


@dataclass(frozen=True)
class LegalOptions:
    """What the legal part of a verdict is asked for: which jurisdictions, as of which date, extra rules."""

    as_of: datetime.date | None = None
    jurisdictions: tuple[str, ...] | None = None
    rules: tuple[Path, ...] = ()


def identify(query: str, *, input_type: str | None = None, analogues: int = 5, explain: bool = True,
             record: str | None = None, library: Library | None = None,
             legal: LegalOptions | bool = True, precursor: bool | None = None) -> IdentifyResult:
    """Identify one query. See :func:`identify_many` for lists (it batches IUPAC-name parsing)."""
    return identify_many([query], input_types=[input_type], analogues=analogues, explain=explain,
                         records=[record], library=library, legal=legal, precursor=precursor)[0]


def identify_many(queries: Sequence[str], *, input_types: Sequence[str | None] | None = None,
                  analogues: int = 5, explain: bool = True, records: Sequence[str | None] | None = None,
                  library: Library | None = None, legal: LegalOptions | bool = True,
                  precursor: bool | None = None) -> list[IdentifyResult]:
    """Identify each query, in order; names unknown to the library go to OPSIN in one batch.

    ``legal`` (True: every jurisdiction, today; a :class:`LegalOptions` to choose; False: skip) fills the
    ``legal`` array, one verdict per jurisdiction. Bad legal options (an unknown jurisdiction, a malformed
    rule file) are the caller's error and raise, unlike a bad query, which lands in that query's errors.

    ``precursor`` fills the ``precursor`` object (role, category, leads_to, paths; see
    :func:`crystal_palace.workflows.precursors.precursor_summary`). ``None`` (the default) follows
    ``explain``: the explained verdict of ``identify`` and the API has it, while a screen (``explain=False``)
    leaves it out, because the transformation search costs milliseconds per new structure.
    """
    lib = library or default_library()
    legal_options = LegalOptions() if legal is True else (legal or None)
    types = list(input_types) if input_types is not None else [None] * len(queries)
    recs = list(records) if records is not None else [None] * len(queries)
    results: list[IdentifyResult] = []
    pending_iupac: list[int] = []
    for i, query in enumerate(queries):
        result = IdentifyResult(query=_shown(query) if isinstance(query, str) else repr(query), record=recs[i])
        results.append(result)
        try:
            _resolve(result, query, types[i], lib)
        except InvalidInput as exc:
            result.add_error(exc)
            continue
        if result.input_type == "iupac":
            pending_iupac.append(i)
    if pending_iupac:
        _resolve_iupac([results[i] for i in pending_iupac], [queries[i] for i in pending_iupac])
    parsed = [result for result in results if result.mol is not None and not result.errors]
    _describe_many(parsed, lib, analogues, explain)
    if legal_options is not None:
        for result in parsed:
            if result.structure is not None:
                _add_legal(result, legal_options, explain)
    if explain if precursor is None else precursor:
        from crystal_palace.workflows.precursors import precursor_summary  # imported on use, like legal

        for result in parsed:
            if result.structure is not None:
                sid = result.identity["id"] if result.identity is not None else None
                result.precursor = precursor_summary(result.mol, result.structure["inchikey"], sid,
                                                     as_of=legal_options.as_of if legal_options else None)
    return results


def _add_legal(result: IdentifyResult, options: LegalOptions, explain: bool = True) -> None:
    from crystal_palace.legal.engine import legal_status  # imported on use: the CLI's --help stays fast

    sid = result.identity["id"] if result.identity is not None else None
    verdicts = legal_status(result.mol, sid, as_of=options.as_of, jurisdictions=options.jurisdictions,
                            extra_rules=options.rules, detail=explain)
    result.legal = [v.to_dict() for v in verdicts]


def _resolve(result: IdentifyResult, query: str, input_type: str | None, lib: Library) -> None:
    """Work out the query type and turn it into a molecule (or a library entry)."""
    if not isinstance(query, str):
        raise InvalidInput(f"expected text, got {type(query).__name__}", record=result.record)
    text = query.strip()
    if not text:
        raise InvalidInput("empty query", record=result.record)
    if input_type is not None and input_type not in INPUT_TYPES:
        raise InvalidInput(f"unknown input type {input_type!r}; use one of {sorted(INPUT_TYPES)}",
                           field="input_type", record=result.record)
    parsed = None  # the SMILES parsed while telling it from a name (not parsed twice)
    if input_type is None:
        kind, parsed = detect_and_parse(query, known_name=name_key(text) in lib.by_name)
    else:
        kind = input_type
    result.input_type = kind
    if kind == "cas":
        cas = require_valid_cas(text, record=result.record)
        entry = lib.by_cas.get(cas)
        if entry is None:
            raise InvalidInput(f"CAS number {cas} is valid but not in the reference library; query by structure "
                               "or name instead", field="cas", record=result.record)
        _from_entry(result, entry)
    elif kind == "inchikey":
        _from_inchikey(result, text, lib)
    elif kind in ("name", "iupac"):
        entry = lib.by_name.get(name_key(text))
        base = _name_without_salt(text) if entry is None else None
        salt_entry = lib.by_name.get(name_key(base)) if base else None
        if entry is not None and kind == "name":
            _from_entry(result, entry)
        elif salt_entry is not None and kind == "name":
            _from_entry(result, salt_entry)
            assert result.identity is not None
            result.identity["match_level"] = "parent"
        else:
            result.input_type = "iupac"  # resolved in one OPSIN batch by the caller
    else:
        result.mol = parsed if parsed is not None else parse_structure(query, kind, record=result.record)


def _from_entry(result: IdentifyResult, entry: Substance) -> None:
    result.mol = Chem.Mol(entry.mol)
    result.identity = _identity(entry, "exact")


def _from_inchikey(result: IdentifyResult, key: str, lib: Library) -> None:
    if not looks_like_inchikey(key):
        raise InvalidInput(f"{key!r} is not an InChIKey (27 characters, XXXXXXXXXXXXXX-YYYYYYYYFV-P)",
                           field="inchikey", record=result.record)
    entry = lib.by_inchikey.get(key)
    level = "exact"
    if entry is None:
        candidates = lib.by_connectivity.get(key[:14], [])
        if not candidates:
            raise InvalidInput("InChIKey is not in the reference library (an InChIKey cannot be turned back "
                               "into a structure; query by SMILES, InChI or MOL instead)",
                               field="inchikey", record=result.record)
        entry, level = _prefer_unspecified(candidates), "stereo"
    result.mol = Chem.Mol(entry.mol)
    result.identity = _identity(entry, level)


def _resolve_iupac(results: list[IdentifyResult], names: list[str]) -> None:
    try:
        smiles = opsin.names_to_smiles(names)
    except MissingOptionalDependency as exc:
        for r in results:
            r.add_error(InvalidInput(f"not a known substance name; parsing it as an IUPAC name needs OPSIN: "
                                     f"{exc.install_hint}", field="name", record=r.record))
        return
    for r, smi, name in zip(results, smiles, names, strict=True):
        if smi is None:
            r.add_error(InvalidInput(f"{_shown(name.strip())!r} is not a name in the reference library and OPSIN "
                                     "cannot parse it as an IUPAC name", field="name", record=r.record))
            continue
        try:
            r.mol = parse_structure(smi, "smiles", record=r.record)
        except InvalidInput as exc:
            r.add_error(exc)


def _identity(entry: Substance, level: str) -> dict[str, Any]:
    return {"id": entry.id, "name": entry.name, "inchikey": entry.inchikey, "match_level": level,
            "cas": list(entry.cas), "synonyms": list(entry.synonyms), "family": entry.family,
            "controlled_under": list(entry.controlled_under), "source": entry.source}


def _prefer_unspecified(candidates: list[Substance]) -> Substance:
    """Among stereoisomers, the entry without defined stereo (the racemate or the generic listing)."""
    return sorted(candidates, key=lambda e: (e.has_stereo, e.id))[0]


def _match_identity(std: StandardizedMol, key: str, lib: Library, explain: bool) -> dict[str, Any] | None:
    entry = lib.by_inchikey.get(key)
    if entry is not None:
        return _identity(entry, "parent" if std.changed else "exact")
    candidates = lib.by_connectivity.get(key[:14])
    if candidates:
        return _identity(_prefer_unspecified(candidates), "stereo")
    if explain:
        # keto-enol and other tautomers that the standard InChI does not merge
        taut_key = inchikey(canonical_tautomer(std.mol))
        for lib_key, level in ((taut_key, "parent"),):
            if lib_key in lib.by_inchikey:
                return _identity(lib.by_inchikey[lib_key], level)
    return None


def _describe(result: IdentifyResult, lib: Library, k: int, explain: bool) -> None:
    """Fill structure, identity, family and analogues for a parsed query."""
    _describe_many([result], lib, k, explain)


def _describe_many(results: Sequence[IdentifyResult], lib: Library, k: int, explain: bool) -> None:
    """Fill structure, identity, family and analogues for parsed queries (see :func:`_describe`).

    The work goes stage by stage over the whole batch (standardise all, then InChIKeys, then
    classification, then one similarity search for all) rather than query by query: each stage's
    native code then stays hot in the CPU caches, which makes a screen's chunk markedly faster, and
    the similarity search scores the batch with a few numpy calls.
    """
    todo: list[tuple[IdentifyResult, StandardizedMol]] = []
    for result in results:
        assert result.mol is not None
        # a SMILES without "." is one connected fragment (result.query is the text as given, or a
        # shortened copy ending in "...", which then counts as having a dot)
        single = result.input_type == "smiles" and "." not in result.query
        try:
            todo.append((result, standardize(result.mol, record=result.record, single_fragment=single)))
        except InvalidInput as exc:
            result.add_error(exc)
    keyed: list[tuple[IdentifyResult, StandardizedMol, str]] = []
    for result, std in todo:
        key = inchikey(std.mol)
        if key:
            keyed.append((result, std, key))
        else:
            result.add_error(InvalidInput("no InChIKey can be computed for this structure", field="structure",
                                          record=result.record))
    formulas: list[str] = []
    for result, std, key in keyed:
        mol = std.mol
        formula = rdMolDescriptors.CalcMolFormula(mol)
        formulas.append(formula)
        result.structure = {"smiles": Chem.MolToSmiles(mol), "inchikey": key, "formula": formula,
                            "monoisotopic_mass": round(rdMolDescriptors.CalcExactMolWt(mol), 5)}
        result.standardization = {"removed_fragments": list(std.removed_fragments),
                                  "neutralised": std.neutralised, "changes": list(std.changes)}
        if result.identity is None:
            result.identity = _match_identity(std, key, lib, explain)
    for (result, std, _), formula in zip(keyed, formulas, strict=True):
        _set_family(result, classify(std.mol, formula=formula))
    if k > 0:
        hits = lib.similar_many([fingerprint_bits(std.mol) for _, std, _ in keyed], k + EXTRA_HITS)
    for i, ((result, std, key), formula) in enumerate(zip(keyed, formulas, strict=True)):
        if k > 0:
            result.analogues = analogues_from_hits(std.mol, hits[i], lib, k=k, exclude_connectivity=key[:14],
                                                   explain=explain, formula=formula)
        result.mol = std.mol


def _set_family(result: IdentifyResult, match: FamilyMatch) -> None:
    result.family_rule, result.family_atoms = match.rule, list(match.atoms)
    if result.identity is not None:
        curated = result.identity["family"]
        result.family = curated
        agree = "agree" if match.family == curated else f"says {match.family}"
        result.family_evidence = (f"reference library entry {result.identity['id']} is {curated}; "
                                  f"structure rules {agree} ({match.evidence})")
    else:
        result.family, result.family_evidence = match.family, match.evidence

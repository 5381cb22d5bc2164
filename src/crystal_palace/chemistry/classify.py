"""Assign an NPS family to a structure with ordered SMARTS rules kept as data.

The family vocabulary and its precedence are defined in ``docs/reference-data.md``; the rules that
implement it live in ``crystal_palace/data/rules/families.yaml``, so that a chemist can read, review
and extend them without touching code, and a laboratory can pass its own file. Families are tried in
file order and the first matching rule wins, because the classes nest (an ergoline contains a
tryptamine, fentanyl contains a phenethylamine).

Classification runs on every row of a large screen (budget about 0.1 ms per molecule), so patterns
are compiled once and each rule is screened, before its substructure search, by necessary
conditions derived from its own query: counted features (heavy atoms, cycles, aromatic atoms,
aliphatic N, elements) checked for all rules at once as bit sets; recursive atoms shared by many
rules (``<basic_n>``), searched once per molecule; and a copy of the pattern without its costly
recursive terms. The conditions are derived, not declared, so a user-supplied rule cannot get them
wrong: they only skip searches that could not have matched, and a test checks that the answers
equal those of a plain search through every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from rdkit import Chem, rdBase
from rdkit.Chem import rdMolDescriptors, rdqueries

from crystal_palace.chemistry.vocabulary import FAMILIES
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData

NO_FAMILY = "none"
_MACRO = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
_RULE_KEYS = frozenset({"name", "smarts", "exclude", "description", "reference"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FORMULA = re.compile(r"([A-Z][a-z]?)(\d*)")
_AROMATIC = rdqueries.IsAromaticQueryAtom()  # (mol.GetAromaticAtoms() leaks ~300 bytes per call)
_AROMATIC_N = rdqueries.AtomNumEqualsQueryAtom(7)
_AROMATIC_N.ExpandQuery(rdqueries.IsAromaticQueryAtom())
_MIN_SCREEN_USERS = 5
_INPUT_INDEX = "_classify_input_index"
_REMOVE_HS = Chem.RemoveHsParameters()
_REMOVE_HS.removeIsotopes = True  # type: ignore[assignment]  # (stub bug) D classifies as H


@dataclass(frozen=True)
class FamilyMatch:
    """The family assigned to a structure and the evidence for it.

    ``atoms`` are the indices of the winning pattern's match, in the order of the pattern's atoms,
    so that a depiction can highlight the motif that decided.
    """

    family: str
    rule: str | None
    atoms: tuple[int, ...]
    evidence: str


@dataclass(frozen=True)
class FamilyRule:
    """One compiled rule and the necessary conditions derived from its query."""

    family: str
    name: str
    smarts: str
    description: str
    reference: str
    line: int
    pattern: Chem.Mol = field(repr=False, compare=False)
    exclude_smarts: tuple[str, ...] = ()
    excludes: tuple[Chem.Mol, ...] = field(repr=False, compare=False, default=())
    gate: Chem.Mol | None = field(repr=False, compare=False, default=None)
    screens: tuple[str, ...] = ()
    needs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class FamilyRules:
    """An ordered rule set (families in precedence order) with its screening tables.

    For each counted feature (heavy atoms, independent cycles, aromatic atoms, aliphatic N, each
    element), ``_tables[feature][v]`` is the set of rules, as bits of an int, whose need for that
    feature is at most ``v``; a molecule's candidate rules are the AND over its features, a dozen
    integer operations for the whole rule set.
    """

    source: str
    families: tuple[str, ...]
    rules: tuple[FamilyRule, ...]
    _tables: dict[str, list[int]] = field(init=False, repr=False, compare=False)
    _lazy_tables: tuple[tuple[int, Callable[[Chem.Mol], int], list[int]], ...] = field(
        init=False, repr=False, compare=False)
    _screens_of: tuple[tuple[tuple[int, Chem.Mol, int], ...], ...] = field(
        init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        everything = (1 << len(self.rules)) - 1
        tables: dict[str, list[int]] = {}
        lazy: list[tuple[int, Callable[[Chem.Mol], int], list[int]]] = []
        for feature in sorted({f for r in self.rules for f, _ in r.needs}):
            need = [dict(r.needs).get(feature, 0) for r in self.rules]
            table = [sum(1 << i for i, k in enumerate(need) if k <= v) for v in range(max(need))] + [everything]
            if feature in _LAZY_FEATURES:  # counted only when a rule that needs it is still a candidate
                lazy.append((everything & ~table[0], _LAZY_FEATURES[feature], table))
            else:
                tables[feature] = table
        # A recursive atom shared by several rules is searched at most once per molecule, when
        # the first of its rules comes up, and a miss drops all of them; an atom used by fewer
        # rules is left to each rule's gate, which is cheaper than a recursive search.
        users: dict[str, int] = {}
        for i, rule in enumerate(self.rules):
            for key in rule.screens:
                users[key] = users.get(key, 0) | (1 << i)
        shared = [key for key in sorted(users) if users[key].bit_count() >= _MIN_SCREEN_USERS]
        compiled = {key: (n, Chem.MolFromSmarts(key), users[key]) for n, key in enumerate(shared)}
        object.__setattr__(self, "_tables", tables)
        object.__setattr__(self, "_lazy_tables", tuple(lazy))
        object.__setattr__(self, "_screens_of", tuple(
            tuple(compiled[k] for k in rule.screens if k in compiled) for rule in self.rules))

    def __len__(self) -> int:
        return len(self.rules)

    def first_match(self, mol: Chem.Mol, formula: str | None = None) -> tuple[FamilyRule, tuple[int, ...]] | None:
        """The first rule, in order, that matches a prepared molecule, with the matched atoms.

        ``formula`` is the molecule's formula (``CalcMolFormula``) when the caller has it already.
        """
        mask = (1 << len(self.rules)) - 1
        have = _features(mol, formula)
        for feature, table in self._tables.items():
            mask &= table[min(have.get(feature, 0), len(table) - 1)]
        for users, count, table in self._lazy_tables:
            if mask & users:
                mask &= table[min(count(mol), len(table) - 1)]
        searched = 0  # bit n set: shared screen n was searched (and found)
        while mask:
            low = mask & -mask
            mask ^= low
            i = low.bit_length() - 1
            missing = False
            for n, screen, users in self._screens_of[i]:
                if not searched >> n & 1:
                    searched |= 1 << n
                    if not mol.HasSubstructMatch(screen):
                        mask &= ~users
                        missing = True
                        break
            rule = self.rules[i]
            if missing or (rule.gate is not None and not mol.HasSubstructMatch(rule.gate)):
                continue
            atoms = mol.GetSubstructMatch(rule.pattern)
            if atoms and not any(mol.HasSubstructMatch(x) for x in rule.excludes):
                return rule, tuple(atoms)
        return None


_RING_ALIPHATIC_C = rdqueries.AtomNumEqualsQueryAtom(6)
_RING_ALIPHATIC_C.ExpandQuery(rdqueries.IsAromaticQueryAtom(negate=True))
_RING_ALIPHATIC_C.ExpandQuery(rdqueries.IsInRingQueryAtom())


def _ring_aliphatic_carbons(mol: Chem.Mol) -> int:
    return len(mol.GetAtomsMatchingQuery(_RING_ALIPHATIC_C))


_LAZY_FEATURES: dict[str, Callable[[Chem.Mol], int]] = {"ring aliphatic C": _ring_aliphatic_carbons}
"""Features that cost a search of their own: counted for a molecule only while a rule needing them is
still a candidate (aliphatic ring carbons rule out the many piperidine, cyclohexane and morphinan
rules for the molecules without an aliphatic ring, before any of their searches)."""


def _features(mol: Chem.Mol, formula: str | None = None) -> dict[str, int]:
    """Count a molecule's screening features with a few C++ calls.

    Heavy atoms, independent cycles, aromatic atoms, aliphatic nitrogens and the element counts of
    the molecular formula (``formula`` when given); an atom loop in Python would cost more than all
    of them together.
    """
    n_atoms = mol.GetNumAtoms()
    # ring perception has run (see _prepared); its ring count is at least the cycle count
    have = {"atoms": n_atoms, "cycles": mol.GetRingInfo().NumRings(),
            "aromatic": len(mol.GetAtomsMatchingQuery(_AROMATIC))}
    for symbol, number in _FORMULA.findall(formula or rdMolDescriptors.CalcMolFormula(mol)):
        have[symbol] = have.get(symbol, 0) + (int(number) if number else 1)
    if "N" in have:
        have["aliphatic N"] = have["N"] - len(mol.GetAtomsMatchingQuery(_AROMATIC_N))
    return have


# --- deriving the screens of a rule from its SMARTS -------------------------------------------

def _required_primitives(atom: Chem.Atom) -> list[str]:
    """The primitives an atom query requires: leaves of its query tree reached through ANDs only.

    RDKit describes a query as an indented tree (``AtomAnd`` / ``AtomOr`` nodes, leaves such as
    ``AtomType 1006 = val``); a leaf under an ``AtomOr``, or negated (``!=``, ``not in``), is not
    required and is skipped.
    """
    required: list[str] = []
    stack: list[tuple[int, bool]] = []  # (indent, this node and all its ancestors are ANDs)
    for line in atom.DescribeQuery().splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        all_and = all(ok for _, ok in stack)
        text = line.strip()
        if not text.endswith("= val"):
            stack.append((indent, all_and and text == "AtomAnd"))
        elif all_and and "!=" not in text:
            required.append(text[: -len(" = val")])
    return required


def _cyclic_atoms(query: Chem.Mol) -> set[int]:
    """Atoms of the query graph that lie on a cycle (an end of a bond that is not a bridge).

    A match maps the query graph into the target, so a query cycle lands on a target cycle.
    """
    neighbours: dict[int, set[int]] = {a.GetIdx(): set() for a in query.GetAtoms()}
    for bond in query.GetBonds():
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        neighbours[u].add(v)
        neighbours[v].add(u)
    cyclic: set[int] = set()
    for bond in query.GetBonds():
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        seen, todo = {u}, [n for n in neighbours[u] if n != v]  # is v reachable from u without this bond?
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(neighbours[n] - seen)
        if v in seen:
            cyclic.update((u, v))
    return cyclic


def _requires_ring(kind: str, value: str) -> bool:
    """Whether a required primitive puts its atom in a ring (``R``, ``R2``, ``r5``, ``x2``; not ``R0``)."""
    if kind == "AtomInNRings":
        return value.lstrip("-").isdigit() and int(value) != 0
    return kind in ("AtomMinRingSize", "AtomRingBondCount") and value.isdigit() and int(value) > 0


def _query_needs(query: Chem.Mol) -> tuple[tuple[str, int], ...]:
    """What any match of ``query`` implies about the target, as counted features.

    A match maps query atoms and bonds one-to-one into the target, so the target has at least as
    many atoms, as many independent cycles (bonds - atoms + components), and one distinct atom per
    query atom that requires an element, aromaticity, an aliphatic nitrogen, or an aliphatic carbon
    in a ring (the atom lies on a cycle of the query, or asks for ring membership).
    """
    n_atoms = query.GetNumAtoms()
    needs = {"atoms": n_atoms,
             "cycles": max(query.GetNumBonds() - n_atoms + len(Chem.GetMolFrags(query)), 0)}
    table = Chem.GetPeriodicTable()
    cyclic = _cyclic_atoms(query)
    for atom in query.GetAtoms():
        element, aromatic, aliphatic, ring = 0, False, False, atom.GetIdx() in cyclic
        marked_aliphatic = False  # [#6;A]: aliphatic by its own primitive rather than by its symbol
        for primitive in _required_primitives(atom):
            kind, _, value = primitive.partition(" ")
            if kind in ("AtomType", "AtomAtomicNum") and value.isdigit():
                element = int(value) % 1000
                aromatic = aromatic or int(value) > 1000
                aliphatic = aliphatic or (kind == "AtomType" and int(value) < 1000)
            elif kind == "AtomIsAromatic" and value == "1":
                aromatic = True
            elif kind == "AtomIsAliphatic" and value == "1":
                marked_aliphatic = True
            ring = ring or _requires_ring(kind, value)
        if element > 1:
            symbol = table.GetElementSymbol(element)
            needs[symbol] = needs.get(symbol, 0) + 1
            if element == 7 and aliphatic:
                needs["aliphatic N"] = needs.get("aliphatic N", 0) + 1
            if element == 6 and (aliphatic or marked_aliphatic) and ring:
                needs["ring aliphatic C"] = needs.get("ring aliphatic C", 0) + 1
        if aromatic:
            needs["aromatic"] = needs.get("aromatic", 0) + 1
    return tuple(sorted(needs.items()))


def _bracket_atoms(smarts: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level bracket atom ``[...]`` (nested recursive SMARTS skipped)."""
    spans: list[tuple[int, int]] = []
    start, depth, paren = -1, 0, 0
    for i, char in enumerate(smarts):
        if char == "[":
            depth += 1
            if depth == 1:
                start, paren = i, 0
        elif char == "]":
            depth -= 1
            if depth == 0:
                spans.append((start, i))
        elif depth and char in "()":
            paren += 1 if char == "(" else -1
    return spans


def _weaken_atom(body: str) -> str:
    """A bracket atom without its recursive terms: drop AND-ed ``$(...)``; ``*`` under an OR."""
    terms: list[str] = []
    term, depth, has_or = "", 0, False
    for char in body:
        depth += (char == "(") - (char == ")")
        if depth == 0 and char in ";&,":
            has_or = has_or or char == ","
            terms.append(term)
            term = ""
        else:
            term += char
    terms.append(term)
    kept = [t for t in terms if t and "$(" not in t]
    return "*" if has_or or not kept else "[" + ";".join(kept) + "]"


def gate_smarts(smarts: str) -> str:
    """A weaker SMARTS without recursive terms, searched first as a cheap necessary condition.

    RDKit runs every recursive subquery against the whole molecule before matching, so
    ``<aryl_c>[CX4][CX4]<basic_n>`` costs several searches; its gate ``[c][CX4][CX4][NX3;+0]``
    costs one and rejects most molecules. Dropping an AND-ed term, or replacing an atom by ``*``,
    only widens what the atom accepts, so every match of the rule is a match of its gate.

    >>> gate_smarts("[c;!$(c:n)][CX4][NX3;H1,$(N[CH3])]")
    '[c][CX4]*'
    """
    out, last = [], 0
    for start, end in _bracket_atoms(smarts):
        body = smarts[start + 1:end]
        out.append(smarts[last:start])
        out.append(_weaken_atom(body) if "$(" in body else smarts[start:end + 1])
        last = end + 1
    out.append(smarts[last:])
    return "".join(out)


def _screens(smarts: str) -> tuple[str, ...]:
    """The recursive bracket atoms of a pattern: each must match some atom of the target.

    Rules share them (the ``basic_n`` macro appears in dozens), so each is searched at most once
    per molecule.
    """
    found = {smarts[s:e + 1] for s, e in _bracket_atoms(smarts) if "$(" in smarts[s:e + 1]}
    return tuple(sorted(found))


# --- reading a rules file ----------------------------------------------------------------------

#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]  # a variable base
    """A YAML loader that records the 1-based line of every mapping under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

Problems = list[tuple[int | None, str]]


def _compile(smarts: str) -> Chem.Mol | None:
    with rdBase.BlockLogs():
        return Chem.MolFromSmarts(smarts)


def _expand(text: str, macros: Mapping[str, str], where: str, line: int,
            problems: Problems) -> str | None:
    unknown = sorted({m for m in _MACRO.findall(text) if m not in macros})
    if unknown:
        problems.append((line, f"{where}: unknown macro(s) {', '.join(unknown)}"))
        return None
    return _MACRO.sub(lambda m: macros[m.group(1)], text)


def _compile_checked(text: str, macros: Mapping[str, str], what: str, line: int,
                     problems: Problems) -> tuple[str, Chem.Mol] | None:
    smarts = _expand(text, macros, what, line, problems)
    if smarts is None:
        return None
    query = _compile(smarts)
    if query is None:
        problems.append((line, f"{what}: SMARTS {smarts!r} does not parse"))
        return None
    return smarts, query


def _parse_rule(raw: Any, family: str, macros: Mapping[str, str], seen: set[str],
                family_line: int, problems: Problems) -> FamilyRule | None:
    if not isinstance(raw, dict):
        problems.append((family_line, f"family {family}: each rule must be a mapping"))
        return None
    line = int(raw.pop("__line__", family_line))
    before = len(problems)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append((line, f"family {family}: rule name {name!r} must match {_NAME.pattern}"))
        name = "?"
    elif name in seen:
        problems.append((line, f"rule name {name!r} is used twice"))
    seen.add(name)
    for key in sorted(set(raw) - _RULE_KEYS):
        problems.append((line, f"rule {name}: unknown key {key!r}"))
    text: dict[str, str] = {}
    for key in ("smarts", "description", "reference"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            text[key] = value.strip()
        else:
            problems.append((line, f"rule {name}: {key} must be a non-empty string"))
    raw_excludes = raw.get("exclude", [])
    if not isinstance(raw_excludes, list) or not all(isinstance(x, str) for x in raw_excludes):
        problems.append((line, f"rule {name}: exclude must be a list of SMARTS strings"))
        raw_excludes = []
    main = None
    if "smarts" in text:
        main = _compile_checked(text["smarts"], macros, f"rule {name}", line, problems)
    excludes = [_compile_checked(x, macros, f"rule {name} exclude", line, problems)
                for x in raw_excludes]
    if len(problems) > before or main is None:
        return None
    smarts, pattern = main
    weaker = gate_smarts(smarts)
    return FamilyRule(
        family=family, name=name, smarts=smarts, description=text["description"],
        reference=text["reference"], line=line,
        exclude_smarts=tuple(x[0] for x in excludes if x is not None),
        pattern=pattern, excludes=tuple(x[1] for x in excludes if x is not None),
        gate=_compile(weaker) if weaker != smarts else None, screens=_screens(smarts),
        needs=_query_needs(pattern),
    )


def _parse_macros(raw: Any, problems: Problems) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append((None, "macros must be a mapping of name to a one-atom SMARTS"))
        return {}
    line = raw.pop("__line__", None)
    macros: dict[str, str] = {}
    for key, value in raw.items():
        query = _compile(value) if isinstance(value, str) else None
        if query is None or query.GetNumAtoms() != 1:
            problems.append((line, f"macro {key!r}: {value!r} is not a one-atom SMARTS"))
        else:
            macros[str(key)] = value
    return macros


def parse_family_rules(text: str, source: str) -> FamilyRules:
    """Validate and compile a rules document; raise with every problem found, each with its line."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidReferenceData(source, [(mark.line + 1 if mark else None, f"not YAML: {exc}")]) from exc
    if not isinstance(doc, dict):
        raise InvalidReferenceData(source, [(None, "the document must be a mapping with 'families'")])
    problems: Problems = []
    for key in sorted(set(doc) - {"schema", "macros", "families", "__line__"}, key=str):
        problems.append((None, f"unknown top-level key {key!r}"))
    if doc.get("schema") != 1:
        problems.append((doc.get("__line__"), f"schema must be 1, found {doc.get('schema')!r}"))
    macros = _parse_macros(doc.get("macros") or {}, problems)
    raw_families = doc.get("families")
    if not isinstance(raw_families, list) or not raw_families:
        problems.append((None, "families must be a non-empty list"))
        raw_families = []
    families: list[str] = []
    rules: list[FamilyRule] = []
    seen: set[str] = set()
    for entry in raw_families:
        line = int(entry.pop("__line__", 0)) if isinstance(entry, dict) else 0
        family = entry.get("family") if isinstance(entry, dict) else None
        if family not in FAMILIES or family == NO_FAMILY:
            problems.append((line or None, f"family {family!r} is not in the vocabulary (or is 'none')"))
            continue
        if family in families:
            problems.append((line, f"family {family} is listed twice"))
        families.append(family)
        raw_rules = entry.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            problems.append((line, f"family {family}: rules must be a non-empty list"))
            continue
        for raw in raw_rules:
            rule = _parse_rule(raw, family, macros, seen, line, problems)
            if rule is not None:
                rules.append(rule)
    if problems:
        raise InvalidReferenceData(source, problems)
    return FamilyRules(source=source, families=tuple(families), rules=tuple(rules))


def load_family_rules(path: str | Path | None = None) -> FamilyRules:
    """Load a rules file: the packaged one by default (cached), or a user's own YAML file."""
    if path is None:
        return _packaged_rules()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidReferenceData(str(path), [(None, f"cannot read the file: {exc}")]) from exc
    return parse_family_rules(text, str(path))


@lru_cache(maxsize=1)
def _packaged_rules() -> FamilyRules:
    resource = resources.files("crystal_palace") / "data" / "rules" / "families.yaml"
    return parse_family_rules(resource.read_text(encoding="utf-8"),
                              "crystal_palace/data/rules/families.yaml")


# --- classifying -------------------------------------------------------------------------------

def _has_ring_info(mol: Chem.Mol) -> bool:
    """Whether ring perception has been run on ``mol`` (RDKit only tells by raising)."""
    with rdBase.BlockLogs():
        try:
            mol.GetRingInfo().NumRings()
        except RuntimeError:
            return False
    return True


def _prepared(mol: Chem.Mol) -> Chem.Mol:
    """``mol`` when it is ready to search, else a private copy made ready.

    Matching needs computed valences and ring perception, and the rules are written for
    hydrogen-suppressed graphs. A parent cut from a salt without sanitisation has no ring
    information, and a hand-built molecule may carry explicit hydrogens; both are handled on a
    copy, so that the caller's molecule is never modified.
    """
    work = mol
    if work.NeedsUpdatePropertyCache():  # never sanitised
        work = Chem.Mol(mol)
        try:
            with rdBase.BlockLogs():
                Chem.SanitizeMol(work)
        except Exception as exc:  # RDKit raises several sanitisation error types
            raise InvalidInput(f"the structure cannot be sanitised: {exc}", field="structure") from exc
    if work.GetNumAtoms() != work.GetNumHeavyAtoms():
        tagged = Chem.Mol(work)
        for atom in tagged.GetAtoms():  # so that matched atoms are reported in the caller's numbering
            atom.SetIntProp(_INPUT_INDEX, atom.GetIdx())
        work = Chem.RemoveHs(tagged, _REMOVE_HS)
    if not _has_ring_info(work):
        if work is mol:
            work = Chem.Mol(mol)
        Chem.GetSymmSSSR(work)  # the ring perception that sanitisation would have done
    return work


def _evidence(rule: FamilyRule, atoms: tuple[int, ...]) -> str:
    return (f"{rule.family}: rule {rule.name} matched atoms {','.join(map(str, atoms))} "
            f"({rule.description})")


def classify(mol: Chem.Mol, rules: FamilyRules | None = None, *, formula: str | None = None) -> FamilyMatch:
    """Assign the NPS family of a standardised parent structure: the first matching rule wins.

    Parameters
    ----------
    mol
        The parent structure (neutral, largest fragment), as
        :func:`crystal_palace.chemistry.standardize.standardize` returns it. It is not modified.
    rules
        A rule set from :func:`load_family_rules`; the packaged rules when omitted.
    formula
        The molecular formula of ``mol`` (``CalcMolFormula``), when the caller has computed it.

    Returns
    -------
    FamilyMatch
        The family, the rule that decided, the matched atoms and a sentence saying why; family
        ``"none"`` with ``rule=None`` when no rule matches.

    Raises
    ------
    InvalidInput
        When ``mol`` is None, or was never sanitised and cannot be.

    Examples
    --------
    >>> m = classify(Chem.MolFromSmiles("CNC(C)C(=O)c1ccc(C)cc1"))
    >>> m.family, m.rule
    ('synthetic_cathinone', 'beta_keto_phenethylamine')
    """
    if mol is None:
        raise InvalidInput("no structure to classify", field="structure")
    rule_set = rules if rules is not None else _packaged_rules()
    work = _prepared(mol)
    found = rule_set.first_match(work, formula if work is mol else None) if work.GetNumAtoms() else None
    if found is not None:
        rule, atoms = found
        if work is not mol and work.GetAtomWithIdx(0).HasProp(_INPUT_INDEX):
            atoms = tuple(work.GetAtomWithIdx(i).GetIntProp(_INPUT_INDEX) for i in atoms)
        return FamilyMatch(rule.family, rule.name, atoms, _evidence(rule, atoms))
    return FamilyMatch(NO_FAMILY, None, (),
                       f"none: no rule of {len(rule_set)} in {rule_set.source} matched")


def classify_many(mols: Sequence[Chem.Mol], rules: FamilyRules | None = None) -> list[FamilyMatch]:
    """Classify a batch with one rule set (the packaged one when omitted)."""
    rule_set = rules if rules is not None else _packaged_rules()
    return [classify(m, rule_set) for m in mols]

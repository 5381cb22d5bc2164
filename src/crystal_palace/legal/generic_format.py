"""The generic-rule file format: typed model and a loader that fails loudly, naming the line.

One YAML file holds one generic (group) definition. The format is documented in
``docs/legal-design.md`` ("Generic rule format"); this module turns a file into a :class:`GenericRule`
and rejects a file that breaks the format with *every* problem found and its line
(:class:`~crystal_palace.exceptions.InvalidReferenceData`), so that a rule cannot half-load: a silently
ignored limit would make the engine answer "controlled" or "not controlled" on a rule nobody wrote.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from rdkit import Chem

from crystal_palace.chemistry.rdkit_typed import quiet_rdkit
from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.legal.generic_model import (
    GenericRule,
)
from crystal_palace.legal.generic_yaml import LMap, line_of, load_yaml
from crystal_palace.legal.pieces import COVERED, canonical_template, not_, template_formula
from crystal_palace.legal.ring_systems import NAMED_SYSTEMS, SYSTEM_KINDS, SystemSpec
from crystal_palace.legal.substituent_rules import ClassDef, Further, ParamSpec, SubstituentRule, SubstituentSpec
from crystal_palace.legal.substituents import VOCABULARY

Problems = list[tuple[int | None, str]]


TOP_KEYS = {"id", "jurisdiction", "instrument", "category", "since", "until", "wording_since", "since_note",
            "source", "text", "completeness", "missing", "notes", "max_mass", "core", "positions", "closures",
            "exclusions", "scope", "prefilter"}
POSITION_KEYS = {"label", "atoms", "only_on", "allowed", "further", "elements", "max_mass", "max_count", "count_beyond",
                 "hydrogen", "undecided", "requires_listed", "extra_allowed", "linkers", "residue", "text",
                 "ring_system", "systems"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CALL = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:\((.*)\))?\s*$")
_ELEMENTS = {Chem.GetPeriodicTable().GetElementSymbol(z) for z in range(1, 119)}


class _Parser:
    """Parses one rule file, collecting every problem before raising."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: Problems = []

    def fail(self, line: int | None, reason: str) -> None:
        self.problems.append((line, reason))

    # -- scalars -----------------------------------------------------------------------------------
    def date(self, doc: LMap, key: str, required: bool) -> dt.date | None:
        value = doc.get(key)
        if value is None:
            if required:
                self.fail(doc.line, f"'{key}' is required (YYYY-MM-DD)")
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(line_of(doc, key, doc.line), f"'{key}' must be a date YYYY-MM-DD, not {value!r}")
            return None

    def string(self, doc: LMap, key: str, required: bool = True) -> str:
        value = doc.get(key)
        if value is None:
            if required:
                self.fail(doc.line, f"'{key}' is required")
            return ""
        if not isinstance(value, str):
            self.fail(line_of(doc, key, doc.line), f"'{key}' must be text")
            return ""
        return value.strip()

    def smarts(self, text: Any, line: int | None, what: str) -> Chem.Mol | None:
        if not isinstance(text, str) or not text.strip():
            self.fail(line, f"{what}: SMARTS must be a non-empty string")
            return None
        with quiet_rdkit():
            q = Chem.MolFromSmarts(text)
        if q is None:
            self.fail(line, f"{what}: SMARTS does not parse: {text}")
        return q

    def elements(self, value: Any, line: int | None, what: str) -> frozenset[str] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(line, f"{what}: expected a list of element symbols")
            return None
        bad = [v for v in value if v not in _ELEMENTS]
        if bad:
            self.fail(line, f"{what}: unknown element symbol(s) {', '.join(bad)}")
        return frozenset(v for v in value if v in _ELEMENTS)

    # -- substituent entries -----------------------------------------------------------------------
    def rule(self, value: Any, line: int | None, what: str) -> SubstituentRule:
        """A nested allowed list: a list of entries, or a mapping with allowed/further/elements/max_mass."""
        if isinstance(value, list):
            return SubstituentRule(allowed=self.entries(value, line, what))
        if isinstance(value, LMap):
            unknown = set(value) - {"allowed", "further", "elements", "max_mass", "text"}
            for k in sorted(unknown):
                self.fail(value.lines.get(k, value.line), f"{what}: unknown key '{k}'")
            return self.rule_body(value, what)
        self.fail(line, f"{what}: expected a list of substituents or a mapping")
        return SubstituentRule()

    def rule_body(self, doc: LMap, what: str) -> SubstituentRule:
        allowed = doc.get("allowed", [])
        entries = self.entries(allowed, line_of(doc, "allowed", doc.line), what) if allowed is not None else ()
        further = None
        if "further" in doc:
            further = self.further(doc["further"], line_of(doc, "further", doc.line), what)
        elements = None
        if "elements" in doc:
            elements = self.elements(doc["elements"], line_of(doc, "elements", doc.line), f"{what}.elements")
        max_mass = None
        if "max_mass" in doc:
            mm = doc["max_mass"]
            if isinstance(mm, (int, float)) and not isinstance(mm, bool) and mm > 0:
                max_mass = float(mm)
            else:
                self.fail(line_of(doc, "max_mass", doc.line), f"{what}.max_mass must be a positive number")
        return SubstituentRule(entries, further, elements, max_mass, str(doc.get("text", "") or ""))

    def further(self, value: Any, line: int | None, what: str) -> Further | None:
        if not isinstance(value, LMap):
            self.fail(line, f"{what}.further must be a mapping")
            return None
        for k in sorted(set(value) - {"elements", "max_chain", "substituents", "text"}):
            self.fail(value.lines.get(k, value.line), f"{what}.further: unknown key '{k}'")
        elements = None
        if "elements" in value:
            elements = self.elements(value["elements"], line_of(value, "elements", value.line), f"{what}.further")
        max_chain = value.get("max_chain")
        if max_chain is not None and (not isinstance(max_chain, int) or max_chain < 1):
            self.fail(line_of(value, "max_chain", value.line), f"{what}.further.max_chain must be a positive integer")
            max_chain = None
        subs = None
        if "substituents" in value:
            subs = self.rule(value["substituents"], line_of(value, "substituents", value.line), f"{what}.further")
        if elements is None and subs is None:
            self.fail(value.line, f"{what}.further needs 'elements' (open substitution) or 'substituents' (listed)")
        return Further(elements, max_chain, subs, str(value.get("text", "") or ""))

    def entries(self, value: Any, line: int | None, what: str) -> tuple[SubstituentSpec, ...]:
        if not isinstance(value, list):
            self.fail(line, f"{what}: 'allowed' must be a list")
            return ()
        out = []
        for i, item in enumerate(value):
            spec = self.entry(item, line_of(value, i, line), what)
            if spec is not None:
                out.append(spec)
        return tuple(out)

    def entry(self, item: Any, line: int | None, what: str) -> SubstituentSpec | None:
        text = ""
        if isinstance(item, str):
            m = _CALL.match(item)
            if not m:
                self.fail(line, f"{what}: cannot read substituent {item!r} (expected name or name(key=value, ...))")
                return None
            name, args = m.group(1), m.group(2)
            raw: dict[str, Any] = self.call_args(args, line, what) if args else {}
        elif isinstance(item, LMap):
            keys = [k for k in item if k not in ("text", "undecided")]
            text = str(item.get("text", "") or "")
            doubt = str(item.get("undecided", "") or "")
            if keys in (["smiles"], ["smiles", "name"], ["name", "smiles"]):
                return self.template_entry(item, line, what, text)
            if len(keys) != 1:
                self.fail(item.line, f"{what}: a substituent mapping needs exactly one class name (and optional text)")
                return None
            name = keys[0]
            args_doc = item[name]
            if args_doc is None:
                raw = {}
            elif isinstance(args_doc, LMap):
                raw = dict(args_doc)
                raw["__lines__"] = args_doc
            else:
                self.fail(item.line, f"{what}: parameters of '{name}' must be a mapping")
                return None
        else:
            self.fail(line, f"{what}: cannot read substituent {item!r}")
            return None
        cls = VOCABULARY.get(name)
        if cls is None:
            self.fail(line, f"{what}: unknown substituent name '{name}'")
            return None
        params = self.params(cls, raw, line, what)
        return SubstituentSpec(cls, params, line, text, doubt if isinstance(item, LMap) else "")

    def template_entry(self, item: LMap, line: int | None, what: str, text: str) -> SubstituentSpec | None:
        smiles = item.get("smiles")
        values = smiles if isinstance(smiles, list) else [smiles]
        canon = []
        for s in values:
            c = canonical_template(s) if isinstance(s, str) and "*" in s else None
            if c is None:
                self.fail(line, f"{what}: template SMILES must parse and contain '*' for the core atom: {s!r}")
            else:
                canon.append(c)
        if not canon:
            return None
        allowed = frozenset(canon)
        formulas = frozenset(f for f in (template_formula(str(s)) for s in values) if f)
        words = text or str(item.get("name", "") or values[0])

        def check(piece: Any, params: Any) -> Any:
            if piece.formula not in formulas or piece.smiles not in allowed:
                return not_(f"not {words}")
            return COVERED

        multi = any(str(s).count("*") > 1 or "*1" in str(s) for s in values)
        return SubstituentSpec(ClassDef(str(item.get("name", "template")), check, {}, None, lambda p: words,
                                        multi=multi), {}, line, words, str(item.get("undecided", "") or ""))

    def call_args(self, args: str, line: int | None, what: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in _split_args(args):
            if "=" not in part:
                self.fail(line, f"{what}: parameter {part!r} must be key=value")
                continue
            key, raw = (s.strip() for s in part.split("=", 1))
            out[key] = _scalar(raw)
        return out

    def params(self, cls: ClassDef, raw: Mapping[str, Any], line: int | None, what: str) -> dict[str, object]:
        lines = raw.get("__lines__")
        out: dict[str, object] = {}
        for key, value in raw.items():
            if key == "__lines__":
                continue
            where = line_of(lines, key, line) if isinstance(lines, LMap) else line
            spec = cls.params.get(key)
            if spec is None:
                self.fail(where, f"{what}: '{cls.name}' has no parameter '{key}' "
                                 f"(known: {', '.join(sorted(cls.params)) or 'none'})")
                continue
            converted = self.param_value(spec, value, where, f"{what}.{cls.name}.{key}")
            if converted is not None:
                out[key] = converted
        for key, spec in cls.params.items():
            if spec.required and key not in out:
                self.fail(line, f"{what}: '{cls.name}' needs parameter '{key}'")
        return out

    def param_value(self, spec: ParamSpec, value: Any, line: int | None, what: str) -> object | None:
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.fail(line, f"{what} must be a non-negative integer, not {value!r}")
                return None
            return value
        if spec.kind == "bool":
            if not isinstance(value, bool):
                self.fail(line, f"{what} must be true or false")
                return None
            return value
        if spec.kind == "str":
            if value not in ("yes", "no", "any"):
                self.fail(line, f"{what} must be yes, no or any")
                return None
            return str(value)
        if spec.kind == "elements":
            return self.elements(list(value) if isinstance(value, (list, tuple)) else value, line, what)
        if spec.kind == "names":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                self.fail(line, f"{what} must be a list of names")
                return None
            return frozenset(value)
        if spec.kind == "smarts":
            return value if self.smarts(value, line, what) is not None else None
        if spec.kind == "rule":
            return self.rule(value, line, what)
        if spec.kind == "systems":
            return self.systems(value, line, what)
        raise ValueError(spec.kind)

    def systems(self, value: Any, line: int | None, what: str) -> tuple[SystemSpec, ...]:
        if not isinstance(value, list) or not value:
            self.fail(line, f"{what}: expected a non-empty list of ring systems")
            return ()
        out = []
        for i, item in enumerate(value):
            where = line_of(value, i, line)
            if isinstance(item, str):
                if item not in NAMED_SYSTEMS:
                    self.fail(where, f"{what}: unknown ring system '{item}'")
                    continue
                out.append(SystemSpec(item, {}, where))
            elif isinstance(item, LMap) and len(item) == 1 and next(iter(item)) in SYSTEM_KINDS:
                kind = next(iter(item))
                params = self.system_params(item[kind] or LMap(), where, f"{what}.{kind}")
                out.append(SystemSpec(kind, params, where))
            else:
                self.fail(where, f"{what}: a ring system is a name or one of {', '.join(SYSTEM_KINDS)}: {{...}}")
        return tuple(out)

    def system_params(self, doc: Any, line: int | None, what: str) -> dict[str, object]:
        known = {"min_size": "int", "max_size": "int", "mono_max": "int", "fused_min": "int", "fused_max": "int",
                 "max_hetero": "int", "max_fused": "int", "hetero": "elements", "ring_elements": "elements",
                 "hetero_adjacent_to_z": "bool", "aromatic": "str", "n_substituents": "rule"}
        out: dict[str, object] = {}
        if not isinstance(doc, LMap):
            self.fail(line, f"{what}: parameters must be a mapping")
            return out
        for key, value in doc.items():
            where = line_of(doc, key, line)
            if key not in known:
                self.fail(where, f"{what}: unknown parameter '{key}'")
                continue
            converted = self.param_value(ParamSpec(known[key]), value, where, f"{what}.{key}")
            if converted is not None:
                out[key] = converted
        return out


def _split_args(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _scalar(raw: str) -> Any:
    if raw.startswith("[") and raw.endswith("]"):
        return [_scalar(p) for p in _split_args(raw[1:-1])]
    if raw in ("true", "false"):
        return raw == "true"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw.strip("'\"")


def parse_generic_rule(text: str, origin: str) -> GenericRule:
    """Parse one rule file; raise :class:`InvalidReferenceData` listing every problem with its line."""
    from crystal_palace.legal.generic_sections import parse_sections

    p = _Parser(origin)
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidReferenceData(origin, [(mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from exc
    if not isinstance(doc, LMap):
        raise InvalidReferenceData(origin, [(1, "a rule file must be a YAML mapping")])
    for key in sorted(set(doc) - TOP_KEYS):
        p.fail(doc.lines.get(key), f"unknown key '{key}' (known: {', '.join(sorted(TOP_KEYS))})")
    rule_id = p.string(doc, "id")
    if rule_id and not _ID.match(rule_id):
        p.fail(line_of(doc, "id", 1), f"id {rule_id!r} must be lower-case letters, digits and '-'")
    since = p.date(doc, "since", required=True)
    until = p.date(doc, "until", required=False)
    wording_since = p.date(doc, "wording_since", required=False)
    completeness = doc.get("completeness", "complete")
    if completeness not in ("complete", "partial"):
        p.fail(line_of(doc, "completeness", 1), "completeness must be 'complete' or 'partial'")
        completeness = "partial"
    missing = doc.get("missing", [])
    if completeness == "partial" and not missing:
        p.fail(line_of(doc, "completeness", 1), "a partial rule must say what is missing ('missing:')")
    max_mass = doc.get("max_mass")
    if max_mass is not None and (isinstance(max_mass, bool) or not isinstance(max_mass, (int, float)) or max_mass <= 0):
        p.fail(line_of(doc, "max_mass", 1), "max_mass must be a positive number (u)")
        max_mass = None
    text_ = p.string(doc, "text")
    sections = parse_sections(p, doc)
    if p.problems:
        raise InvalidReferenceData(origin, p.problems)
    assert since is not None  # noqa: S101 - reported above when missing
    return GenericRule(
        id=rule_id, jurisdiction=p.string(doc, "jurisdiction"), instrument=p.string(doc, "instrument"),
        category=p.string(doc, "category"), since=since, until=until, source=p.string(doc, "source"), text=text_,
        cores=sections.cores, positions=sections.positions, closures=sections.closures,
        exclusions=sections.exclusions, scope=sections.scope, prefilter=sections.prefilter,
        max_mass=float(max_mass) if max_mass is not None else None, completeness=completeness,
        missing=tuple(str(m) for m in missing or ()), notes=tuple(str(n) for n in doc.get("notes", []) or ()),
        wording_since=wording_since, since_note=str(doc.get("since_note", "") or ""),
        core_text=sections.core_text, path=origin)


def read_rule_files(paths: Sequence[Path], known: Mapping[str, GenericRule] | None = None) -> list[GenericRule]:
    """Parse several files, resolve cross-rule references, and reject duplicate ids.

    References are resolved among the files read first, then among ``known`` rules (the packaged set,
    so that a user's replacement of one packaged rule can still refer to the others).
    """
    rules: list[GenericRule] = []
    problems: dict[str, Problems] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidReferenceData(str(path), [(None, "not UTF-8")]) from None
        rules.append(parse_generic_rule(text, str(path)))
    by_id: dict[str, GenericRule] = {}
    for r in rules:
        if r.id in by_id:
            problems.setdefault(r.path, []).append((1, f"id '{r.id}' also used by {by_id[r.id].path}"))
        by_id[r.id] = r
    for r in rules:
        for ex in r.exclusions:
            if ex.kind == "rule":
                target = by_id.get(ex.value) or (known or {}).get(ex.value)
                if target is None:
                    problems.setdefault(r.path, []).append((ex.line, f"exclusion refers to unknown rule '{ex.value}'"))
                elif target is r:
                    problems.setdefault(r.path, []).append((ex.line, "a rule cannot exclude by itself"))
                else:
                    r.references[ex.value] = target
    for where, found in problems.items():
        raise InvalidReferenceData(where, found)
    return rules

"""Parsing of the structured sections of a rule file: core, positions, closures, exclusions, scope.

Split from :mod:`crystal_palace.legal.generic_format` to keep each module small; the problems found
are reported through the same collecting parser, each with its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rdkit import Chem

from crystal_palace.legal.generic_model import (
    Closure,
    CoreVariant,
    Exclusion,
    Linker,
    Position,
    RingSystemSpec,
    Scope,
)
from crystal_palace.legal.generic_yaml import LList, LMap, line_of
from crystal_palace.legal.pieces import canonical_template, smiles_formula
from crystal_palace.legal.substituent_rules import SubstituentRule, SubstituentSpec
from crystal_palace.legal.substituents import VOCABULARY

if TYPE_CHECKING:
    from crystal_palace.legal.generic_format import _Parser


@dataclass(frozen=True)
class Sections:
    """The parsed structural sections of one file."""

    cores: tuple[CoreVariant, ...]
    core_text: str
    positions: tuple[Position, ...]
    closures: tuple[Closure, ...]
    exclusions: tuple[Exclusion, ...]
    scope: tuple[Scope, ...]
    prefilter: tuple[Chem.Mol, ...]


def parse_sections(p: _Parser, doc: LMap) -> Sections:
    """Parse core, positions, closures, exclusions, scope and prefilter of a rule document."""
    cores, core_text = _cores(p, doc)
    maps = {m for c in cores for m in c.maps}
    positions = _positions(p, doc, maps)
    names = {pos.name for pos in positions}
    return Sections(cores, core_text, positions, _closures(p, doc, names), _exclusions(p, doc), _scope(p, doc),
                    _prefilter(p, doc, cores))


def _mapping(p: _Parser, value: Any, line: int | None, what: str) -> LMap | None:

    if not isinstance(value, LMap):
        p.fail(line, f"{what} must be a mapping")
        return None
    return value


def _unknown(p: _Parser, doc: LMap, known: set[str], what: str) -> None:
    for key in sorted(set(doc) - known):
        p.fail(doc.lines.get(key, doc.line), f"{what}: unknown key '{key}' (known: {', '.join(sorted(known))})")


def _cores(p: _Parser, doc: LMap) -> tuple[tuple[CoreVariant, ...], str]:

    core = _mapping(p, doc.get("core"), line_of(doc, "core", doc.line), "core")
    if core is None:
        return (), ""
    _unknown(p, core, {"smarts", "text", "variants"}, "core")
    variants: list[Any] = []
    if "variants" in core:
        raw = core["variants"]
        if not isinstance(raw, LList) or not raw:
            p.fail(line_of(core, "variants", core.line), "core.variants must be a non-empty list")
        else:
            variants = list(raw)
    elif "smarts" in core:
        variants = [core]
    else:
        p.fail(core.line, "core needs 'smarts' or 'variants'")
    out = []
    for v in variants:
        vdoc = _mapping(p, v, core.line, "core variant")
        if vdoc is None:
            continue
        if vdoc is not core:
            _unknown(p, vdoc, {"smarts", "text", "verdict", "note"}, "core variant")
        where = line_of(vdoc, "smarts", vdoc.line)
        q = p.smarts(vdoc.get("smarts"), where, "core")
        if q is None:
            continue
        maps = {a.GetAtomMapNum(): a.GetIdx() for a in q.GetAtoms() if a.GetAtomMapNum()}
        if len(maps) != sum(1 for a in q.GetAtoms() if a.GetAtomMapNum()):
            p.fail(where, "core: an atom-map number is used twice")
        verdict = vdoc.get("verdict", "covered") if vdoc is not core else "covered"
        if verdict not in ("covered", "undecided"):
            p.fail(line_of(vdoc, "verdict", vdoc.line), "verdict must be 'covered' or 'undecided'")
            verdict = "undecided"
        note = str(vdoc.get("note", "") or "")
        if verdict == "undecided" and not note:
            p.fail(vdoc.line, "a core variant with verdict 'undecided' must say why ('note:')")
        out.append(CoreVariant(str(vdoc["smarts"]), str(vdoc.get("text", core.get("text", "")) or ""), q, maps,
                               cast(Any, verdict), note))
    return tuple(out), str(core.get("text", "") or "")


def _positions(p: _Parser, doc: LMap, maps: set[int]) -> tuple[Position, ...]:

    raw = _mapping(p, doc.get("positions", {}), line_of(doc, "positions", doc.line), "positions")
    if raw is None:
        return ()
    from crystal_palace.legal.generic_format import POSITION_KEYS

    names = set(raw)
    ring_positions = {n for n, v in raw.items() if isinstance(v, dict) and "ring_system" in v}
    out = []
    for name, body in raw.items():
        pdoc = _mapping(p, body, raw.lines.get(name), f"position {name}")
        if pdoc is None:
            continue
        what = f"position {name}"
        _unknown(p, pdoc, POSITION_KEYS, what)
        ring_system = None
        atoms: list[int | str] = []
        if "ring_system" in pdoc:
            ring_system = _ring_system(p, pdoc, maps, what)
        else:
            value = pdoc.get("atoms")
            if not isinstance(value, LList) or not value:
                p.fail(pdoc.line, f"{what}: 'atoms' must list core map numbers or ring-system positions")
            else:
                for i, a in enumerate(value):
                    if isinstance(a, int) and not isinstance(a, bool):
                        if a not in maps:
                            p.fail(line_of(value, i, pdoc.line), f"{what}: map number {a} is not in any core variant")
                        atoms.append(a)
                    elif isinstance(a, str) and a in ring_positions:
                        atoms.append(a)
                    else:
                        p.fail(line_of(value, i, pdoc.line),
                               f"{what}: atom {a!r} is neither a core map number nor a ring-system position "
                               f"({', '.join(sorted(ring_positions)) or 'none defined'})")
        rule = p.rule_body(pdoc, what)
        extra = None
        if "extra_allowed" in pdoc:
            extra = SubstituentRule(allowed=p.entries(pdoc["extra_allowed"], line_of(pdoc, "extra_allowed", pdoc.line),
                                                      f"{what}.extra_allowed"))
        residue, residue_required = None, True
        if "residue" in pdoc:
            rdoc = _mapping(p, pdoc["residue"], line_of(pdoc, "residue", pdoc.line), f"{what}.residue")
            if rdoc is not None:
                _unknown(p, rdoc, {"allowed", "further", "elements", "max_mass", "text", "required"}, f"{what}.residue")
                residue_required = bool(rdoc.get("required", True))
                body = {k: v for k, v in rdoc.items() if k != "required"}
                residue = p.rule_body(_as_lmap(rdoc, body), f"{what}.residue")
        linkers = _linkers(p, pdoc, what)
        if linkers and residue is None:
            p.fail(pdoc.line, f"{what}: 'linkers' need a 'residue' section")
        on = None
        if "only_on" in pdoc:
            on = p.elements(pdoc["only_on"], line_of(pdoc, "only_on", pdoc.line), f"{what}.only_on")
        max_count = pdoc.get("max_count")
        if max_count is not None and (isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1):
            p.fail(line_of(pdoc, "max_count", pdoc.line), f"{what}: max_count must be a positive integer")
            max_count = None
        beyond = pdoc.get("count_beyond", "miss")
        if beyond not in ("miss", "undecided"):
            p.fail(line_of(pdoc, "count_beyond", pdoc.line), f"{what}: count_beyond must be 'miss' or 'undecided'")
            beyond = "miss"
        hydrogen = pdoc.get("hydrogen", "allowed")
        if hydrogen is True:
            hydrogen = "allowed"
        if hydrogen is False:
            hydrogen = "forbidden"
        if hydrogen not in ("allowed", "undecided", "forbidden"):
            p.fail(line_of(pdoc, "hydrogen", pdoc.line), f"{what}: hydrogen must be allowed, undecided or forbidden")
            hydrogen = "allowed"
        if not rule.allowed and ring_system is None and not linkers:
            p.fail(pdoc.line, f"{what}: 'allowed' is required (the substituents the text allows)")
        if not str(pdoc.get("text", "") or "").strip():
            p.fail(pdoc.line, f"{what}: 'text' (the legal text this part encodes) is required")
        out.append(Position(
            name=str(name), label=str(pdoc.get("label", name)), atoms=tuple(atoms), rule=rule,
            text=str(pdoc.get("text", "")).strip(), on=on, max_count=max_count,
            count_beyond=cast(Any, beyond), hydrogen=cast(Any, hydrogen),
            undecided=str(pdoc.get("undecided", "") or ""),
            requires_listed=bool(pdoc.get("requires_listed", False)), extra=extra, linkers=linkers, residue=residue,
            residue_required=residue_required, ring_system=ring_system, line=pdoc.line))
    del names
    return tuple(out)


def _as_lmap(template: LMap, body: dict[str, Any]) -> LMap:

    out = LMap(body)
    out.line = template.line
    out.lines = {k: template.lines.get(k, template.line) for k in body}
    return out


def _ring_system(p: _Parser, pdoc: LMap, maps: set[int], what: str) -> Any:

    rs = _mapping(p, pdoc["ring_system"], line_of(pdoc, "ring_system", pdoc.line), f"{what}.ring_system")
    if rs is None:
        return None
    _unknown(p, rs, {"anchor", "required"}, f"{what}.ring_system")
    anchor = rs.get("anchor")
    if not isinstance(anchor, LList) or not anchor or not all(isinstance(a, int) and a in maps for a in anchor):
        p.fail(rs.line, f"{what}.ring_system.anchor must list core map numbers")
        return None
    systems = p.systems(pdoc.get("systems"), line_of(pdoc, "systems", pdoc.line), f"{what}.systems")
    return RingSystemSpec(tuple(anchor), systems, bool(rs.get("required", True)))


def _linkers(p: _Parser, pdoc: LMap, what: str) -> tuple[Any, ...]:

    raw = pdoc.get("linkers")
    if raw is None:
        return ()
    if not isinstance(raw, LList):
        p.fail(line_of(pdoc, "linkers", pdoc.line), f"{what}.linkers must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        ldoc = _mapping(p, item, line_of(raw, i, raw.line), f"{what}.linkers")
        if ldoc is None:
            continue
        _unknown(p, ldoc, {"smarts", "text"}, f"{what}.linkers")
        q = p.smarts(ldoc.get("smarts"), line_of(ldoc, "smarts", ldoc.line), f"{what}.linkers")
        if q is not None:
            out.append(Linker(str(ldoc["smarts"]), str(ldoc.get("text", "") or ""), q))
    return tuple(out)


def _closures(p: _Parser, doc: LMap, names: set[str]) -> tuple[Closure, ...]:

    raw = doc.get("closures")
    if raw is None:
        return ()
    if not isinstance(raw, LList):
        p.fail(line_of(doc, "closures", doc.line), "closures must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        cdoc = _mapping(p, item, line_of(raw, i, raw.line), "closure")
        if cdoc is None:
            continue
        _unknown(p, cdoc, {"between", "all_of", "allowed", "elements", "ring_size", "verdict", "text", "further",
                           "polycyclic"}, "closure")
        between = cdoc.get("between")
        if not isinstance(between, LList) or not between or any(b not in names for b in between):
            p.fail(cdoc.line, f"closure: 'between' must list position names ({', '.join(sorted(names))})")
            continue
        all_of = cdoc.get("all_of", [])
        if any(b not in between for b in all_of or []):
            p.fail(line_of(cdoc, "all_of", cdoc.line), "closure: 'all_of' must be a subset of 'between'")
        body = {k: v for k, v in cdoc.items() if k in ("allowed", "elements", "further")}
        if "allowed" not in body:
            body["allowed"] = ["any"]

        rule = p.rule_body(_as_lmap(cdoc, body), "closure")
        size = cdoc.get("ring_size")
        ring_size = None
        if size is not None:
            if (isinstance(size, LList) and len(size) == 2 and all(isinstance(s, int) for s in size)
                    and size[0] <= size[1]):
                ring_size = (int(size[0]), int(size[1]))
            else:
                p.fail(line_of(cdoc, "ring_size", cdoc.line), "closure: ring_size must be [min, max]")
        verdict = cdoc.get("verdict", "covered")
        if verdict not in ("covered", "undecided", "excluded"):
            p.fail(line_of(cdoc, "verdict", cdoc.line), "closure: verdict must be 'covered', 'undecided' or 'excluded'")
            verdict = "undecided"
        text = str(cdoc.get("text", "") or "").strip()
        if not text:
            p.fail(cdoc.line, "closure: 'text' (the legal text) is required")
        out.append(Closure(frozenset(between), frozenset(all_of or []), rule, ring_size, cast(Any, verdict), text,
                           cdoc.line, str(cdoc.get("polycyclic", "") or "")))
    return tuple(out)


def _exclusions(p: _Parser, doc: LMap) -> tuple[Exclusion, ...]:

    raw = doc.get("exclusions")
    if raw is None:
        return ()
    if not isinstance(raw, LList):
        p.fail(line_of(doc, "exclusions", doc.line), "exclusions must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        edoc = _mapping(p, item, line_of(raw, i, raw.line), "exclusion")
        if edoc is None:
            continue
        _unknown(p, edoc, {"smiles", "smarts", "rule", "when", "verdict", "text", "name"}, "exclusion")
        kinds = [k for k in ("smiles", "smarts", "rule") if k in edoc]
        text = str(edoc.get("text", "") or "").strip()
        if len(kinds) != 1:
            p.fail(edoc.line, "exclusion needs exactly one of smiles, smarts, rule")
            continue
        if not text:
            p.fail(edoc.line, "exclusion: 'text' (the legal text) is required")
        kind = kinds[0]
        value = str(edoc[kind])
        where = line_of(edoc, kind, edoc.line)
        verdict = edoc.get("verdict", "excluded")
        if verdict not in ("excluded", "undecided"):
            p.fail(line_of(edoc, "verdict", edoc.line), "exclusion: verdict must be 'excluded' or 'undecided'")
            verdict = "excluded"
        when = edoc.get("when", "covered")
        if when not in ("covered", "core_not_covered"):
            p.fail(line_of(edoc, "when", edoc.line), "exclusion: when must be 'covered' or 'core_not_covered'")
            when = "covered"
        name = str(edoc.get("name", "") or "")
        if kind == "smiles":
            mol = Chem.MolFromSmiles(value)
            if mol is None:
                p.fail(where, f"exclusion: SMILES does not parse: {value}")
                continue
            canon = canonical_template(value) or ""
            out.append(Exclusion("smiles", name or value, text, cast(Any, verdict), "covered", canon, None, edoc.line,
                                 smiles_formula(value) or ()))
        elif kind == "smarts":
            q = p.smarts(value, where, "exclusion")
            if q is not None:
                out.append(Exclusion("smarts", value, text, cast(Any, verdict), "covered", "", q, edoc.line))
        else:
            out.append(Exclusion("rule", value, text, cast(Any, verdict), cast(Any, when), "", None, edoc.line))
    return tuple(out)


def _scope(p: _Parser, doc: LMap) -> tuple[Scope, ...]:

    raw = doc.get("scope")
    if raw is None:
        return ()
    if not isinstance(raw, LList):
        p.fail(line_of(doc, "scope", doc.line), "scope must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        sdoc = _mapping(p, item, line_of(raw, i, raw.line), "scope")
        if sdoc is None:
            continue
        _unknown(p, sdoc, {"smarts", "text"}, "scope")
        q = p.smarts(sdoc.get("smarts"), line_of(sdoc, "smarts", sdoc.line), "scope")
        text = str(sdoc.get("text", "") or "").strip()
        if not text:
            p.fail(sdoc.line, "scope: 'text' (why the rules do not decide) is required")
        if q is not None:
            out.append(Scope(str(sdoc["smarts"]), text, q))
    return tuple(out)


def _prefilter(p: _Parser, doc: LMap, cores: tuple[CoreVariant, ...]) -> tuple[Chem.Mol, ...]:

    raw = doc.get("prefilter")
    if raw is None:
        return tuple(c.query for c in cores)
    if not isinstance(raw, LList) or not raw:
        p.fail(line_of(doc, "prefilter", doc.line), "prefilter must be a non-empty list of SMARTS")
        return ()
    out = []
    for i, s in enumerate(raw):
        q = p.smarts(s, line_of(raw, i, raw.line), "prefilter")
        if q is not None:
            out.append(q)
    return tuple(out)


def vocabulary_names() -> list[str]:
    """All names usable in 'allowed' lists (for documentation and tests)."""
    return sorted(VOCABULARY)


__all__ = ["Sections", "parse_sections", "vocabulary_names", "SubstituentSpec"]

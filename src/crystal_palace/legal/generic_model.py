"""The typed model of a generic rule as loaded from its file (see ``docs/legal-design.md``).

Frozen dataclasses: the packaged rules are loaded once per process and shared by every call of the
engine. The only mutable part is :attr:`GenericRule.references`, filled once at load time with the rules
an exclusion refers to ("... zugleich eine in den Stoffgruppendefinitionen der Nummern 2 bis 9 genannte
Kern- oder Grundstruktur besitzen ...").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from rdkit import Chem

from crystal_palace.legal.ring_systems import SystemSpec
from crystal_palace.legal.substituent_rules import SubstituentRule

Verdict = Literal["covered", "undecided"]


@dataclass(frozen=True)
class CoreVariant:
    """One drawing of the core as SMARTS; map numbers name the atoms positions refer to."""

    smarts: str
    text: str
    query: Chem.Mol = field(repr=False, compare=False)
    maps: Mapping[int, int] = field(default_factory=dict)  # map number -> query atom index
    verdict: Verdict = "covered"
    note: str = ""


@dataclass(frozen=True)
class Linker:
    """A bridge a position may start with (SMARTS whose first atom is the core atom)."""

    smarts: str
    text: str
    query: Chem.Mol = field(repr=False, compare=False)


@dataclass(frozen=True)
class RingSystemSpec:
    """A position that is a whole ring system of the core (Strukturelement A, the anellated R1 ring)."""

    anchor: tuple[int, ...]
    systems: tuple[SystemSpec, ...]
    required: bool = True


@dataclass(frozen=True)
class Position:
    """What may sit on some core atoms (or on the atoms of a ring-system position)."""

    name: str
    label: str
    atoms: tuple[int | str, ...]
    rule: SubstituentRule
    text: str = ""
    on: frozenset[str] | None = None
    max_count: int | None = None
    count_beyond: Verdict | Literal["miss"] = "miss"
    hydrogen: Literal["allowed", "undecided", "forbidden"] = "allowed"
    undecided: str = ""
    requires_listed: bool = False
    extra: SubstituentRule | None = None
    linkers: tuple[Linker, ...] = ()
    residue: SubstituentRule | None = None
    residue_required: bool = True
    ring_system: RingSystemSpec | None = None
    line: int | None = None


@dataclass(frozen=True)
class Closure:
    """A piece that closes a ring across core atoms of the named positions."""

    between: frozenset[str]
    all_of: frozenset[str]
    rule: SubstituentRule
    ring_size: tuple[int, int] | None
    verdict: Literal["covered", "undecided", "excluded"]
    text: str
    line: int | None = None
    polycyclic: str = ""


@dataclass(frozen=True)
class Exclusion:
    """Something the definition excludes (or may exclude: verdict undecided)."""

    kind: Literal["smiles", "smarts", "rule"]
    value: str
    text: str
    verdict: Literal["excluded", "undecided"] = "excluded"
    when: Literal["covered", "core_not_covered"] = "covered"
    canonical: str = ""
    query: Chem.Mol | None = field(default=None, repr=False, compare=False)
    line: int | None = None
    formula: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Scope:
    """A pattern after which a miss is reported as undecided (the text is incomplete there)."""

    smarts: str
    text: str
    query: Chem.Mol = field(repr=False, compare=False)


@dataclass(frozen=True)
class GenericRule:
    """One generic definition, as loaded from its file."""

    id: str
    jurisdiction: str
    instrument: str
    category: str
    since: dt.date
    until: dt.date | None
    source: str
    text: str
    cores: tuple[CoreVariant, ...]
    positions: tuple[Position, ...]
    closures: tuple[Closure, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    scope: tuple[Scope, ...] = ()
    prefilter: tuple[Chem.Mol, ...] = field(default=(), repr=False, compare=False)
    max_mass: float | None = None
    completeness: Literal["complete", "partial"] = "complete"
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    wording_since: dt.date | None = None
    since_note: str = ""
    core_text: str = ""
    path: str = ""
    references: dict[str, GenericRule] = field(default_factory=dict, repr=False, compare=False)

    def position(self, name: str) -> Position:
        """The position called ``name``."""
        for p in self.positions:
            if p.name == name:
                return p
        raise KeyError(name)

"""The legal data model: jurisdictions, their instruments, dated listings, and verdicts.

Every object is frozen: the packaged lists are loaded once per process and shared by every call of
the engine, so nothing a caller does to a verdict can change the data behind the next one.

Dates are the point of the model. A listing has a ``since`` and an ``until``, and ``since_bound`` says
how much the ``since`` is known:

``exact``
    the date the listing took effect, as the source states it.
``lower``
    the earliest date on which the listing can have applied (e.g. a CND vote when the date of the
    Secretary-General's notification, from which the treaty counts, was not in the sources read).
    Before it the listing certainly did not apply; after it, it may have applied a little later.
``upper``
    the listing is known to be in force on that date, but when it started is not encoded (e.g. a
    consolidated list read without its amendment history). Before it, the listing decides nothing:
    the engine answers "undecided" rather than "not controlled".

Getting this wrong in the unsafe direction would turn an unknown date into a "not controlled", the
worst answer the engine can give; hence the three bounds instead of one guessed date.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

Basis = Literal["listed", "generic", "precursor", "none"]
Coverage = Literal["complete", "partial"]
InstrumentKind = Literal["drug", "precursor"]
SinceBound = Literal["exact", "lower", "upper"]

COVERAGES: Final[frozenset[str]] = frozenset(get_args(Coverage))
INSTRUMENT_KINDS: Final[frozenset[str]] = frozenset(get_args(InstrumentKind))
SINCE_BOUNDS: Final[frozenset[str]] = frozenset(get_args(SinceBound))
CLAUSE_NAMES: Final[tuple[str, ...]] = ("salts", "stereoisomers", "esters", "ethers", "preparations")


@dataclass(frozen=True)
class Instrument:
    """One legal act (convention, regulation, statute, list regulation) of one jurisdiction.

    ``clauses`` maps a clause name (salts, stereoisomers, esters, ethers, preparations) to the text by
    which the instrument extends each entry to those forms; the engine quotes it when it applies a
    listing to the parent structure that a library entry names.
    """

    id: str
    jurisdiction: str
    title: str
    short: str
    kind: InstrumentKind
    in_force: datetime.date
    source: str
    adopted: datetime.date | None = None
    until: datetime.date | None = None
    categories: tuple[str, ...] = ()
    clauses: Mapping[str, str] = field(default_factory=dict)
    not_for_listed_in: tuple[str, ...] = ()
    note: str = ""

    def in_force_on(self, day: datetime.date) -> bool:
        """True when the instrument itself applies on ``day``."""
        return self.in_force <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Incorporation:
    """Another jurisdiction's instrument that applies here through one of this jurisdiction's acts.

    Example: EU Regulation 273/2004 applies directly in Poland (``via`` None); the UN 1961 and 1971
    schedules define "drug" for the EU through Art. 1(1)(a) of Framework Decision 2004/757/JHA (``via``
    that instrument, whose entry into force bounds the dates).
    """

    instrument: str
    via: str | None
    text: str


@dataclass(frozen=True)
class Jurisdiction:
    """A jurisdiction, its instruments, and how completely its lists are encoded."""

    code: str
    name: str
    coverage: Coverage
    coverage_note: str
    checked: str
    instruments: tuple[Instrument, ...]
    incorporates: tuple[Incorporation, ...] = ()

    def instrument(self, instrument_id: str) -> Instrument | None:
        """The instrument with this id, or None."""
        return next((i for i in self.instruments if i.id == instrument_id), None)


@dataclass(frozen=True)
class Listing:
    """One dated entry of one substance in one list (category) of one instrument.

    ``clauses`` names the instrument's clauses through which the entry reaches the library substance
    (``("esters",)`` for 6-monoacetylmorphine under a morphine entry); empty when the substance is what
    the entry names.
    """

    substance_id: str
    jurisdiction: str
    instrument: str
    category: str
    since: datetime.date
    entry: str
    source: str
    since_bound: SinceBound = "exact"
    until: datetime.date | None = None
    clauses: tuple[str, ...] = ()
    origin: str = ""
    line: int | None = None

    def in_force_on(self, day: datetime.date) -> bool:
        """True when the listing applies on ``day`` (``until`` is the first day it no longer applies)."""
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, init=False)
class Verdict:
    """The answer for one jurisdiction; ``controlled`` is None when the encoded rules do not decide.

    ``__init__`` is written out (same parameters, order and defaults as the fields below): the one a
    frozen dataclass generates sets each of the 13 fields through ``object.__setattr__``, which cost more
    than twice as much, and the engine makes verdicts for every structure of a screen
    (``tests/legal/test_model.py`` checks that it keeps to the fields).
    """

    jurisdiction: str
    controlled: bool | None
    basis: Basis
    instrument: str
    explanation: str
    category: str | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    entry: str | None = None
    rule: str | None = None
    atoms: Mapping[str, tuple[int, ...]] | None = None
    source: str | None = None
    #: how exact ``since`` is: the day itself, the earliest day it can be, or a day by which it was in force
    since_bound: SinceBound | None = None

    def __init__(self, jurisdiction: str, controlled: bool | None, basis: Basis, instrument: str, explanation: str,
                 category: str | None = None, since: datetime.date | None = None,
                 until: datetime.date | None = None, entry: str | None = None, rule: str | None = None,
                 atoms: Mapping[str, tuple[int, ...]] | None = None, source: str | None = None,
                 since_bound: SinceBound | None = None) -> None:
        # (written into __dict__ in field order, as the generated __init__ does; frozen forbids setattr)
        fields = self.__dict__
        fields["jurisdiction"] = jurisdiction
        fields["controlled"] = controlled
        fields["basis"] = basis
        fields["instrument"] = instrument
        fields["explanation"] = explanation
        fields["category"] = category
        fields["since"] = since
        fields["until"] = until
        fields["entry"] = entry
        fields["rule"] = rule
        fields["atoms"] = atoms
        fields["source"] = source
        fields["since_bound"] = since_bound

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the ``legal`` array (dates as ISO strings, atoms as lists).

        A verdict without atoms (most of a screen's: a jurisdiction that nothing reaches gets one verdict
        per date, see the engine) keeps its shape and hands out copies of it.
        """
        if self.atoms is None:
            known = self.__dict__.get("_json")
            if known is None:
                known = self.__dict__["_json"] = self._shape()
            return dict(known)  # (every value immutable: a shallow copy is a fresh answer)
        return self._shape()

    def _shape(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "controlled": self.controlled,
            "category": self.category,
            "basis": self.basis,
            "instrument": self.instrument,
            "since": self.since.isoformat() if self.since else None,
            "since_bound": self.since_bound if self.since else None,
            "explanation": self.explanation,
            "until": self.until.isoformat() if self.until else None,
            "entry": self.entry,
            "rule": self.rule,
            "atoms": {part: list(idx) for part, idx in self.atoms.items()} if self.atoms is not None else None,
            "source": self.source,
        }


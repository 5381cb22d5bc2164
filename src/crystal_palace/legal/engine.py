"""Legal status of one structure, per jurisdiction and as of a date: the reasoning behind each verdict.

For every jurisdiction the engine tries, in order:

1. a **listing** of the library substance in force on the date (a drug list: UN schedule, BtMG Anlage,
   Lijst I ...), including lists that apply through another act (the UN schedules define "drug" for the
   EU; EU precursor regulations apply directly in the Member States). The instrument's clauses on salts,
   stereoisomers, esters and ethers carry the entry to the forms of the parent, and the explanation says so;
2. a **generic (group) definition** in force that covers the structure (:mod:`crystal_palace.legal.generic`),
   honouring "does not apply to substances listed in ..." (NpSG § 1(2): not for BtMG substances);
3. a **precursor listing** in force (controlled for precursor-control purposes; the explanation says that
   this is not a drug control);
4. otherwise **not controlled** when the jurisdiction's lists are completely encoded, and **undecided**
   (``controlled: None``) when they are not, when a listing's start date is not encoded, when a generic
   rule does not decide, or when the library records a control that no encoded listing explains.

A wrong "not controlled" is the worst answer this engine can give, so every doubt ends in ``None`` with
its reason. Listings are indexed by substance id once per process (per set of user rule files), which
keeps a call to a few tens of microseconds plus the generic matching.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from rdkit import Chem

from crystal_palace.chemistry.rdkit_typed import quiet_rdkit
from crystal_palace.exceptions import InvalidInput, InvalidReferenceData
from crystal_palace.legal.generic import (
    EXPLAIN_HINT,
    UNEXPLAINED,
    GenericMatch,
    GenericMiss,
    GenericRule,
    load_generic_rules,
    match_cached,
)
from crystal_palace.legal.generic import prepare as prepare_rule
from crystal_palace.legal.listings import load_jurisdictions, load_listings
from crystal_palace.legal.model import Instrument, Jurisdiction, Listing, SinceBound, Verdict
from crystal_palace.legal.pieces import judging

__all__ = ["legal_status", "legal_index", "LegalIndex", "forget_answers"]

#: library control-code prefixes (docs/reference-data.md) that speak about each jurisdiction
_CODE_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "UN": ("UN19",), "EU": ("EU-", "UN1961", "UN1971"), "DE": ("DE-", "EU-PREC"), "PL": ("PL", "EU-PREC"),
    "IT": ("IT", "EU-PREC"), "NL": ("NL", "EU-PREC"), "UK": ("UK",),
}
_SINCE_WORDS: Mapping[SinceBound, str] = {
    "exact": "in force since {d}",
    "lower": "in force since {d} (the earliest date it can have applied; see the source)",
    "upper": "in force by {d} at the latest (when the listing began is not encoded)",
}


@dataclass(frozen=True)
class _Entry:
    """A listing as seen from one jurisdiction (its own, or another's applying through ``via``)."""

    listing: Listing
    instrument: Instrument
    via: Instrument | None
    via_text: str
    since: datetime.date
    since_bound: SinceBound
    until: datetime.date | None
    rank: int

    def applies(self, day: datetime.date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass
class _JurisdictionIndex:
    jurisdiction: Jurisdiction
    drug: dict[str, list[_Entry]] = field(default_factory=dict)
    precursor: dict[str, list[_Entry]] = field(default_factory=dict)
    rules: list[GenericRule] = field(default_factory=list)
    checked_instruments: str = ""
    #: the verdict on a structure that nothing here can reach (no listing, no library code, no rule), by
    #: date: it depends on the jurisdiction and the date only, so it is made once (see _decide)
    plain: dict[datetime.date, Verdict] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, eq=False)
class LegalIndex:
    """Everything the engine needs, precomputed: per jurisdiction, listings by substance id and rules.

    ``answers`` remembers recent answers by molecule and question (see :func:`legal_status`).
    """

    jurisdictions: Mapping[str, _JurisdictionIndex]
    order: tuple[str, ...]
    library_codes: Mapping[str, tuple[str, ...]]
    answers: OrderedDict[tuple[object, ...], tuple[Verdict, ...]] = field(default_factory=OrderedDict, repr=False)


def _entry(listing: Listing, instrument: Instrument, via: Instrument | None, via_text: str) -> _Entry:
    since, bound = listing.since, listing.since_bound
    until = listing.until
    if via is not None:
        if via.in_force > since:
            since, bound = via.in_force, "exact"
        if via.until is not None and (until is None or via.until < until):
            until = via.until
    rank = instrument.categories.index(listing.category) if listing.category in instrument.categories else 99
    return _Entry(listing, instrument, via, via_text, since, bound, until, rank)


def _build(extra: Sequence[Path]) -> LegalIndex:
    from crystal_palace.chemistry.library import default_library

    jurisdictions = load_jurisdictions()
    by_id = {i.id: i for j in jurisdictions.values() for i in j.instruments}
    csvs = [p for p in extra if p.suffix.lower() == ".csv"]
    yamls = [p for p in extra if p.suffix.lower() in (".yaml", ".yml")]
    for p in extra:
        if p not in csvs and p not in yamls:
            raise InvalidReferenceData(str(p), [(None, "a rule file must be a listing .csv or a generic .yaml")])
    listings = load_listings() + (load_listings(csvs) if csvs else [])
    rules = {r.id: r for r in load_generic_rules()}
    for rule in load_generic_rules(yamls) if yamls else []:
        rules[rule.id] = rule  # a user's file replaces the packaged rule of the same id
    index = {code: _JurisdictionIndex(j) for code, j in jurisdictions.items()}
    for listing in listings:
        instrument = by_id[listing.instrument]
        targets: list[tuple[str, Instrument | None, str]] = [(listing.jurisdiction, None, "")]
        for code, j in jurisdictions.items():
            for inc in j.incorporates:
                if inc.instrument == listing.instrument:
                    targets.append((code, by_id[inc.via] if inc.via else None, inc.text))
        for code, via, text in targets:
            entry = _entry(listing, instrument, via, text)
            book = index[code].drug if instrument.kind == "drug" else index[code].precursor
            book.setdefault(listing.substance_id, []).append(entry)
    for rule in rules.values():
        owner = jurisdictions.get(rule.jurisdiction)
        if owner is None:
            raise InvalidReferenceData(rule.path or rule.id, [(None, f"unknown jurisdiction {rule.jurisdiction!r}")])
        if owner.instrument(rule.instrument) is None:
            raise InvalidReferenceData(rule.path or rule.id, [(None, f"unknown instrument {rule.instrument!r} "
                                                                     f"for {rule.jurisdiction}")])
        index[rule.jurisdiction].rules.append(rule)
        prepare_rule(rule)
    for jx in index.values():
        # complete definitions first: a match ends the search, and a partial one can only make it undecided
        jx.rules.sort(key=lambda r: (r.completeness != "complete", r.since, r.id))
        for book in (jx.drug, jx.precursor):
            for entries in book.values():
                entries.sort(key=lambda e: (e.rank, e.instrument.id, e.since))
        incorporated = [by_id[i.instrument] for i in jx.jurisdiction.incorporates]
        jx.checked_instruments = ", ".join(dict.fromkeys(
            [i.id for i in jx.jurisdiction.instruments if i.categories] + [i.id for i in incorporated]))
    codes = {e.id: e.controlled_under for e in default_library().entries}
    return LegalIndex(jurisdictions=index, order=tuple(jurisdictions), library_codes=codes)


@lru_cache(maxsize=8)
def _cached(extra: tuple[tuple[str, int], ...]) -> LegalIndex:
    index = _build([Path(p) for p, _ in extra])
    _INDEXES.append(index)
    del _INDEXES[:-8]  # (at most as many as the cache above holds, and those it dropped last)
    return index


#: the indexes built, for forget_answers (a list, not a WeakSet: a compiled class takes no weak references)
_INDEXES: list[LegalIndex] = []


def legal_index(extra_rules: Sequence[Path | str] = ()) -> LegalIndex:
    """The precomputed index for the packaged data plus the user's rule files (cached per file version)."""
    if not extra_rules:
        return _cached(())  # (the packaged data alone: no file to look at, on every call of a screen)
    keyed: list[tuple[str, int]] = []
    for p in extra_rules:
        path = Path(p).expanduser().resolve()  # the same file asked for by another name (or cwd) is one key
        try:
            keyed.append((str(path), path.stat().st_mtime_ns))
        except OSError as exc:
            raise InvalidReferenceData(str(path), [(None, f"cannot read the rule file: {exc.strerror}")]) from exc
    return _cached(tuple(keyed))


# -- wording ----------------------------------------------------------------------------------------

def _clause_words(entry: _Entry) -> str:
    clauses = entry.instrument.clauses
    if entry.listing.clauses:
        named = "; ".join(f"{c}: {clauses[c]}" for c in entry.listing.clauses if c in clauses)
        return f"The entry reaches this substance through the instrument's {' and '.join(entry.listing.clauses)} " \
               f"clause ({named})."
    parts = [f"{c}: {clauses[c]}" for c in ("salts", "stereoisomers") if c in clauses]
    others = [c for c in ("esters", "ethers", "preparations") if c in clauses]
    if not parts and not others:
        return ("The entry names the parent substance (the instrument's clauses on salts and other forms are not "
                "encoded).")
    tail = f" The instrument also covers {', '.join(others)} (see its clauses)." if others else ""
    return ("The entry names the parent substance; its salts and stereoisomers follow it under the instrument's "
            f"clauses: {' '.join(parts)}{tail}")


def _entry_label(entry: _Entry) -> str:
    return f"{entry.instrument.short} {entry.listing.category}"


def _listed_verdict(jx: _JurisdictionIndex, entry: _Entry, day: datetime.date, notes: list[str],
                    basis: str) -> Verdict:
    j = jx.jurisdiction
    listing = entry.listing
    until = f", until {entry.until.isoformat()}" if entry.until else ""
    since = _SINCE_WORDS[entry.since_bound].format(d=entry.since.isoformat())
    through = (f" It applies in {j.code} through {entry.via.short}: {entry.via_text}." if entry.via is not None
               else (f" It applies in {j.code} directly: {entry.via_text}." if entry.via_text else ""))
    if basis == "precursor":
        head = (f"Scheduled precursor: {entry.instrument.short}, {listing.category}, entry \"{listing.entry}\", "
                f"{since}{until}.{through} This is a precursor control (trade and handling of the chemical are "
                f"monitored and licensed), not a control of the substance as a drug.")
    else:
        head = (f"Listed in {entry.instrument.short} ({entry.instrument.title}), {listing.category}, entry "
                f"\"{listing.entry}\", {since}{until}.{through} {_clause_words(entry)}")
    extra = f" Also: {'; '.join(notes)}." if notes else ""
    instrument, category = entry.instrument.id, listing.category
    if entry.via is not None:
        instrument = entry.via.id
        category = f"{entry.via.categories[0] if entry.via.categories else entry.via.short}: " \
                   f"{entry.instrument.short} {listing.category}"
    return Verdict(
        jurisdiction=j.code, controlled=True, basis="listed" if basis == "listed" else "precursor",
        instrument=instrument, explanation=f"{head} As of {day.isoformat()}.{extra}",
        category=category, since=entry.since, until=entry.until, entry=listing.entry,
        source=listing.source, since_bound=entry.since_bound,
    )


def _not_applied(entries: Iterable[_Entry], day: datetime.date, notes: list[str], doubts: list[str]) -> None:
    for e in entries:
        if day < e.since:
            if e.since_bound == "upper":
                doubts.append(f"{e.listing.entry!r} is listed in {_entry_label(e)} by {e.since.isoformat()} at the "
                              f"latest, and when that listing began is not encoded")
            else:
                notes.append(f"listed in {_entry_label(e)} from {e.since.isoformat()}, after the date asked")
        elif e.until is not None and day >= e.until:
            notes.append(f"listed in {_entry_label(e)} until {e.until.isoformat()}, before the date asked")


def _excluded_by_listing(jx: _JurisdictionIndex, rule: GenericRule, sid: str | None,
                         day: datetime.date) -> tuple[bool, str]:
    """(excluded, doubt) for rules that do not apply to substances listed elsewhere (NpSG § 1(2))."""
    if sid is None:
        return False, ""
    instrument = jx.jurisdiction.instrument(rule.instrument)
    if instrument is None or not instrument.not_for_listed_in:
        return False, ""
    for e in jx.drug.get(sid, ()):
        if e.instrument.id in instrument.not_for_listed_in:
            if e.applies(day):
                return True, ""
            if day < e.since and e.since_bound == "upper":
                return False, (f"{instrument.short} does not apply to substances listed in {e.instrument.short}, which "
                               f"lists it by {e.since.isoformat()} at the latest; either way it is controlled")
    return False, ""


# -- the verdict for one jurisdiction ------------------------------------------------------------------

def _decide(jx: _JurisdictionIndex, mol: Chem.Mol | None, sid: str | None, day: datetime.date,
            codes: tuple[str, ...], detail: bool = True) -> Verdict:
    drug = jx.drug.get(sid, []) if sid else []
    if not drug and not codes and (mol is None or not jx.rules) and not (sid and jx.precursor.get(sid)):
        known = jx.plain.get(day)  # (a frozen verdict without atoms: safe to hand out again)
        if known is None:
            known = _decide_plain(jx, day)
            if len(jx.plain) >= 64:
                jx.plain.clear()
            jx.plain[day] = known
        return known
    return _decide_fully(jx, mol, sid, day, codes, drug, detail)


def _decide_plain(jx: _JurisdictionIndex, day: datetime.date) -> Verdict:
    """The verdict of :func:`_decide_fully` for a structure without listings, library codes or rules."""
    return _decide_fully(jx, None, None, day, (), [], True)


def _decide_fully(jx: _JurisdictionIndex, mol: Chem.Mol | None, sid: str | None, day: datetime.date,
                  codes: tuple[str, ...], drug: list[_Entry], detail: bool) -> Verdict:
    j = jx.jurisdiction
    notes: list[str] = []
    doubts: list[str] = []
    #: the first rule that left a doubt, with its atoms (named by an undecided verdict)
    doubted: tuple[GenericRule, dict[str, tuple[int, ...]]] | None = None
    if drug:  # (most structures have no listing: the loops below are skipped, not run empty)
        for e in drug:
            if e.applies(day):  # the first in force (entries are sorted by rank)
                return _listed_verdict(jx, e, day, [], "listed")
        _not_applied(drug, day, notes, doubts)

    misses: list[GenericRule] = []  # rules whose core is present but which do not cover it (explained on use)
    later: list[GenericRule] = []
    if mol is not None:
        for rule in jx.rules:
            if not (rule.since <= day and (rule.until is None or day < rule.until)):  # rule in force
                later.append(rule)
                continue
            partial = rule.completeness != "complete"
            if partial and doubts:
                break  # complete rules come first; another partial one could only add a reason to doubt
            excluded, listing_doubt = _excluded_by_listing(jx, rule, sid, day) if sid is not None else (False, "")
            if excluded:
                continue
            result = match_cached(mol, rule, explain=partial and detail)  # (a screen is not told which part fails)
            if isinstance(result, GenericMatch) and not partial:
                extra = [listing_doubt] if listing_doubt else []
                extra += notes
                also = f" Also: {'; '.join(extra)}." if extra else ""
                return Verdict(
                    jurisdiction=j.code, controlled=True, basis="generic", instrument=rule.instrument,
                    explanation=(f"Covered by the generic definition {rule.category} ({rule.id}, in force since "
                                 f"{rule.since.isoformat()}): {result.explanation}. The definition includes salts and "
                                 f"stereoisomers of the compounds it covers where its instrument says so. "
                                 f"As of {day.isoformat()}.{also}"),
                    category=rule.category, since=rule.since, until=rule.until, entry=None, rule=rule.id,
                    atoms=dict(result.atoms), source=rule.source, since_bound="exact",
                )
            if isinstance(result, GenericMatch):
                missing = "; ".join(rule.missing) or "parts of its text"
                doubts.append(f"the encoded part of the generic definition {rule.category} ({rule.id}) covers it, but "
                              f"the definition is encoded only partly (missing: {missing})")
                if doubted is None:
                    doubted = (rule, dict(result.atoms))
            elif result.undecided or (partial and result.core_found):
                why = result.reason if result.undecided else (
                    f"{result.reason}; the definition is encoded only partly (missing: {'; '.join(rule.missing)})")
                if not result.explained:
                    why += f" {EXPLAIN_HINT}"
                doubts.append(f"generic definition {rule.id}: {why}")
                if doubted is None:
                    doubted = (rule, dict(result.atoms))
            elif result.core_found:
                misses.append(rule)

    precursor = jx.precursor.get(sid, []) if sid else []
    if precursor:
        for e in precursor:
            if e.applies(day):
                return _listed_verdict(jx, e, day, notes + doubts, "precursor")
        _not_applied(precursor, day, notes, doubts)

    if mol is not None and later and not doubts:
        for rule in later:
            result = match_cached(mol, rule, explain=False)
            if isinstance(result, GenericMatch):
                when = (f"from {rule.since.isoformat()}" if day < rule.since
                        else f"until {rule.until.isoformat() if rule.until else '?'}")
                notes.append(f"the generic definition {rule.category} ({rule.id}) covers it, but applies only {when}")
    if not drug and not precursor and codes:
        doubts.append(f"the reference library records {', '.join(codes)} for this substance, but no dated "
                      f"listing of it is encoded for {j.code}")
    as_of = f"as of {day.isoformat()}"
    tail = f" Also: {'; '.join(notes)}." if notes else ""
    if mol is not None and misses and detail:
        closest = match_cached(mol, misses[0])
        if isinstance(closest, GenericMiss):
            tail += f" Closest generic definition: {closest.reason}."
    elif misses:  # a screen: naming the rule is cheap, working out which part fails is not
        tail += f" Closest generic definition: {misses[0].category} ({misses[0].id}): {UNEXPLAINED} {EXPLAIN_HINT}."
    if doubts or j.coverage == "partial":
        reasons = list(doubts)
        if j.coverage == "partial":
            reasons.append(f"the lists of {j.name} are encoded only partly (see the coverage note in 'source')")
        doubt_rule, atoms = doubted if doubted is not None else (None, None)
        return Verdict(
            jurisdiction=j.code, controlled=None, basis="none",
            instrument=doubt_rule.instrument if doubt_rule is not None else jx.checked_instruments,
            explanation=(f"Undecided {as_of}: {'; '.join(reasons)}. Checked: {j.checked}. "
                         f"Check the current official list.{tail}"),
            category=doubt_rule.category if doubt_rule is not None else None,
            rule=doubt_rule.id if doubt_rule is not None else None,
            atoms=atoms, source=doubt_rule.source if doubt_rule is not None else j.coverage_note,
        )
    return Verdict(
        jurisdiction=j.code, controlled=False, basis="none", instrument=jx.checked_instruments,
        explanation=f"Not controlled {as_of}: not in {j.checked}.{tail}",
        source=j.coverage_note,
    )


def _identify(mol: Chem.Mol) -> str | None:
    """The library id of a standardised parent structure (by full InChIKey), or None."""
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.chemistry.rdkit_typed import inchikey

    entry = default_library().by_inchikey.get(inchikey(mol))
    return entry.id if entry is not None else None


def legal_status(mol: Chem.Mol | None, substance_id: str | None, *, as_of: datetime.date | None = None,
                 jurisdictions: Sequence[str] | None = None, extra_rules: Sequence[Path] = (),
                 detail: bool = True) -> list[Verdict]:
    """Legal status of a structure in each jurisdiction, as of a date.

    Parameters
    ----------
    mol
        The standardised parent structure (used by the generic definitions); None when only the
        library identity is known.
    substance_id
        The reference-library id of the structure when identified (used by the listings), else None.
    as_of
        The date asked about (default: today). Listings and generic rules apply from their ``since``
        up to, not including, their ``until``.
    jurisdictions
        Codes to answer for, in the order given (default: every jurisdiction of jurisdictions.yaml).
    extra_rules
        User rule files: listing ``.csv`` files and generic-definition ``.yaml`` files, loaded on top of
        the packaged data (a generic rule with a packaged rule's id replaces it).
    detail
        Whether a "not controlled" or "undecided" explanation works out which part of the closest generic
        definition the structure fails (costly; a screen of thousands of structures names the rule only).

    Returns
    -------
    list[Verdict]
        One verdict per jurisdiction; ``controlled`` is True, False or None (the encoded rules do not
        decide), and every verdict names an instrument and explains itself.

    Raises
    ------
    InvalidInput
        For an unknown jurisdiction code.
    InvalidReferenceData
        For a malformed user rule file (its line and reason).
    """
    index = legal_index(extra_rules)
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    day = as_of or datetime.date.today()
    if jurisdictions is None:
        codes_asked = index.order  # (every one of them known)
    else:
        codes_asked = tuple(jurisdictions)
        unknown = [c for c in codes_asked if c not in index.jurisdictions]
        if unknown:
            raise InvalidInput(f"unknown jurisdiction(s) {', '.join(unknown)}; known: {', '.join(index.order)}",
                               field="jurisdictions")
    if mol is None:
        return _legal_status(index, None, substance_id, day, codes_asked, detail)
    # a structure met before (a screen repeats its substances) gets the same answer: the key is the
    # molecule's full binary form (atoms, bonds, their order and properties) and the question
    binary = mol.ToBinary()
    key = (binary, substance_id, day, codes_asked, detail)
    answers = index.answers
    known = answers.get(key)
    if known is not None:
        with contextlib.suppress(KeyError):  # (another thread may have dropped it meanwhile)
            answers.move_to_end(key)
        return [_copy(v) if v.atoms is not None else v for v in known]
    verdicts = _legal_status(index, mol, substance_id, day, codes_asked, detail, binary)
    answers[key] = tuple(_copy(v) if v.atoms is not None else v for v in verdicts)
    while len(answers) > ANSWERS_REMEMBERED:
        try:
            answers.popitem(last=False)
        except KeyError:
            break
    return verdicts


def _copy(verdict: Verdict) -> Verdict:
    """``replace(verdict, atoms=dict(verdict.atoms))``, without the cost of ``replace`` (fields copied as they are)."""
    copy = object.__new__(Verdict)
    fields = copy.__dict__
    fields.update(verdict.__dict__)
    fields["atoms"] = dict(verdict.atoms) if verdict.atoms is not None else None
    return copy


def forget_answers() -> None:
    """Drop everything remembered between calls (answers, shared verdicts on pieces, piece SMILES).

    Answers never depend on it; benchmarks call it to measure a screen that starts cold.
    """
    from crystal_palace.legal.pieces import forget_pieces
    from crystal_palace.legal.substituent_rules import forget_verdicts

    for index in _INDEXES:
        index.answers.clear()
        for jx in index.jurisdictions.values():
            jx.plain.clear()
    forget_verdicts()
    forget_pieces()


#: answers remembered per index (least recently used dropped first; about 5 kB each)
ANSWERS_REMEMBERED = 2048


def _legal_status(index: LegalIndex, mol: Chem.Mol | None, substance_id: str | None, day: datetime.date,
                  codes_asked: tuple[str, ...], detail: bool = True, binary: bytes | None = None) -> list[Verdict]:
    unknown_id = substance_id is not None and substance_id not in index.library_codes
    sid = None if unknown_id else substance_id
    if unknown_id and mol is not None:
        sid = _identify(mol)  # a caller's wrong id must not turn a listed substance into "not controlled"
    library_codes = index.library_codes.get(sid, ()) if sid else ()
    verdicts = []
    # what the matching remembers about the molecule is dropped afterwards unless it was there before: a
    # screen keeps its molecules, and per-molecule caches would otherwise pile up for the whole batch;
    # RDKit's console warnings are silenced once for the molecule (the matching reports its own problems)
    with (judging(mol, binary) if mol is not None else contextlib.nullcontext()), quiet_rdkit():
        for code in codes_asked:
            verdicts.append(_verdict(index, code, mol, sid, day, library_codes, substance_id, unknown_id, detail))
    return verdicts


def _verdict(index: LegalIndex, code: str, mol: Chem.Mol | None, sid: str | None, day: datetime.date,
             library_codes: tuple[str, ...], substance_id: str | None, unknown_id: bool,
             detail: bool = True) -> Verdict:
    if library_codes:
        prefixes = _CODE_PREFIXES.get(code, (code,))
        codes = tuple(c for c in library_codes if c.startswith(prefixes))
    else:
        codes = ()
    verdict = _decide(index.jurisdictions[code], mol, sid, day, codes, detail)
    if unknown_id:
        found = (f"the structure is the library substance {sid!r}, whose listings were used" if sid
                 else "no listing could be looked up and the answer rests on the structure alone")
        verdict = replace(verdict, explanation=f"{verdict.explanation} Note: {substance_id!r} is not an id of the "
                                               f"reference library; {found}.")
    return verdict

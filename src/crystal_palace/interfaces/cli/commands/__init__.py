"""Sub-commands of ``crystal-palace`` (one module per name, each with ``register(app)``), and what they share.

The legal options (``--jurisdiction``, ``--as-of``, ``--rules``) and the way a legal verdict is shown
are used by ``identify`` and ``screen`` as well as by ``legal``, so they live here, where every command
module can import them without importing :mod:`crystal_palace.interfaces.cli.main` (which imports the
command modules). Nothing here imports RDKit: ``--help`` stays fast.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from crystal_palace.workflows.identify import LegalOptions

JurisdictionOption = Annotated[list[str] | None, typer.Option(
    "--jurisdiction", "-J", metavar="CODE", show_default=False,
    help="Jurisdiction code (UN, EU, DE, PL, IT, NL, UK); repeat it or give a comma list. Default: all.")]
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", metavar="YYYY-MM-DD", show_default=False,
    help="The date the legal status is asked for. Default: today.")]
RulesOption = Annotated[list[Path] | None, typer.Option(
    "--rules", metavar="PATH", show_default=False,
    help="An updated listing (.csv) or generic-definition (.yaml) file, loaded on top of the packaged rules; "
         "repeatable. A malformed file is rejected with its line and reason.")]

UNDECIDED = "UNDECIDED (the encoded rules do not decide)"


def legal_options(jurisdiction: Sequence[str] | None, as_of: str | None,
                  rules: Sequence[Path] | None) -> LegalOptions:
    """Check the legal options of a command (raises the workflow's errors, which the command reports)."""
    from crystal_palace.workflows.legal import require_legal_options

    return require_legal_options(as_of=as_of, jurisdictions=jurisdiction, rules=rules or ())


def legal_options_given(jurisdiction: Sequence[str] | None, as_of: str | None, rules: Sequence[Path] | None) -> bool:
    """True when any legal option was given on the command line."""
    return bool(jurisdiction) or as_of is not None or bool(rules)


def status_word(controlled: bool | None) -> str:
    """How ``controlled`` reads: ``None`` is *undecided*, never "not controlled".

    >>> [status_word(c) for c in (True, False, None)]
    ['CONTROLLED', 'not controlled', 'UNDECIDED (the encoded rules do not decide)']
    """
    if controlled is None:
        return UNDECIDED
    return "CONTROLLED" if controlled else "not controlled"


def verdict_summary(entry: Mapping[str, Any]) -> str:
    """One line for a legal verdict: status, then basis, instrument, category and dates when it has them.

    >>> verdict_summary({"jurisdiction": "UN", "controlled": True, "basis": "listed", "instrument": "un-1971",
    ...                  "category": "Schedule II", "since": "2015-09-05"})
    'UN  CONTROLLED  listed: un-1971, Schedule II, since 2015-09-05'
    >>> verdict_summary({"jurisdiction": "PL", "controlled": None, "basis": "none", "instrument": "pl-mz-2018"})
    'PL  UNDECIDED (the encoded rules do not decide)'
    """
    controlled = entry.get("controlled")
    head = f"{entry.get('jurisdiction') or '?':<3} {status_word(controlled)}"
    if controlled is not True:
        return head
    parts = [p for p in (entry.get("instrument"), entry.get("category")) if p]
    dates = (since_words(entry) if entry.get("since") else "") + \
            (f" until {entry['until']}" if entry.get("until") else "")
    detail = ", ".join([*parts, dates.strip()] if dates else parts)
    return f"{head}  {entry.get('basis')}: {detail}" if detail else head


def since_words(entry: Mapping[str, Any]) -> str:
    """``since D``, or ``by D at the latest`` when only a date by which it was in force is known.

    The bound is read from ``since_bound`` when the verdict has it, else from the engine's explanation.

    >>> since_words({"since": "2010-12-31", "explanation": "... in force by 2010-12-31 at the latest ..."})
    'by 2010-12-31 at the latest'
    >>> since_words({"since": "2015-09-05", "since_bound": "lower"})
    'since 2015-09-05 at the earliest'
    """
    since = entry.get("since")
    bound = entry.get("since_bound")
    if bound is None:
        text = str(entry.get("explanation") or "")
        bound = "upper" if f"by {since} at the latest" in text else \
            "lower" if f"since {since} (the earliest" in text else "exact"
    words = {"upper": f"by {since} at the latest", "lower": f"since {since} at the earliest"}
    return words.get(bound, f"since {since}")


def render_legal(entries: Sequence[Mapping[str, Any]], *, label: str = "legal", explanations: bool = False,
                 width: int = 110) -> list[str]:
    """The text lines of a ``legal`` array: one summary line per jurisdiction, and optionally its reasons."""
    lines: list[str] = []
    pad = " " * 14
    for i, entry in enumerate(entries):
        lines.append(f"  {label if i == 0 else '':<11} {verdict_summary(entry)}")
        if explanations and entry.get("explanation"):
            lines.extend(textwrap.wrap(str(entry["explanation"]), width=width, initial_indent=pad + "    ",
                                       subsequent_indent=pad + "    ", break_on_hyphens=False))
    return lines

"""The ``crystal-palace`` command line: ``identify``, ``screen``, ``version`` and the jobs' sub-commands.

Commands call only the top-level workflow functions (:func:`crystal_palace.identify`,
:func:`crystal_palace.screen`), so the CLI, the API and the web pages give the same verdicts. Every
error a user can cause prints one line on stderr and exits non-zero, without a traceback (set
``CRYSTAL_PALACE_DEBUG=1`` to see one); results go to stdout, progress and summaries to stderr, so
output can be piped.

Other jobs add their commands without editing this file: a module
``crystal_palace.interfaces.cli.commands.<name>`` (for each name in :data:`SUBCOMMANDS`) that defines
``register(app: typer.Typer) -> None`` is picked up at start-up. Such modules should import heavy
dependencies inside their commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from crystal_palace.exceptions import CrystalPalaceError, InvalidInput, InvalidReferenceData
from crystal_palace.interfaces.cli.commands import (
    AsOfOption,
    JurisdictionOption,
    RulesOption,
    legal_options,
    legal_options_given,
    render_legal,
)

SUBCOMMANDS = ("legal", "precursors", "spectra", "db", "demo", "link", "graph", "operation", "warn", "exchange",
               "serve", "users")
"""Sub-commands that other jobs provide as ``interfaces/cli/commands/<name>.py`` with ``register(app)``."""

app = typer.Typer(
    name="crystal-palace", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Identify new psychoactive substances, screen files of structures, and more.",
)


class IdentifyFormat(StrEnum):
    """Output formats of ``identify``."""

    text = "text"
    json = "json"


class ScreenFormat(StrEnum):
    """Output formats of ``screen``."""

    csv = "csv"
    jsonl = "jsonl"


class InputType(StrEnum):
    """Query types a user can force instead of auto-detection."""

    smiles = "smiles"
    inchi = "inchi"
    inchikey = "inchikey"
    mol = "mol"
    cas = "cas"
    name = "name"
    iupac = "iupac"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors into one line on stderr and a non-zero exit (a traceback only in debug mode)."""
    from crystal_palace.screening.worker import silence_rdkit_logs

    try:
        silence_rdkit_logs()  # each problem is reported on its own query or row
        yield
    except (typer.Exit, typer.Abort):
        raise
    except InvalidInput as exc:  # "seized.csv, line 1: no query column ..." reads better than the field form
        raise fail(f"{exc.record}: {exc.reason}" if exc.record else f"{exc.field}: {exc.reason}") from None
    except InvalidReferenceData as exc:  # a --rules file: one "path:line: reason" line per problem
        for line, reason in exc.problems:
            typer.echo(f"error: {exc.path}:{line}: {reason}" if line is not None else f"error: {exc.path}: {reason}",
                       err=True)
        raise typer.Exit(1) from None
    except CrystalPalaceError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(141) from None
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    except Exception as exc:
        if os.environ.get("CRYSTAL_PALACE_DEBUG"):
            raise
        raise fail(f"internal error: {type(exc).__name__}: {exc} (set CRYSTAL_PALACE_DEBUG=1 for the "
                   "traceback, and please report it)", 70) from None


@app.command()
def identify(
    queries: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False,
                                                 help="SMILES, InChI, InChIKey, CAS number or name; quote each.")],
    format: Annotated[IdentifyFormat, typer.Option("--format", "-f", help="text, or json (an array)")]
    = IdentifyFormat.text,
    input_type: Annotated[InputType | None, typer.Option("--input-type", "-t", show_default=False,
                                                         help="Force the query type instead of detecting it.")]
    = None,
    analogues: Annotated[int, typer.Option(min=0, max=50, help="Nearest controlled analogues to list.")] = 5,
    explain: Annotated[bool, typer.Option(help="Show what differs from each analogue (slower).")] = True,
    legal: Annotated[bool, typer.Option(help="Add the legal status per jurisdiction (see also `legal explain`).")]
    = True,
    jurisdiction: JurisdictionOption = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
    svg: Annotated[Path | None, typer.Option(help="Write an SVG per query into this folder, the atoms that "
                                                  "decided the family highlighted.", file_okay=False)] = None,
) -> None:
    """Identify substances: identity, NPS family with its evidence, nearest controlled analogues, legal status.

    Exits 1 when any query has errors (all verdicts are still printed).
    """
    with user_errors():
        from crystal_palace import identify_many

        if not legal and legal_options_given(jurisdiction, as_of, rules):
            raise fail("--no-legal cannot be combined with --jurisdiction, --as-of or --rules")
        options = legal_options(jurisdiction, as_of, rules) if legal else False
        # one call for all queries: names that need OPSIN are parsed in one Java process
        verdicts = identify_many(queries, input_types=[input_type.value if input_type else None] * len(queries),
                                 analogues=analogues, explain=explain, legal=options)
        results = [v.to_dict() for v in verdicts]
        if svg is not None:
            _write_depictions(verdicts, svg)
        if format is IdentifyFormat.json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False, default=str))
        else:
            typer.echo("\n".join(render_text(r) for r in results), nl=False)
    if any(r.get("errors") for r in results):
        raise typer.Exit(1)


def _write_depictions(verdicts: list[Any], folder: Path) -> None:
    """One SVG per parsed query (``1.svg``, ``2.svg``, ...), the family rule's atoms highlighted."""
    from crystal_palace.chemistry.depict import depict_svg

    folder.mkdir(parents=True, exist_ok=True)
    for n, verdict in enumerate(verdicts, start=1):
        if verdict.mol is None:
            continue
        legend = f"{(verdict.identity or {}).get('name') or 'unknown'}: {verdict.family}"
        (folder / f"{n}.svg").write_text(depict_svg(verdict.mol, verdict.family_atoms, legend=legend),
                                         encoding="utf-8")
        typer.echo(f"wrote {folder / f'{n}.svg'}", err=True)


def render_text(result: dict[str, Any]) -> str:
    """A readable block for one verdict: identity, match level, family and evidence, analogues, errors."""
    identity = result.get("identity") or {}
    structure = result.get("structure") or {}
    lines = [f"{result.get('query')}  [{result.get('input_type') or 'unknown type'}]"]
    if identity:
        lines.append(f"  identity    {identity.get('name')} ({identity.get('id')}), "
                     f"{identity.get('match_level')} match")
    elif structure:
        lines.append("  identity    not in the reference library")
    if structure:
        lines.append(f"  structure   {structure.get('smiles')}  {structure.get('formula')}  "
                     f"{structure.get('inchikey')}")
    if result.get("family"):
        lines.append(f"  family      {result['family']}")
        if result.get("family_evidence"):
            lines.append(f"              {result['family_evidence']}")
    for i, a in enumerate(result.get("analogues") or []):
        differs = (a.get("differs") or {}).get("summary") or a.get("formula_delta") or ""
        lines.append(f"  {'analogues' if i == 0 else '':<11} {a.get('similarity', 0):.2f}  {a.get('name')}"
                     f" ({a.get('family')}){'  ' + differs if differs else ''}")
    lines.extend(render_legal(result.get("legal") or []))  # None reads "UNDECIDED", never "not controlled"
    lines.extend(render_precursor(result.get("precursor")))
    for error in result.get("errors") or []:
        lines.append(f"  error       {error.get('field')}: {error.get('reason')}")
    return "\n".join(lines) + "\n"


def render_precursor(precursor: dict[str, Any] | None) -> list[str]:
    """The precursor role in a few lines: role and category, the drugs it leads to, each path's steps.

    >>> render_precursor({"role": "designer", "category": None, "leads_to": ["Amfetamine"], "paths": [
    ...     {"steps": [{"name": "ester hydrolysis"}, {"name": "decarboxylation"}], "target": "BMK"}]})
    ['  precursor   designer; leads to Amfetamine', '              ester hydrolysis -> decarboxylation -> BMK']
    >>> render_precursor({"role": "none", "leads_to": [], "paths": []})
    []
    """
    if not precursor or precursor.get("role") in (None, "none"):
        return []
    head = str(precursor["role"])
    if precursor.get("category"):
        head += f" ({precursor['category']})"
    if precursor.get("leads_to"):
        head += f"; leads to {', '.join(precursor['leads_to'])}"
    lines = [f"  {'precursor':<11} {head}"]
    for path in (precursor.get("paths") or [])[:3]:
        steps = [str(step.get("name") or step.get("transformation")) for step in path.get("steps") or []]
        lines.append(f"  {'':<11} {' -> '.join([*steps, str(path.get('target'))])}")
    return lines


@app.command()
def screen(
    input: Annotated[Path, typer.Argument(metavar="INPUT", show_default=False,
                                          help="A .smi/.smiles/.txt, .sdf/.sd or .csv/.tsv file (or .gz).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", show_default=False,
                                             help="Output file (default: standard output).")] = None,
    format: Annotated[ScreenFormat | None, typer.Option(
        "--format", "-f", show_default=False, help="jsonl or csv (default: csv for a .csv --out, else jsonl).")]
    = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, show_default=False,
                                             help="Worker processes (default: every usable core).")] = None,
    explain: Annotated[bool, typer.Option(help="Add what differs from each analogue (slow).")] = False,
    analogues: Annotated[int, typer.Option(min=0, max=50, help="Nearest controlled analogues per row.")] = 5,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    legal: Annotated[bool | None, typer.Option(
        "--legal/--no-legal", show_default=False,
        help="Add the legal status per jurisdiction to each row (slower; on when a legal option is given).")]
    = None,
    jurisdiction: JurisdictionOption = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
) -> None:
    """Screen a file: one verdict per input row, in input order; bad rows are kept with their reason."""
    with user_errors():
        from crystal_palace import screen as screen_file

        given = legal_options_given(jurisdiction, as_of, rules)
        if legal is False and given:
            raise fail("--no-legal cannot be combined with --jurisdiction, --as-of or --rules")
        options = legal_options(jurisdiction, as_of, rules) if legal or given else False
        with _progress_bar(input.name, enabled=progress) as update:
            summary = screen_file(input, out, format=format.value if format else None, jobs=jobs,
                                  explain=explain, analogues=analogues, legal=options, progress=update)
        families = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.families.items(), key=lambda kv: -kv[1]))
        typer.echo(f"screened {summary.rows:,} rows in {summary.elapsed:.1f} s ({summary.rate:,.0f}/s): "
                   f"{summary.identified:,} identified, {summary.errors:,} with errors"
                   f"{' -> ' + summary.out if summary.out else ''}", err=True)
        typer.echo(f"families: {families}", err=True)


@contextmanager
def _progress_bar(label: str, *, enabled: bool) -> Iterator[Any]:
    """A Rich progress bar on stderr, driven by the bytes of the input read so far."""
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:  # no bar in a log file or a pipe
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn("screening {task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn())
    with Progress(*columns, console=console, auto_refresh=False) as bar:
        task = bar.add_task(label, total=None, rows=0)

        def update(rows: int, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None, rows=rows, refresh=True)

        yield update


@app.command()
def version() -> None:
    """Print the version of Crystal Palace."""
    from crystal_palace import __version__

    typer.echo(f"crystal-palace {__version__}")


def _register_subcommands() -> None:
    """Add the sub-commands of the other jobs that are installed (see the module docstring)."""
    for name in SUBCOMMANDS:
        module_name = f"crystal_palace.interfaces.cli.commands.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, "crystal_palace.interfaces.cli.commands"):
                continue  # that job is not part of this installation (yet)
            raise
        module.register(app)


_register_subcommands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

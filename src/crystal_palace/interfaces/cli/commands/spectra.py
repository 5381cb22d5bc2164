"""``crystal-palace spectra``: import spectral libraries, search spectra, screen LC-HRMS suspects.

Each command calls one workflow function (:func:`crystal_palace.import_library`,
:func:`crystal_palace.search_spectra`, :func:`crystal_palace.suspect_screen`,
:func:`crystal_palace.list_spectral_libraries`). Results go to stdout (text or JSON), summaries to
stderr; a malformed file stops with one line naming the record, field and reason.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

spectra_app = typer.Typer(name="spectra", no_args_is_help=True, help="Identify from spectra: import libraries "
                          "(MSP, MGF, JCAMP-DX, mzML), search EI and MS/MS spectra, screen LC-HRMS suspects.")


class OutputFormat(StrEnum):
    """Output formats of the spectra commands."""

    text = "text"
    json = "json"


class Kind(StrEnum):
    """Library kinds."""

    auto = "auto"
    ei = "ei"
    msms = "msms"


class Method(StrEnum):
    """Search methods (EI: identity, reverse; MS/MS: identity, open, neutral_loss, hybrid)."""

    auto = "auto"
    identity = "identity"
    reverse = "reverse"
    open = "open"
    neutral_loss = "neutral_loss"
    hybrid = "hybrid"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="text, or json")]
EncodingOption = Annotated[str, typer.Option(help="Text encoding of the input file (e.g. latin-1).")]


@spectra_app.command("import")
def import_(
    library: Annotated[Path, typer.Argument(metavar="LIBRARY", show_default=False,
                                            help="An .msp, .mgf, .jdx/.dx or .mzML file.")],
    name: Annotated[str, typer.Option("--name", "-n", show_default=False, help="The library's name.")],
    kind: Annotated[Kind, typer.Option(help="ei, msms, or auto (MS/MS when records have a precursor m/z).")]
    = Kind.auto,
    replace: Annotated[bool, typer.Option(help="Replace a library of the same name.")] = False,
    input_format: Annotated[str | None, typer.Option(help="msp, mgf, jcamp or mzml (default: from the "
                                                          "extension).", show_default=False)] = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Import a spectrum file once into an indexed library; all or nothing (a bad record leaves no library)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import import_library

        info = import_library(library, name, kind=kind.value, replace=replace, format=input_format,
                              encoding=encoding)
        typer.echo(f"imported {info['count']:,} {info['kind']} spectra as library {info['name']!r} "
                   f"({info['path']})", err=True)


@spectra_app.command("list")
def list_(format: FormatOption = OutputFormat.text) -> None:
    """List the imported spectral libraries."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import list_spectral_libraries

        found = list_spectral_libraries()
        if format is OutputFormat.json:
            typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
            return
        for entry in found:
            typer.echo(f"{entry['name']:<24} {entry['kind']:<5} {entry['count']:>10,} spectra  "
                       f"{entry.get('created', '')}  {entry.get('source', '')}")
        if not found:
            typer.echo("no spectral libraries imported yet (crystal-palace spectra import FILE --name NAME)", err=True)


@spectra_app.command()
def search(
    query_file: Annotated[Path, typer.Argument(metavar="QUERY_FILE", show_default=False,
                                               help="Query spectra: .msp, .mgf, .jdx/.dx or .mzML.")],
    library: Annotated[str, typer.Option("--library", "-l", show_default=False, help="An imported library.")],
    top: Annotated[int, typer.Option("--top", "-k", min=1, max=100, help="Hits per query.")] = 5,
    format: FormatOption = OutputFormat.text,
    method: Annotated[Method, typer.Option(help="EI: identity or reverse; MS/MS: identity, open, neutral_loss, "
                                                "hybrid.")] = Method.auto,
    ri_window: Annotated[float | None, typer.Option(help="Drop EI hits whose retention index differs from the "
                                                         "query's by more than this.", show_default=False)] = None,
    retention_index: Annotated[float | None, typer.Option("--ri", help="The query's retention index (else its "
                                                                       "record's).", show_default=False)] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a head-to-tail SVG per query (against its best hit) "
                                                   "into this folder.", file_okay=False, show_default=False)] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report (hits, verdicts, plots) to this file.",
                                                dir_okay=False, show_default=False)] = None,
    analogue: Annotated[bool, typer.Option(help="Add the analogue reading (family hint, modified site).")] = True,
    identify: Annotated[bool, typer.Option(help="Add identity, family and legal status to hits with a "
                                                "structure.")] = True,
    legal: Annotated[bool, typer.Option(help="Include the legal status of the hits.")] = True,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Search query spectra against a library: hits with scores, identity, family and legal status."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace import search_spectra

        results = search_spectra(query_file, library, top=top, method=method.value, ri_window=ri_window,
                                 retention_index=retention_index, analogue=analogue, identify_hits=identify,
                                 legal=legal, plot_dir=plot, report=report, encoding=encoding)
        if format is OutputFormat.json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False, default=str))
        else:
            typer.echo("\n".join(render_search(r) for r in results), nl=False)
        typer.echo(f"searched {len(results):,} spectra against {library!r}"
                   f"{'; report ' + str(report) if report else ''}", err=True)
    if any(r.get("errors") for r in results):
        raise typer.Exit(1)


def render_search(result: dict[str, Any]) -> str:
    """A readable block per query: each hit with its scores, family and where it is controlled."""
    lines = [f"{result['query']}  [{result['record']}]"]
    for hit in result.get("hits") or []:
        scores = (f"MF {hit['match_factor']:>3}  RMF {hit['reverse_match_factor']:>3}" if "match_factor" in hit
                  else f"{hit.get('method', '')} {hit['score']:.3f}")
        controlled = sorted({v.get("jurisdiction") for v in hit.get("legal") or [] if v.get("controlled")})
        where = f"  controlled: {', '.join(controlled)}" if controlled else ""
        family = f"  ({hit['family']})" if hit.get("family") else ""
        lines.append(f"  {hit['rank']:>2}. {scores}  {hit['name']}{family}{where}")
    if not result.get("hits") and not result.get("errors"):
        lines.append("  no hits")
    analogue = result.get("analogue") or {}
    hint = analogue.get("family_hint")
    if hint:
        lines.append(f"  family hint  {hint['family']} (support {hint['support']:.2f})")
    site = analogue.get("site")
    if site:
        lines.append(f"  if new       modified at site {site['site']} ({site['description']}), shift "
                     f"{site['shift']:+d} Da from {site['scaffold']}")
    if result.get("plot"):
        lines.append(f"  plot         {result['plot']}")
    for error in result.get("errors") or []:
        lines.append(f"  error        {error.get('field')}: {error.get('reason')}")
    return "\n".join(lines) + "\n"


@spectra_app.command()
def suspects(
    input: Annotated[Path | None, typer.Argument(metavar="[INPUT]", show_default=False,
                                                 help="A CSV (mz[,name,rt,fragments]) or a spectrum file with "
                                                      "precursor m/z.")] = None,
    mz: Annotated[list[float] | None, typer.Option("--mz", help="A feature m/z; repeatable.", show_default=False)]
    = None,
    ppm: Annotated[float, typer.Option(min=0.01, max=100, help="Precursor tolerance in ppm.")] = 5.0,
    mode: Annotated[str, typer.Option(help="positive or negative")] = "positive",
    adduct: Annotated[list[str] | None, typer.Option(help="Adducts to try (default: [M+H]+, [M+Na]+, [M+NH4]+ "
                                                          "or [M-H]-, [M+Cl]-, [M+HCOO]-); repeatable.",
                                                     show_default=False)] = None,
    msms_library: Annotated[str | None, typer.Option(help="An MS/MS library to score fragments against.",
                                                     show_default=False)] = None,
    format: FormatOption = OutputFormat.text,
) -> None:
    """Screen LC-HRMS features for suspects of the reference library by accurate mass and fragments."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        from crystal_palace import suspect_screen

        if (input is None) == (not mz):
            raise fail("give either INPUT or --mz (not both)")
        features: Any = input if input is not None else list(mz or [])
        results = suspect_screen(features, ppm=ppm, ion_mode=mode, adducts=adduct, msms_library=msms_library)
        if format is OutputFormat.json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
            return
        for r in results:
            typer.echo(f"{r['query']}  m/z {r['mz']:.5f}")
            for c in r["candidates"]:
                frags = (f"  fragments {c['fragments_explained']}/{c['fragments_total']}"
                         if "fragments_explained" in c else "")
                typer.echo(f"    {c['adduct']:<10} {c['ppm_error']:+6.2f} ppm  {c['name']}  {c['formula']}  "
                           f"({c['family']}){frags}")
            if not r["candidates"]:
                typer.echo("    no suspect within the tolerance")


@spectra_app.command()
def convert(
    source: Annotated[Path, typer.Argument(show_default=False, help="Input spectra (.msp/.mgf/.jdx/.mzML).")],
    target: Annotated[Path, typer.Argument(show_default=False, help="Output file (.msp or .mgf).")],
    encoding: EncodingOption = "utf-8",
) -> None:
    """Convert a spectrum file to MSP or MGF (every record checked on the way)."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.spectra.formats import read_spectra, write_spectra

        count = write_spectra(read_spectra(source, encoding=encoding), target)
        typer.echo(f"wrote {count:,} spectra to {target}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``spectra`` to the ``crystal-palace`` command."""
    app.add_typer(spectra_app)

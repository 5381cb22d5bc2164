"""``crystal-palace link``: link samples by chemical profile or tablet features (and actors, when installed).

``link profiles`` runs :func:`crystal_palace.link_profiles` (and, with ``--compare``,
:func:`crystal_palace.compare_profile_methods` first, then links with the best combination);
``link tablets`` runs :func:`crystal_palace.link_tablets`. ``link actors`` comes from the actor
resolution job's module ``link_actors`` (``add_commands(link_app)``) when it is present. Results go to
stdout (text, json or csv, or ``--out``); summaries to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from crystal_palace.workflows.linkage import LinkageResult

link_app = typer.Typer(name="link", no_args_is_help=True,
                       help="Link samples by chemical profile or tablet features, with calibrated likelihood ratios.")


class LinkFormat(StrEnum):
    """Output formats of ``link profiles`` and ``link tablets``."""

    text = "text"
    json = "json"
    csv = "csv"
    links = "links"


ReferenceOption = Annotated[Path | None, typer.Option(
    "--reference", "-r", show_default=False, exists=True, dir_okay=False,
    help="CSV of known groups to calibrate on: a sample id column and the --group column.")]
TruthOption = Annotated[bool, typer.Option(
    "--truth", help="With --db holding generated demo data: calibrate on its ground truth (batches, presses).")]
RuleOption = Annotated[str, typer.Option(
    help="Which reference pairs count: group, sized, attributes or strict (see docs/linkage.md).")]
GroupOption = Annotated[str, typer.Option(help="The reference column holding each sample's group.")]
SameOption = Annotated[list[str] | None, typer.Option(
    "--same", show_default=False, help="A reference column that linked pairs share (attributes/strict rules); "
                                       "repeat it or give a comma list.")]
CalibrationOption = Annotated[Path | None, typer.Option(
    "--calibration", show_default=False, exists=True, dir_okay=False,
    help="A saved calibration (JSON from --save-calibration) to apply instead of a reference.")]
SaveOption = Annotated[Path | None, typer.Option("--save-calibration", show_default=False,
                                                 help="Write the calibration made from --reference here.")]
ThresholdOption = Annotated[float | None, typer.Option(show_default=False,
                                                       help="Link pairs at most this far apart.")]
MaxFprOption = Annotated[float | None, typer.Option(
    "--max-fpr", min=0.0, max=1.0, show_default=False,
    help="Calibrated threshold: the largest with at most this false-positive rate (default: Youden's optimum).")]
CriterionOption = Annotated[str, typer.Option(
    help="Calibrated threshold without --max-fpr: youden (max TPR - FPR) or f1 (max F1 of the linked pairs; "
         "fewer false links in large collections).")]
FormatOption = Annotated[LinkFormat, typer.Option(
    "--format", "-f", help="text, json, csv (the pairs) or links (store link records, JSON).")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", show_default=False,
                                                help="Write the result here instead of standard output.")]
LimitOption = Annotated[int, typer.Option(min=1, help="Most pairs listed (the closest first).")]
StoreLinksOption = Annotated[bool, typer.Option(
    "--store-links", help="Write the linked pairs into the --db store as links (needs --country and --agency).")]
CountryOption = Annotated[str | None, typer.Option(show_default=False,
                                                   help="With --store-links: the owner country (ISO-2).")]
AgencyOption = Annotated[str | None, typer.Option(show_default=False,
                                                  help="With --store-links: the owner agency.")]
HandlingOption = Annotated[str, typer.Option(help="With --store-links: the links' handling code (H0-H3).")]


@contextmanager
def named_errors() -> Iterator[None]:
    """Report bad input with its record and its field ("record b, field 'P1': ...").

    In a profile or tablet table the column (a peak, a feature) matters as much as the sample.
    """
    from crystal_palace.exceptions import InvalidInput
    from crystal_palace.interfaces.cli.main import fail

    try:
        yield
    except InvalidInput as exc:
        if exc.record is not None and exc.field not in ("query", "table"):
            raise fail(str(exc)) from None
        raise


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@link_app.command()
def profiles(
    input: Annotated[Path | None, typer.Argument(metavar="INPUT.csv", show_default=False,
                                                 help="Profiles: a sample id column and one column per peak.")]
    = None,
    db: Annotated[str | None, typer.Option("--db", show_default=False,
                                           help="Read the profiles from this store (URL or DuckDB file).")] = None,
    target_set: Annotated[str | None, typer.Option(show_default=False,
                                                   help="With --db: the target set (name or id) to read.")] = None,
    id_column: Annotated[str | None, typer.Option(show_default=False, help="The sample id column.")] = None,
    peaks: Annotated[list[str] | None, typer.Option("--peaks", show_default=False,
                                                    help="Target peaks to keep (comma list; default: all).")] = None,
    missing_zero: Annotated[bool, typer.Option("--missing-zero", help="Read empty areas as not detected.")]
    = False,
    normalisation: Annotated[str | None, typer.Option(show_default=False,
                                                      help="sum (default), max or none.")] = None,
    pretreatment: Annotated[str | None, typer.Option(
        show_default=False, help="none, sqrt, fourth_root (default) or log1p.")] = None,
    metric: Annotated[str | None, typer.Option(
        show_default=False, help="pearson (default), cosine, canberra, euclidean or manhattan.")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Score every method combination by ROC AUC on "
                                                            "--reference, print the table, link with the best.")]
    = False,
    reference: ReferenceOption = None,
    truth: TruthOption = False,
    rule: RuleOption = "group",
    group: GroupOption = "group",
    same: SameOption = None,
    calibration: CalibrationOption = None,
    save_calibration: SaveOption = None,
    threshold: ThresholdOption = None,
    max_fpr: MaxFprOption = None,
    criterion: CriterionOption = "youden",
    limit: LimitOption = 10_000,
    format: FormatOption = LinkFormat.text,
    out: OutOption = None,
    store_links: StoreLinksOption = False,
    country: CountryOption = None,
    agency: AgencyOption = None,
    handling_code: HandlingOption = "H2",
) -> None:
    """Link samples whose impurity profiles are close; calibrated on --reference (AUC, threshold, LR)."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors(), named_errors():
        from crystal_palace import compare_profile_methods, link_profiles

        if (input is None) == (db is None):
            raise fail("give INPUT.csv or --db URL (one of them)")
        _check_store_options(db, store_links, country, agency)
        table: Any = input
        if db is not None:
            from crystal_palace.workflows.linkage import read_store_profiles

            table = read_store_profiles(db, target_set=target_set)
        known: Any = _truth_reference(db, truth, reference, "batch")
        options: dict[str, Any] = {"id_column": id_column, "peaks": _split(peaks) or None,
                                   "missing": "zero" if missing_zero else "error"}
        rules: dict[str, Any] = {"rule": rule, "group": group, "same": _split(same)}
        comparison = None
        if compare:
            if known is None:
                raise fail("--compare needs --reference or --truth (the known groups to score the methods on)")
            comparison = compare_profile_methods(table, known, **options, **rules)
            best = comparison.best
            typer.echo(comparison.to_text(), err=format is not LinkFormat.text)
            normalisation = normalisation or best["normalisation"]
            pretreatment = pretreatment or best["pretreatment"]
            metric = metric or best["metric"]
        result = link_profiles(table, **options, normalisation=normalisation or "sum",
                               pretreatment=pretreatment or "fourth_root", metric=metric or "pearson",
                               reference=known, **rules, calibration=calibration, threshold=threshold,
                               max_fpr=max_fpr, criterion=criterion, limit=limit)
        extra = {"comparison": comparison.to_dict()} if comparison is not None else {}
        _finish(result, format, out, save_calibration, extra)
        if store_links:
            _store(db, result, country, agency, handling_code)


@link_app.command()
def tablets(
    input: Annotated[Path | None, typer.Argument(metavar="INPUT.csv", show_default=False,
                                                 help="Tablets: an id column and logo, colour, shape, score_line, "
                                                      "diameter_mm, thickness_mm, weight_mg (any of them).")]
    = None,
    db: Annotated[str | None, typer.Option("--db", show_default=False,
                                           help="Read the tablets from this store (URL or DuckDB file).")] = None,
    id_column: Annotated[str | None, typer.Option(show_default=False, help="The tablet id column.")] = None,
    reference: ReferenceOption = None,
    truth: TruthOption = False,
    rule: RuleOption = "group",
    group: GroupOption = "group",
    same: SameOption = None,
    calibration: CalibrationOption = None,
    save_calibration: SaveOption = None,
    threshold: ThresholdOption = None,
    max_fpr: MaxFprOption = None,
    criterion: CriterionOption = "youden",
    limit: LimitOption = 10_000,
    format: FormatOption = LinkFormat.text,
    out: OutOption = None,
    store_links: StoreLinksOption = False,
    country: CountryOption = None,
    agency: AgencyOption = None,
    handling_code: HandlingOption = "H2",
) -> None:
    """Link tablets that may come from one press (logo and physical features; compatible pairs by default)."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors(), named_errors():
        from crystal_palace import link_tablets

        if (input is None) == (db is None):
            raise fail("give INPUT.csv or --db URL (one of them)")
        _check_store_options(db, store_links, country, agency)
        table: Any = input
        if db is not None:
            from crystal_palace.workflows.linkage import read_store_tablets

            table = read_store_tablets(db)
        known: Any = _truth_reference(db, truth, reference, "press")
        result = link_tablets(table, id_column=id_column, reference=known, rule=rule, group=group,
                              same=_split(same), calibration=calibration, threshold=threshold, max_fpr=max_fpr,
                              criterion=criterion, limit=limit)
        _finish(result, format, out, save_calibration, {})
        if store_links:
            _store(db, result, country, agency, handling_code)


def _truth_reference(db: str | None, truth: bool, reference: Path | None, kind: str) -> Any:
    """The calibration reference: --reference, or with --truth the demo ground truth in the --db store."""
    from crystal_palace.interfaces.cli.main import fail

    if not truth:
        return reference
    if db is None or reference is not None:
        raise fail("--truth needs --db (a store of generated demo data) and replaces --reference")
    from crystal_palace.workflows.linkage import read_store_truth

    return read_store_truth(db, kind)


def _check_store_options(db: str | None, store_links: bool, country: str | None, agency: str | None) -> None:
    from crystal_palace.interfaces.cli.main import fail

    if store_links and (db is None or country is None or agency is None):
        raise fail("--store-links needs --db, --country and --agency (who owns the links)")


def _store(db: str | None, result: LinkageResult, country: str | None, agency: str | None,
           handling_code: str) -> None:
    from crystal_palace.workflows.linkage import store_links

    counts = store_links(db, result.to_links(), country=str(country), agency=str(agency),
                         handling_code=handling_code, source=f"crystal-palace link {result.kind}")
    typer.echo(f"stored links: {counts['inserted']:,} new, {counts['updated']:,} updated, "
               f"{counts['unchanged']:,} unchanged", err=True)


def _finish(result: LinkageResult, format: LinkFormat, out: Path | None, save_calibration: Path | None,
            extra: dict[str, Any]) -> None:
    from crystal_palace.interfaces.cli.main import fail

    if save_calibration is not None:
        if result.calibration is None:
            raise fail("--save-calibration needs --reference (there is nothing calibrated to save)")
        result.calibration.save(save_calibration)
        typer.echo(f"wrote calibration to {save_calibration}", err=True)
    if format is LinkFormat.json:
        text = json.dumps({**result.to_dict(), **extra}, indent=1, default=str)
    elif format is LinkFormat.links:
        text = json.dumps(result.to_links(), indent=1)
    elif format is LinkFormat.csv:
        text = result.pairs.assign(**({"evidence": result.pairs["evidence"].map(json.dumps)}
                                      if "evidence" in result.pairs else {})).to_csv(index=False)
    else:
        text = render_text(result)
    if out is not None:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        typer.echo(f"wrote {len(result.pairs):,} pairs to {out}", err=True)
    else:
        typer.echo(text, nl=not text.endswith("\n"))
    linked = int(result.pairs["linked"].sum()) if len(result.pairs) else 0
    groups = result.groups()
    typer.echo(f"{result.n_items:,} {result.kind}: {linked:,} linked pairs in {len(groups):,} groups"
               f"{f' (threshold {result.threshold:.4g})' if result.threshold is not None else ''}", err=True)


def render_text(result: LinkageResult) -> str:
    """The calibration summary and the pairs, closest first, as a readable block."""
    summary = result.to_dict()
    lines = [f"method      {', '.join(f'{k} {v}' for k, v in result.method.items())}"]
    calibration = summary["calibration"]
    if calibration:
        lines += [f"rule        {calibration['rule']}",
                  f"pairs       {calibration['n_linked']:,} linked, {calibration['n_unlinked']:,} unlinked"
                  f"{' (sampled)' if calibration['sampled'] else ''}",
                  f"ROC AUC     {calibration['auc']:.4f}",
                  f"threshold   {calibration['threshold']:.4g} (TPR {calibration['tpr']:.3f}, "
                  f"FPR {calibration['fpr']:.4f})"]
        for point in calibration["lr_at"]:
            lines.append(f"LR at {point['distance']:<7.4g} {point['lr']:>10.4g}  {point['support']}")
    elif result.threshold is not None:
        lines.append(f"threshold   {result.threshold:.4g}")
    lines.extend(f"note        {n}" for n in result.notes)
    lines.append("")
    has_lr = "lr" in result.pairs
    lines.append(f"{'a':<16} {'b':<16} {'distance':>10}" + (f" {'LR':>10}  support" if has_lr else ""))
    for row in result.pairs.head(50).itertuples(index=False):
        line = f"{row.a:<16} {row.b:<16} {row.distance:>10.4g}"
        if has_lr:
            line += f" {row.lr:>10.4g}  {row.support}"
        lines.append(line)
    if len(result.pairs) > 50:
        lines.append(f"... {len(result.pairs) - 50:,} more pairs (use --format csv or json for all)")
    return "\n".join(lines) + "\n"


_ACTOR_COMMANDS_ADDED: list[bool] = []


def _add_actor_commands() -> None:
    """Let the actor resolution job add ``link actors`` (its module may not be installed), once."""
    if _ACTOR_COMMANDS_ADDED:
        return
    _ACTOR_COMMANDS_ADDED.append(True)
    module_name = "crystal_palace.interfaces.cli.commands.link_actors"
    try:
        import importlib

        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return
        raise
    module.add_commands(link_app)


def register(app: typer.Typer) -> None:
    """Add ``link`` (profiles, tablets, and actors when present) to the ``crystal-palace`` command."""
    _add_actor_commands()
    app.add_typer(link_app)

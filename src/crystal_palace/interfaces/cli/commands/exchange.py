"""``crystal-palace exchange``: keygen, encode, match, pack, unpack, retract.

Each command calls one workflow function of :mod:`crystal_palace.workflows.exchange`. Files are JSON;
summaries go to stderr, results (a match report, an opened package's header) to stdout or ``--out``.
A rejected package (tampered, forged, expired, not for us) exits 1 with one line saying why.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

exchange_app = typer.Typer(name="exchange", no_args_is_help=True,
                           help="Privacy-preserving matching with partners (encodings only), and signed, "
                                "encrypted record packages with handling codes, expiry and retraction.")

AuditOption = Annotated[Path | None, typer.Option(
    "--audit", show_default=False, help="Audit log (JSON lines); default: exchange-audit.jsonl in the "
                                        "Crystal Palace folder.")]


class AssignmentChoice(StrEnum):
    """One-to-one assignment methods."""

    greedy = "greedy"
    hungarian = "hungarian"
    none = "none"


class ContentType(StrEnum):
    """What a package carries."""

    records = "records"
    encodings = "encodings"
    match_report = "match-report"


class Handling(StrEnum):
    """Europol handling codes."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"


def _columns(pairs: list[str] | None) -> dict[str, str]:
    from crystal_palace.interfaces.cli.main import fail

    out = {}
    for pair in pairs or []:
        field, _, column = pair.partition("=")
        if not field or not column:
            raise fail(f"--column takes FIELD=COLUMN, not {pair!r}")
        out[field.strip()] = column.strip()
    return out


@exchange_app.command()
def keygen(
    party: Annotated[str | None, typer.Option(help="Make signing and encryption keys for this party "
                                                   "(e.g. PL-CBSP): writes PARTY.key (private) and PARTY.pub.")]
    = None,
    secret: Annotated[Path | None, typer.Option(help="Make a new exchange secret in this file (share it with "
                                                     "the partner through an official channel).")] = None,
    folder: Annotated[Path, typer.Option("--dir", help="Folder for the party's key files.", file_okay=False)]
    = Path("."),
) -> None:
    """Make a party's key pair (--party) or an exchange secret (--secret)."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        if not party and not secret:
            raise fail("give --party NAME, --secret FILE, or both")
        if party:
            from crystal_palace.exchange.package import PartyKeys

            keys = PartyKeys.generate(party)
            private, public = keys.save(folder)
            typer.echo(f"wrote {private} (keep it private) and {public} (give it to partners); "
                       f"fingerprint {keys.public.fingerprint}", err=True)
        if secret:
            from crystal_palace.exchange.keys import ExchangeSecret

            value = ExchangeSecret.generate()
            value.save(secret)
            typer.echo(f"wrote exchange secret {secret}; fingerprint {value.fingerprint}", err=True)


@exchange_app.command()
def encode(
    input: Annotated[str, typer.Argument(help="Records: .csv, .tsv, .json (array) or .jsonl, or a store URL "
                                         "(duckdb:///path, postgresql://...) whose actors are encoded.")],
    secret: Annotated[Path, typer.Option(help="The exchange secret file.", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Encodings to send (JSON).")],
    mapping: Annotated[Path | None, typer.Option(help="Where to keep the pseudonym -> record id table "
                                                      "(never send it).", show_default=False)] = None,
    schema: Annotated[Path | None, typer.Option(help="Encoding schema (JSON); default: the person schema.",
                                                exists=True, dir_okay=False, show_default=False)] = None,
    column: Annotated[list[str] | None, typer.Option(help="FIELD=COLUMN: read a schema field from another "
                                                          "column; repeatable.", show_default=False)] = None,
    id_field: Annotated[str, typer.Option(help="The column with each record's id.")] = "id",
    audit: AuditOption = None,
) -> None:
    """Encode records into Bloom-filter encodings (CLKs) and keyed tokens; only --out is sent."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.workflows.exchange import encode_records

        source = input if "://" in input else Path(input)
        encoded = encode_records(source, secret, schema=schema, columns=_columns(column), id_field=id_field,
                                 out=out, mapping_out=mapping, audit=audit)
        typer.echo(f"encoded {len(encoded):,} records into {encoded.schema.bits}-bit filters -> {out}; "
                   f"{len(encoded.errors)} field errors", err=True)
        for error in encoded.errors[:20]:
            typer.echo(f"warning: {error}", err=True)


@exchange_app.command()
def match(
    a: Annotated[Path, typer.Argument(help="Our encodings.", exists=True, dir_okay=False)],
    b: Annotated[Path, typer.Argument(help="The partner's encodings.", exists=True, dir_okay=False)],
    threshold: Annotated[float, typer.Option(min=0.01, max=1.0, help="Lowest Dice score that is a hit.")] = 0.75,
    assignment: Annotated[AssignmentChoice, typer.Option(help="One-to-one: greedy, hungarian, or none.")]
    = AssignmentChoice.greedy,
    blocking: Annotated[bool | None, typer.Option("--blocking/--no-blocking", show_default=False,
                                                  help="LSH blocking (default: only for very large sets).")]
    = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Threads for the all-pairs comparison.")] = 1,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here (default: stdout).",
                                             show_default=False)] = None,
    audit: AuditOption = None,
) -> None:
    """Match two encoding files: one-to-one hits with their Dice scores and shared exact tokens."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.workflows.exchange import match_encodings

        report = match_encodings(a, b, threshold=threshold, assignment=assignment.value, blocking=blocking,
                                 workers=workers, out=out, audit=audit)
        if out is None:
            typer.echo(json.dumps(report.to_dict(), indent=1))
        typer.echo(f"{len(report.pairs):,} hits among {report.compared:,} pairs compared in "
                   f"{report.seconds:.2f} s (threshold {threshold})", err=True)


@exchange_app.command()
def pack(
    key: Annotated[Path, typer.Option(help="Our private key file (PARTY.key).", exists=True, dir_okay=False)],
    to: Annotated[Path, typer.Option(help="The recipient's public key file.", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The package file to write.")],
    input: Annotated[Path | None, typer.Argument(help="Records (.csv/.json/.jsonl), encodings or a match "
                                                 "report (or --db with --id).", exists=True, dir_okay=False,
                                                 show_default=False)] = None,
    content_type: Annotated[ContentType | None, typer.Option("--type", show_default=False,
                                                             help="What the input is (default: detected).")]
    = None,
    handling: Annotated[Handling, typer.Option(help="Handling code of the content.")] = Handling.H2,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until the package expires.")] = 30,
    case: Annotated[str | None, typer.Option(help="Case reference for the provenance.", show_default=False)]
    = None,
    db: Annotated[str | None, typer.Option(help="Pack actors of this store (URL or path) instead of a file.",
                                           show_default=False)] = None,
    record_id: Annotated[list[str] | None, typer.Option("--id", help="An actor id to pack from --db; "
                                                        "repeatable.", show_default=False)] = None,
    audit: AuditOption = None,
) -> None:
    """Sign and encrypt a file (or actors of the store) for one partner, with handling code and expiry."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        from crystal_palace.workflows.exchange import pack as pack_content

        content: object
        if db is not None:
            if input is not None or not record_id:
                raise fail("--db takes --id (one or more) and no INPUT file")
            from crystal_palace.exchange.store_inbox import export_records
            from crystal_palace.store.backend import open_store

            with open_store(db) as store:
                content = export_records(store, record_id)
            provenance = {"store": "actors", **({"case": case} if case else {})}
        elif input is None:
            raise fail("give an INPUT file, or --db with --id")
        else:
            content, provenance = input, {"file": input.name, **({"case": case} if case else {})}
        package = pack_content(content, sender=key, recipient=to, content_type=content_type.value if content_type
                               else None, handling=handling.value, valid_days=days, provenance=provenance,
                               out=out, audit=audit)
        header = package["header"]
        typer.echo(f"packed {header['content_type']} for {header['recipient']} -> {out} (package "
                   f"{header['package_id']}, {header['handling']}, expires {header['expires']})", err=True)


@exchange_app.command()
def unpack(
    package: Annotated[Path, typer.Argument(help="The package file.", exists=True, dir_okay=False)],
    key: Annotated[Path, typer.Option(help="Our private key file.", exists=True, dir_okay=False)],
    trust: Annotated[list[Path], typer.Option(help="A trusted partner's public key file; repeatable.",
                                              exists=True, dir_okay=False)],
    db: Annotated[str | None, typer.Option(envvar="CRYSTAL_PALACE_DB", show_default=False,
                                           help="Store received records (and apply retractions) in this store: "
                                                "a path, duckdb:///path or postgresql://... (default: "
                                                "$CRYSTAL_PALACE_DB; without it, nothing is stored).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the decrypted content here.",
                                             show_default=False)] = None,
    audit: AuditOption = None,
) -> None:
    """Verify (signature, recipient, expiry), decrypt and apply a package; prints its header."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.workflows.exchange import unpack as open_it

        result = open_it(package, recipient=key, trusted=trust, store=db, audit=audit)
        if out is not None:
            out.write_text(json.dumps(result.content, ensure_ascii=False), encoding="utf-8")
        typer.echo(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
        header = result.header
        typer.echo(f"verified {header['content_type']} from {header['sender']} ({header['handling']})"
                   + (f"; stored {result.imported.stored}, repeated {result.imported.repeated}"
                      if result.imported else "")
                   + (f"; removed {result.removed}" if result.removed is not None else ""), err=True)


@exchange_app.command()
def retract(
    record_ids: Annotated[list[str], typer.Argument(metavar="RECORD_ID...", help="Ids of the records to withdraw.")],
    key: Annotated[Path, typer.Option(help="Our private key file.", exists=True, dir_okay=False)],
    to: Annotated[Path, typer.Option(help="The partner's public key file.", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The retraction package to write.")],
    package: Annotated[list[str] | None, typer.Option(help="Only as sent in this package id; repeatable.",
                                                      show_default=False)] = None,
    reason: Annotated[str, typer.Option(help="Why the records are withdrawn.")] = "",
    audit: AuditOption = None,
) -> None:
    """Write a signed retraction; when the partner unpacks it, the records and their links are removed."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        from crystal_palace.workflows.exchange import retract as make

        made = make(record_ids, sender=key, recipient=to, packages=package or (), reason=reason, out=out,
                    audit=audit)
        typer.echo(f"retraction of {len(record_ids)} records for {made['header']['recipient']} -> {out}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``exchange`` to the main command."""
    app.add_typer(exchange_app)

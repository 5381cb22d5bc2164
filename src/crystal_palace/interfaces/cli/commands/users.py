"""``crystal-palace users``: add users, list them, issue API tokens, reset passwords, sharing, the audit trail.

The accounts database is found as ``crystal-palace serve`` finds it: ``--accounts URL`` if given, else
the PostgreSQL database of ``--db`` when it is one, else ``accounts.sqlite3`` beside the embedded
store. A password or token is printed once and stored only as a hash.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from crystal_palace.web.accounts import Accounts

users_app = typer.Typer(name="users", no_args_is_help=True,
                        help="Users of the web application and the API: add, list, tokens, passwords, audit.")

DbOption = Annotated[str | None, typer.Option(
    "--db", metavar="URL", show_default=False, envvar="CRYSTAL_PALACE_DB",
    help="The store (duckdb:///path, a path, or postgresql://...); the accounts live beside it or in it.")]
AccountsOption = Annotated[str | None, typer.Option(
    "--accounts", metavar="URL", show_default=False, envvar="CRYSTAL_PALACE_ACCOUNTS",
    help="The accounts database itself (sqlite:///path or postgresql://...), if not derived from --db.")]


def open_accounts(db: str | None, accounts: str | None) -> Accounts:
    """The accounts database for these options."""
    from crystal_palace.web.accounts import Accounts
    from crystal_palace.web.settings import WebSettings

    return Accounts(WebSettings(db=db, accounts=accounts).accounts_url())


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from stdin, or a random one (True: it must be shown)."""
    from crystal_palace.web.accounts import random_password

    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return random_password(), True


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Lower-case user name.")],
    role: Annotated[str, typer.Option(help="admin, analyst, chemist or viewer.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code of the user's country (e.g. NL).")],
    agency: Annotated[str, typer.Option(help="The user's agency, as records name it.")],
    handling_codes: Annotated[str, typer.Option(help="Handling codes the user is cleared for, comma-separated.")]
    = "H0,H1,H2,H3",
    full_name: Annotated[str, typer.Option(help="The person's name, for the pages.")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin "
                                                 "instead of generating one.")] = False,
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Add a user; without --password-stdin a random password is generated and printed once."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        password, show = _password(password_stdin)
        store = open_accounts(db, accounts)
        user = store.add_user(username, password, role=role, country=country, agency=agency,
                              handling_codes=handling_codes.split(","), full_name=full_name)
        typer.echo(f"added {user.username} ({user.role}, {user.country} {user.agency}, "
                   f"{','.join(sorted(user.handling_codes))})", err=True)
        if show:
            typer.echo(f"password for {user.username} (shown once): {password}")


@users_app.command("list")
def list_users(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """List the users with their role, country, agency and handling codes."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        if format not in ("text", "json"):
            raise fail(f"--format must be text or json, not {format!r}")
        users = open_accounts(db, accounts).list_users()
        if format == "json":
            typer.echo(json.dumps([u.to_dict() for u in users], indent=2))
            return
        for u in users:
            typer.echo(f"{u.username:<24} {u.role:<8} {u.country} {u.agency:<24} "
                       f"{','.join(sorted(u.handling_codes)):<12} {'active' if u.active else 'disabled'}")


@users_app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[float | None, typer.Option(min=0.001, help="Lifetime in days (default: until revoked).")]
    = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke every token of the user instead.")] = False,
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Issue an API token (printed once; send it as 'Authorization: Bearer <token>'), or revoke them all."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        store = open_accounts(db, accounts)
        if revoke:
            typer.echo(f"revoked {store.revoke_tokens(username)} token(s) of {username}", err=True)
            return
        typer.echo(store.issue_token(username, label=label, days=days))


@users_app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from stdin "
                                                 "instead of generating one.")] = False,
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Set a new password (his sessions end); without --password-stdin a random one is printed once."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        password, show = _password(password_stdin)
        open_accounts(db, accounts).set_password(username, password)
        typer.echo(f"password of {username} changed; his sessions ended", err=True)
        if show:
            typer.echo(f"new password for {username} (shown once): {password}")


@users_app.command("share")
def share(
    owner_country: Annotated[str, typer.Argument(help="Country (ISO-2) of the agency that shares.")],
    owner_agency: Annotated[str, typer.Argument(help="The agency that shares its records.")],
    partner_country: Annotated[str, typer.Argument(help="Country (ISO-2) of the partner.")],
    partner_agency: Annotated[str, typer.Argument(help="The partner agency that may then see them.")],
    handling_codes: Annotated[str, typer.Option(help="The handling codes shared, comma-separated.")] = "H0",
    revoke: Annotated[bool, typer.Option("--revoke", help="End the agreement instead.")] = False,
    by: Annotated[str, typer.Option(help="Who decided it (kept with the agreement).")] = "admin",
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Let a partner agency see an agency's records with the given handling codes (or --revoke it)."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    with user_errors():
        store = open_accounts(db, accounts)
        owner, partner = (owner_country.upper(), owner_agency), (partner_country.upper(), partner_agency)
        if revoke:
            if not store.unshare_agency(owner, partner):
                raise fail(f"{owner_country} {owner_agency} shares nothing with {partner_country} {partner_agency}")
            typer.echo(f"{' '.join(owner)} no longer shares with {' '.join(partner)}", err=True)
            return
        store.share_agency(owner, partner, handling_codes.split(","), by=by)
        typer.echo(f"{' '.join(owner)} shares {handling_codes} with {' '.join(partner)}", err=True)


@users_app.command("shares")
def shares(db: DbOption = None, accounts: AccountsOption = None) -> None:
    """List the sharing agreements as JSON lines."""
    from crystal_palace.interfaces.cli.main import user_errors

    with user_errors():
        for agreement in open_accounts(db, accounts).list_shares():
            typer.echo(json.dumps(agreement))


@users_app.command("audit")
def audit(
    username: Annotated[str | None, typer.Option("--user", help="Only this user's requests.")] = None,
    record: Annotated[str | None, typer.Option(help="Only requests that showed or changed this record.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="How many events, newest first.")] = 50,
    db: DbOption = None,
    accounts: AccountsOption = None,
) -> None:
    """Print the audit trail as JSON lines, newest first."""
    from crystal_palace.interfaces.cli.main import user_errors
    from crystal_palace.web.audit import AuditLog

    with user_errors():
        store = open_accounts(db, accounts)
        for event in AuditLog(store.db).events(username=username, record_id=record, limit=limit):
            typer.echo(json.dumps(event.to_dict()))


def register(app: typer.Typer) -> None:
    """Add ``users`` to the ``crystal-palace`` command."""
    app.add_typer(users_app)

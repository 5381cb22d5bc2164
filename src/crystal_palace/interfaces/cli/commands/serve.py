"""``crystal-palace serve``: run the REST API and the web pages (:mod:`crystal_palace.interfaces.api`) with uvicorn.

The server always requires authentication. On the first run (no users yet) it creates an ``admin``
user with a random password and prints it once, with the address. ``--db`` chooses the store
(an embedded DuckDB file, or ``postgresql://...`` for a shared server with several ``--workers``); the
options reach the worker processes as ``CRYSTAL_PALACE_*`` environment variables (see
:mod:`crystal_palace.web.settings`).
"""

from __future__ import annotations

import os
import socket
from enum import StrEnum
from typing import Annotated

import typer

APP_PATH = "crystal_palace.interfaces.api.app:app"


class LogLevel(StrEnum):
    """uvicorn's log levels."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


def _check_free(host: str, port: int) -> str | None:
    """Why the address cannot be bound (one readable reason), or None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot resolve host {host!r}: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (ignored with --reload).")] = 1,
    reload: Annotated[bool, typer.Option("--reload", help="Restart when the source changes (development).")]
    = False,
    log_level: Annotated[LogLevel, typer.Option(help="uvicorn's log level.")] = LogLevel.info,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log",
        help="Log a line per request at --log-level info or debug (the audit trail records every request "
             "anyway).")] = True,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL", show_default=False, envvar="CRYSTAL_PALACE_DB",
        help="The store: duckdb:///path or a path (default: the user's data folder), or postgresql://... "
             "for a shared server.")] = None,
    accounts: Annotated[str | None, typer.Option(
        "--accounts", metavar="URL", show_default=False, envvar="CRYSTAL_PALACE_ACCOUNTS",
        help="Where users, sessions and the audit trail live (default: the PostgreSQL --db, else "
             "accounts.sqlite3 beside the store).")] = None,
    admin_country: Annotated[str, typer.Option(help="Country (ISO-2) of the first admin, created on the first "
                                                    "run.")] = "EU",
    admin_agency: Annotated[str, typer.Option(help="Agency of the first admin.")] = "Crystal Palace",
) -> None:
    """Run the REST API and the web pages (login required); stop it with Ctrl-C."""
    from crystal_palace.interfaces.cli.main import fail, user_errors

    problem = _check_free(host, port)
    if problem is not None:
        raise fail(problem)
    with user_errors():
        first_login = bootstrap_admin(db, accounts, admin_country, admin_agency)
    import uvicorn

    os.environ["CRYSTAL_PALACE_AUTH_REQUIRED"] = "true"  # the worker processes inherit these
    for name, value in (("CRYSTAL_PALACE_DB", db), ("CRYSTAL_PALACE_ACCOUNTS", accounts)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Crystal Palace on http://{shown}:{port}/ (API: http://{shown}:{port}/v1, OpenAPI: "
               f"http://{shown}:{port}/openapi.json); Ctrl-C stops it", err=True)
    if first_login is not None:
        typer.echo(f"first admin login: user admin, password {first_login} (shown once; change it with "
                   "`crystal-palace users passwd admin`)", err=True)
    if reload and workers > 1:
        typer.echo("note: --reload runs one worker; --workers is ignored", err=True)
    # uvloop and httptools (uvicorn[standard]) are chosen by uvicorn's "auto"; the access log is switched
    # off outright when its lines would not be shown, so that no request pays for a filtered log call
    uvicorn.run(APP_PATH, host=host, port=port, workers=None if reload else workers, reload=reload,
                log_level=log_level.value,
                access_log=access_log and log_level in (LogLevel.info, LogLevel.debug))


def bootstrap_admin(db: str | None, accounts: str | None, country: str, agency: str) -> str | None:
    """Create the first admin when there are no users; return his password (else None)."""
    from crystal_palace.web.accounts import Accounts, random_password
    from crystal_palace.web.settings import WebSettings

    store = Accounts(WebSettings(db=db, accounts=accounts).accounts_url())
    if store.count_users():
        return None
    password = random_password()
    store.add_user("admin", password, role="admin", country=country, agency=agency, full_name="First administrator")
    return password


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``crystal-palace`` command."""
    app.command()(serve)

"""``crystal-palace serve``: run the REST API (:mod:`crystal_palace.interfaces.api`) with uvicorn."""

from __future__ import annotations

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
) -> None:
    """Run the REST API (OpenAPI docs at /docs); stop it with Ctrl-C."""
    from crystal_palace.interfaces.cli.main import fail

    problem = _check_free(host, port)
    if problem is not None:
        raise fail(problem)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Crystal Palace API on http://{shown}:{port} (docs: http://{shown}:{port}/docs); Ctrl-C stops it",
               err=True)
    if reload and workers > 1:
        typer.echo("note: --reload runs one worker; --workers is ignored", err=True)
    uvicorn.run(APP_PATH, host=host, port=port, workers=None if reload else workers, reload=reload,
                log_level=log_level.value)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``crystal-palace`` command."""
    app.command()(serve)

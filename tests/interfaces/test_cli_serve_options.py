"""`crystal-palace serve`: what it hands to uvicorn (workers, log level, access log)."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app

runner = CliRunner()


@pytest.fixture
def uvicorn_calls(monkeypatch, tmp_path):
    """Record uvicorn.run's arguments instead of serving; the first admin is created in tmp_path."""
    import uvicorn

    from crystal_palace.web import accounts as module

    monkeypatch.setattr(module, "_hasher", lambda: __import__("argon2").PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1))
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    for name in ("CRYSTAL_PALACE_AUTH_REQUIRED", "CRYSTAL_PALACE_DB", "CRYSTAL_PALACE_ACCOUNTS"):
        monkeypatch.setenv(name, "")  # serve sets them for its workers: restored after the test
        monkeypatch.delenv(name)
    return calls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args,access_log", [
    ((), True),  # --log-level info (the default): a line per request, as before
    (("--log-level", "debug"), True),
    (("--no-access-log",), False),
    (("--log-level", "warning"), False),  # the lines would be filtered out: not produced at all
    (("--log-level", "error", "--access-log"), False),
])
def test_the_access_log_is_off_when_it_would_not_be_shown(uvicorn_calls, tmp_path, args, access_log):
    db = str(tmp_path / "store.duckdb")
    result = runner.invoke(app, ["serve", "--port", str(free_port()), "--workers", "2", "--db", db, *args])
    assert result.exit_code == 0, result.output
    ((positional, options),) = uvicorn_calls
    assert positional == ("crystal_palace.interfaces.api.app:app",)
    assert options["workers"] == 2 and options["access_log"] is access_log

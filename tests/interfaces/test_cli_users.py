"""`crystal-palace users` and the first-run admin of `crystal-palace serve`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.commands.serve import bootstrap_admin
from crystal_palace.interfaces.cli.main import app
from crystal_palace.web.accounts import Accounts

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    from argon2 import PasswordHasher

    from crystal_palace.web import accounts as module

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(module, "_hasher", lambda: cheap)
    monkeypatch.setattr(module, "_dummy", [])


def run(tmp_path, *args, stdin=None):
    return runner.invoke(app, [*args, "--db", str(tmp_path / "store.duckdb")], input=stdin)


def test_add_list_token_passwd(tmp_path):
    added = run(tmp_path, "users", "add", "anna", "--role", "analyst", "--country", "nl", "--agency", "Politie",
                "--handling-codes", "H0,H1")
    assert added.exit_code == 0, added.output
    password = added.stdout.strip().rsplit(" ", 1)[-1]
    accounts = Accounts(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")  # beside the store
    assert accounts.authenticate("anna", password).country == "NL"
    listed = json.loads(run(tmp_path, "users", "list", "--format", "json").stdout)
    assert listed == [{"username": "anna", "role": "analyst", "country": "NL", "agency": "Politie",
                       "handling_codes": ["H0", "H1"], "full_name": "", "active": True}]
    token = run(tmp_path, "users", "token", "anna", "--label", "script").stdout.strip()
    assert accounts.token_user(token).username == "anna"
    assert "revoked 1 token" in run(tmp_path, "users", "token", "anna", "--revoke").stderr
    assert run(tmp_path, "users", "passwd", "anna", "--password-stdin", stdin="a brand new password\n").exit_code == 0
    assert accounts.authenticate("anna", "a brand new password") is not None


@pytest.mark.parametrize("args,text", [
    (("users", "add", "anna", "--role", "boss", "--country", "NL", "--agency", "x"), "unknown role"),
    (("users", "add", "anna", "--role", "viewer", "--country", "NLD", "--agency", "x"), "country"),
    (("users", "token", "nobody"), "no such user"),
])
def test_bad_input_is_one_line_on_stderr(tmp_path, args, text):
    result = run(tmp_path, *args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr


def test_first_run_creates_one_admin_and_only_once(tmp_path):
    db = str(tmp_path / "store.duckdb")
    password = bootstrap_admin(db, None, "NL", "Politie")
    assert password and len(password) >= 16
    accounts = Accounts(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    user = accounts.authenticate("admin", password)
    assert (user.role, user.country, user.agency) == ("admin", "NL", "Politie")
    assert bootstrap_admin(db, None, "NL", "Politie") is None and accounts.count_users() == 1


def test_serve_refuses_a_port_in_use_before_touching_accounts(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(tmp_path, "serve", "--port", str(port))
    assert result.exit_code == 1 and "cannot listen" in result.stderr
    assert not (tmp_path / "accounts.sqlite3").exists()


def test_share_list_and_revoke_an_agreement(tmp_path):
    assert run(tmp_path, "users", "share", "PL", "CBZC", "NL", "Politie", "--handling-codes", "H0,H1").exit_code == 0
    (line,) = run(tmp_path, "users", "shares").stdout.splitlines()
    agreement = json.loads(line)
    assert (agreement["owner_agency"], agreement["partner_agency"], agreement["handling_codes"]) == (
        "CBZC", "Politie", ["H0", "H1"])
    assert run(tmp_path, "users", "share", "PL", "CBZC", "NL", "Politie", "--revoke").exit_code == 0
    assert run(tmp_path, "users", "shares").stdout == ""
    again = run(tmp_path, "users", "share", "PL", "CBZC", "NL", "Politie", "--revoke")
    assert again.exit_code == 1 and "shares nothing" in again.stderr
    bad = run(tmp_path, "users", "share", "Poland", "CBZC", "NL", "Politie")
    assert bad.exit_code == 1 and "owner" in bad.stderr

"""Fixtures for the web tests: accounts databases (SQLite, and PostgreSQL when one is running)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from crystal_palace.web.accounts import Accounts

PG_ADMIN_URL = os.environ.get("CRYSTAL_PALACE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL} (CI=true: it must be): {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    name = "cp_web_test_" + secrets.token_hex(4)
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    yield from _postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Accounts]:
    """An empty accounts database on each backend."""
    if request.param == "sqlite":
        store = Accounts(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    else:
        store = Accounts(request.getfixturevalue("postgres_url"))
        store.db.execute("TRUNCATE web_users, web_tokens, web_sessions, web_shares, web_record_shares, web_audit,"
                         " web_login_failures")
    yield store
    store.db.close()


@pytest.fixture
def sqlite_accounts(tmp_path: Path) -> Accounts:
    """An empty SQLite accounts database."""
    return Accounts(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with parameters cheap enough for tests (production keeps the library's defaults)."""
    from argon2 import PasswordHasher

    from crystal_palace.web import accounts as module

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(module, "_hasher", lambda: cheap)
    monkeypatch.setattr(module, "_dummy", [])



PASSWORD = "correct horse battery"


@pytest.fixture
def web_app(tmp_path: Path):
    """The real application with authentication on, its accounts and store in ``tmp_path``."""
    from crystal_palace.interfaces.api.app import create_app
    from crystal_palace.web.settings import WebSettings

    app = create_app(WebSettings(auth_required=True, db=str(tmp_path / "store.duckdb"), max_upload_bytes=50_000))
    accounts = app.state.web.accounts
    accounts.add_user("alice", PASSWORD, role="analyst", country="NL", agency="Politie",
                      handling_codes=["H0", "H1", "H2"])
    accounts.add_user("vera", PASSWORD, role="viewer", country="NL", agency="Politie")
    accounts.add_user("root", PASSWORD, role="admin", country="NL", agency="Politie")
    return app


"""Authenticated test clients: ``authed(create_app())`` is a ``TestClient`` logged in as a fresh admin.

For tests of any job's API (and for agencies embedding the application in their own tests): the
application is pointed at a temporary accounts database, a user with the given role is created, and
the client sends his API token with every request.
"""

from __future__ import annotations

import atexit
import itertools
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from crystal_palace.store.model import HANDLING_CODES
from crystal_palace.web.accounts import Accounts, User
from crystal_palace.web.security import WebContext

_counter = itertools.count(1)
_TEST_ACCOUNTS = "_cp_test_accounts"


def use_test_accounts(app: FastAPI) -> Accounts:
    """The application's temporary accounts database (created on first use, deleted at exit)."""
    context: WebContext = app.state.web
    existing = getattr(app.state, _TEST_ACCOUNTS, None)
    if existing is not None:
        accounts: Accounts = existing
        return accounts
    folder = Path(tempfile.mkdtemp(prefix="cp-accounts-"))
    atexit.register(shutil.rmtree, folder, True)
    accounts = Accounts(f"sqlite:///{folder / 'accounts.sqlite3'}")
    context.use_accounts(accounts)
    setattr(app.state, _TEST_ACCOUNTS, accounts)
    return accounts


def add_test_user(app: FastAPI, *, role: str = "admin", country: str = "NL", agency: str = "Test agency",
                  handling_codes: Iterable[str] = HANDLING_CODES, username: str | None = None) -> tuple[User, str]:
    """Create a user in the application's test accounts; return him and his API token.

    The user has no password (a token-only account), which saves the deliberate cost of an argon2 hash.
    """
    accounts = use_test_accounts(app)
    name = username or f"test-{role}-{next(_counter)}"
    user = accounts.add_user(name, None, role=role, country=country, agency=agency,
                             handling_codes=handling_codes)
    return user, accounts.issue_token(name, label="test")


def authed(app: FastAPI, *, role: str = "admin", country: str = "NL", agency: str = "Test agency",
           handling_codes: Iterable[str] = HANDLING_CODES, **client_options: Any) -> TestClient:
    """A ``TestClient`` for ``app`` that authenticates as a new user of ``role`` (default: admin).

    ``client_options`` go to ``TestClient`` (e.g. ``raise_server_exceptions=False``). The user is
    available as ``client.user``.
    """
    user, token = add_test_user(app, role=role, country=country, agency=agency, handling_codes=handling_codes)
    headers = {"Authorization": f"Bearer {token}", **client_options.pop("headers", {})}
    client = TestClient(app, headers=headers, **client_options)
    client.user = user  # type: ignore[attr-defined]
    return client


_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(client: TestClient, username: str, password: str, next_path: str = "/") -> Any:
    """Log in through the login form, as a browser does (its CSRF cookie included); the POST's response."""
    found = _CSRF_FIELD.search(client.get("/login").text)
    if found is None:
        raise AssertionError("the login page has no csrf_token field")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": found.group(1),
                                       "next": next_path}, follow_redirects=False)


def page_csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token that a logged-in page carries (what its forms send back)."""
    found = _CSRF_FIELD.search(client.get(path).text)
    if found is None:
        raise AssertionError(f"{path} has no csrf_token field (not logged in?)")
    return found.group(1)

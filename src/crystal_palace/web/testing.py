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


AGENCY_A = ("PL", "Testowa")
"""The analyst's agency in :func:`two_agency_store`."""
AGENCY_B = ("NL", "Testdienst")
"""The other agency in :func:`two_agency_store`: one restricted seizure, one it shares with A."""
NEW_SUBSTANCE = "XKQZJZPWVYQVKN-UHFFFAOYSA-N"
"""An InChIKey found only in :func:`two_agency_store`'s three seizures (a made-up key of the right shape)."""


def two_agency_store(path: str | Path, *, demo: bool = True) -> dict[str, str]:
    """A DuckDB store for scoping tests: (demo data and) records of two agencies, and an alert about them.

    Agency A (:data:`AGENCY_A`) owns seizure ``own`` (H1) and actor ``own_actor``; agency B
    (:data:`AGENCY_B`) owns seizure ``restricted`` (H3) and actor ``restricted_actor`` (H3), which A's
    analyst must never see, and seizure ``shared`` and actor ``shared_actor`` (H1), which B shares with A
    when the test calls ``accounts.share_agency(AGENCY_B, AGENCY_A, ["H0", "H1"])``. All three seizures
    belong to A's operation ``operation``, hold the substance :data:`NEW_SUBSTANCE` (their lines are
    ``own_line``, ``restricted_line``, ``shared_line``), have coordinates, and A's link ``link_restricted``
    joins A's seizure to the restricted one (``link_shared``: to the shared one). The store's alerts table
    holds one alert (``alert``) naming the three lines (in ``record_ids`` and in its ``why``). Returns the
    ids by those names.
    """
    import datetime

    from crystal_palace.store.backend import open_store
    from crystal_palace.store.frames import record_frame
    from crystal_palace.warn.alerts import Alert
    from crystal_palace.warn.store_io import alert_table_in_store

    ids = {"own": "sz-test-a-own", "restricted": "sz-test-b-restricted", "shared": "sz-test-b-shared",
           "own_line": "ss-test-a-own", "restricted_line": "ss-test-b-restricted", "shared_line": "ss-test-b-shared",
           "own_actor": "ac-test-a-own", "restricted_actor": "ac-test-b-restricted",
           "shared_actor": "ac-test-b-shared", "operation": "op-test-joint", "link_restricted": "ln-test-a-restricted",
           "link_shared": "ln-test-a-shared", "alert": "alert-test-new"}
    now = datetime.datetime(2026, 6, 1, 12, 0)
    day = datetime.date(2026, 5, 20)
    owners = [(AGENCY_A, "H1"), (AGENCY_B, "H3"), (AGENCY_B, "H1")]

    def provenance(rows: list[tuple[tuple[str, str], str]]) -> dict[str, Any]:
        return {"country": [o[0][0] for o in rows], "agency": [o[0][1] for o in rows], "source": "scoping-test",
                "handling_code": [o[1] for o in rows], "created_at": [now] * len(rows), "updated_at": [now] * len(rows)}

    seizures = record_frame("seizures", {
        "id": [ids["own"], ids["restricted"], ids["shared"]], "ref": ["A-1", "B-SECRET-1", "B-2"], **provenance(owners),
        "seized_on": [day] * 3, "place": ["Warszawa", "Geheimstad", "Rotterdam"], "lat": [52.23, 52.37, 51.92],
        "lon": [21.01, 4.90, 4.48], "operation_id": [ids["operation"]] * 3,
        "description": ["own seizure", "restricted seizure", "shared seizure"]})
    lines = record_frame("seizure_substances", {
        "id": [ids["own_line"], ids["restricted_line"], ids["shared_line"]], "ref": ["A-1/1", "B-SECRET-1/1", "B-2/1"],
        **provenance(owners), "seizure_id": [ids["own"], ids["restricted"], ids["shared"]],
        "inchikey": [NEW_SUBSTANCE] * 3, "substance": ["Testamine"] * 3, "quantity": [10.0, 7777.0, 30.0],
        "unit": ["g"] * 3})
    operation = record_frame("operations", {"id": [ids["operation"]], "ref": ["OP-T"], **provenance([owners[0]]),
                                            "name": ["Operation Scoping Test"],
                                            "started_on": [datetime.date(2026, 5, 1)]})
    actors = record_frame("actors", {
        "id": [ids["own_actor"], ids["restricted_actor"], ids["shared_actor"]], "ref": ["P-A", "P-B-SECRET", "P-B"],
        **provenance(owners), "schema": ["Person"] * 3, "name": ["Jan Kowalski", "Piet Geheim", "Kees Gedeeld"],
        "first_name": ["Jan", "Piet", "Kees"], "last_name": ["Kowalski", "Geheim", "Gedeeld"],
        "birth_date": [datetime.date(1980, 1, 2), datetime.date(1970, 3, 4), datetime.date(1990, 5, 6)]})
    links = record_frame("links", {
        "id": [ids["link_restricted"], ids["link_shared"]], "ref": ["L-1", "L-2"],
        **provenance([owners[0], owners[0]]), "type": ["same_batch"] * 2, "from_id": [ids["own"]] * 2,
        "to_id": [ids["restricted"], ids["shared"]], "score": [0.9, 0.8], "method": ["test"] * 2})
    store = open_store(str(path))
    try:
        if demo:
            from crystal_palace.demo import generate

            store.write_frames(generate(seizures=40, seed=11).tables)
        store.write_frames({"operations": operation, "seizures": seizures, "seizure_substances": lines,
                            "actors": actors, "links": links})
    finally:
        store.close()
    table = alert_table_in_store(str(path))
    try:
        table.add([Alert(key=ids["alert"], kind="new_substance", subject=NEW_SUBSTANCE, substance="Testamine",
                         family="unknown", country="EU", period="2026-05", period_start=datetime.date(2026, 5, 1),
                         event_date=day, title="Testamine found for the first time in the EU",
                         why=f"first detection of Testamine in the EU: PL, NL on {day} ({ids['own_line']}, "
                             f"{ids['restricted_line']}, {ids['shared_line']})",
                         figures={"countries": 2},
                         record_ids=[ids["own_line"], ids["restricted_line"], ids["shared_line"]])])
    finally:
        table.close()
    return ids

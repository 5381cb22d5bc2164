"""Shared test fixtures.

Public data sets live beside the checkout in ../shared/data and are read through a path, never copied.
Tests that need them skip cleanly when the folder is absent, except under CI=true, where a missing
folder is a failure: a skipped check must never count as a pass in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The user's own data (caches, imported libraries, the default store) goes to a folder of this test run,
# never to the home of whoever runs the tests; a test that needs its own sets CRYSTAL_PALACE_HOME itself.
if "CRYSTAL_PALACE_HOME" not in os.environ:
    import tempfile

    os.environ["CRYSTAL_PALACE_HOME"] = tempfile.mkdtemp(prefix="crystal-palace-tests-")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"
SHARED_LEGAL = SHARED / "legal"


def require_shared(path: Path) -> Path:
    """Return ``path`` if it exists; skip the test otherwise (fail under CI=true)."""
    if path.exists():
        return path
    message = f"shared data not found: {path}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: shared data must be present)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder."""
    return require_shared(SHARED_DATA)


@pytest.fixture(scope="session")
def shared_legal() -> Path:
    """The ../shared/legal folder."""
    return require_shared(SHARED_LEGAL)


# --- PostgreSQL for the store's backend matrix (added by the store job) --------------------------------------

POSTGRES_URL = os.environ.get("CRYSTAL_PALACE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
"""The PostgreSQL server the store tests run against (trust auth, database ``test``)."""


def require_postgres() -> str:
    """Return :data:`POSTGRES_URL` if the server answers; skip the test otherwise (fail under CI=true)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
    except Exception as exc:  # any failure to connect means "no server here"
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the PostgreSQL store tests must run)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server's URL (skips without a server, fails under CI=true)."""
    return require_postgres()


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    """A TestClient of the whole application, authenticated as a fresh admin (temporary accounts).

    For another role or options: ``from crystal_palace.web.testing import authed``;
    ``authed(create_app(), role="viewer", raise_server_exceptions=False)``.
    """
    from crystal_palace.interfaces.api.app import create_app
    from crystal_palace.web.testing import authed

    return authed(create_app(), raise_server_exceptions=False)

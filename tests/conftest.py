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

from sharedpaths import POSTGRES_URL, SHARED, SHARED_DATA, SHARED_LEGAL, require_postgres, require_shared

__all__ = ["POSTGRES_URL", "SHARED", "SHARED_DATA", "SHARED_LEGAL", "require_postgres", "require_shared"]


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector):  # type: ignore[no-untyped-def]
    """Doctests are collected from the package (``make test`` passes ``--doctest-modules src tests``), not here.

    The test folders have no ``__init__.py``, so each ``conftest.py`` is imported under the bare name
    ``conftest``; importing them a second time as doctest modules would make those names collide.
    """
    collected = yield
    return [item for item in collected if type(item).__name__ != "DoctestModule"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder."""
    return require_shared(SHARED_DATA)


@pytest.fixture(scope="session")
def shared_legal() -> Path:
    """The ../shared/legal folder."""
    return require_shared(SHARED_LEGAL)


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

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

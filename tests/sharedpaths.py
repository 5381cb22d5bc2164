"""Paths and guards shared by the tests (a module of its own: ``conftest`` is not importable by name when
several folders have one). Import it as ``from sharedpaths import require_shared``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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

"""The store backend matrix: every test that takes ``store_url`` (or ``store``) runs on DuckDB and PostgreSQL.

DuckDB gets a file in the test's tmp folder; PostgreSQL a schema of its own, named with a prefix unique
to the test session, all dropped when the session ends. Without a server the PostgreSQL half is skipped
with the reason, except under CI=true, where it fails (``postgres_url`` in tests/conftest.py).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest

from crystal_palace.store.backend import Store, open_store

SESSION_PREFIX = f"cp_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
_counter = itertools.count()


@pytest.fixture(scope="session")
def _postgres_schemas() -> Iterator[dict[str, str]]:
    created: dict[str, str] = {}  # schema -> server URL
    yield created
    if created:
        import psycopg

        with psycopg.connect(next(iter(created.values())), autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {', '.join(created)} CASCADE")


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path, _postgres_schemas: dict[str, str]) -> str:
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    url = request.getfixturevalue("postgres_url")
    schema = f"{SESSION_PREFIX}_{next(_counter)}"
    _postgres_schemas[schema] = url
    return f"{url}?schema={schema}"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened

"""Versioned migrations on both backends: applied once, recorded, a no-op the second time."""

from __future__ import annotations

from crystal_palace.store.backend import open_store
from crystal_palace.store.migrations import LATEST, MIGRATIONS, current_version, migrate
from crystal_palace.store.model import AUX_TABLES, TABLES


def test_versions_are_consecutive():
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_fresh_store_is_migrated_to_the_latest_version(store_url):
    with open_store(store_url, init=False) as store:
        assert store.schema_version() == 0
        assert migrate(store, target=1) == [1]
        assert current_version(store) == 1
        assert migrate(store) == list(range(2, LATEST + 1))
        rows = store.query("SELECT version, name FROM schema_version ORDER BY version")
        assert [r["version"] for r in rows] == list(range(1, LATEST + 1))
        for name in [*TABLES, *AUX_TABLES, "record_references"]:
            assert store.query(f"SELECT count(*) AS n FROM {name}")[0]["n"] == 0


def test_migrations_applied_twice_are_a_no_op(store_url):
    with open_store(store_url) as store:
        store.execute("INSERT INTO audit (id, occurred_at, actor, action) VALUES ('e1', ?, 'test', 'mark')",
                      (store.now(),))
    with open_store(store_url) as store:  # open_store migrates again
        assert store.init() == []
        assert store.schema_version() == LATEST
        assert len(store.query("SELECT version FROM schema_version")) == LATEST
        assert store.query("SELECT actor FROM audit WHERE id = 'e1'") == [{"actor": "test"}]

"""The seizure-intelligence store: data model, schema migrations, DuckDB and PostgreSQL backends, imports, exports.

Open one with :func:`crystal_palace.store.backend.open_store` (``duckdb:///path``, a plain path, or
``postgresql://...``); see ``docs/store.md``.
"""

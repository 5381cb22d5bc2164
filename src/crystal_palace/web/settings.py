"""The web application's settings: one typed object, each setting with a default and its meaning.

``crystal-palace serve`` passes its options to the worker processes through environment variables
(uvicorn imports the app by name in each worker), so :func:`settings_from_env` is the one place that
reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "CRYSTAL_PALACE_"


@dataclass(frozen=True)
class WebSettings:
    """How the application authenticates, where it keeps accounts, and its limits."""

    auth_required: bool = True
    """Refuse every request that is not authenticated (off only for embedding in a trusted process;
    ``crystal-palace serve`` always turns it on)."""
    db: str | None = None
    """The store: ``duckdb:///path``, a path, or ``postgresql://...`` (default: the user's data folder)."""
    accounts: str | None = None
    """Where users, sessions, tokens and the audit trail live: ``sqlite:///path`` or ``postgresql://...``.
    Default: the PostgreSQL database of ``db`` when it is one, else ``accounts.sqlite3`` beside the store."""
    session_hours: float = 8.0
    """A session expires this long after login (a working day)."""
    max_upload_bytes: int = 5_000_000
    """Largest file accepted by an upload form (a MOL/SDF file, a spectrum, a manifest)."""

    def accounts_url(self) -> str:
        """The accounts database URL, derived from ``db`` when not given."""
        if self.accounts:
            return self.accounts
        if self.db and self.db.startswith(("postgresql://", "postgres://")):
            return self.db
        return f"sqlite:///{store_folder(self.db) / 'accounts.sqlite3'}"


def store_folder(db: str | None) -> Path:
    """The folder of an embedded store (where its accounts file goes)."""
    if db is None:
        from crystal_palace.paths import data_home

        return data_home(create=False)  # created when the accounts database is opened
    path = db.removeprefix("duckdb://").removeprefix("file://")
    return Path(path).expanduser().resolve().parent


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def settings_from_env(environ: dict[str, str] | None = None) -> WebSettings:
    """Settings from ``CRYSTAL_PALACE_AUTH_REQUIRED``, ``CRYSTAL_PALACE_DB``, ``CRYSTAL_PALACE_ACCOUNTS``...

    Unknown boolean spellings raise ``ValueError`` naming the variable, so a typo cannot silently turn
    authentication off.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(WebSettings):
        raw = env.get(ENV_PREFIX + f.name.upper())
        if raw is None or raw == "":
            continue
        name = ENV_PREFIX + f.name.upper()
        if f.type == "bool":
            if raw.lower() not in _TRUE | _FALSE:
                raise ValueError(f"{name} must be true or false, not {raw!r}")
            values[f.name] = raw.lower() in _TRUE
        elif f.type == "float":
            values[f.name] = float(raw)
        elif f.type == "int":
            values[f.name] = int(raw)
        else:
            values[f.name] = raw
    return WebSettings(**values)  # type: ignore[arg-type]

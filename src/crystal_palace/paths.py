"""Where Crystal Palace keeps a user's own files: imported spectral libraries, the default store, caches.

One place decides it, so that the CLI, the API and the tests agree, and so that a test (or an agency
running several instances) can move everything with one environment variable, ``CRYSTAL_PALACE_HOME``.
Without it, the XDG base directory convention applies (``$XDG_DATA_HOME/crystal-palace``, by default
``~/.local/share/crystal-palace``).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "CRYSTAL_PALACE_HOME"


def data_home(create: bool = True) -> Path:
    """The folder for the user's own data (created on first use unless ``create`` is false).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.environ[HOME_VARIABLE] = tmp
    ...     data_home() == Path(tmp)
    True
    >>> del os.environ[HOME_VARIABLE]
    """
    explicit = os.environ.get(HOME_VARIABLE)
    if explicit:
        home = Path(explicit).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        home = Path(base).expanduser() / "crystal-palace"
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


def default_store_path() -> Path:
    """The embedded DuckDB store used when no ``--db`` is given."""
    return data_home() / "store.duckdb"


def spectral_library_dir(name: str) -> Path:
    """The folder holding one imported spectral library (its indexed on-disk form)."""
    return data_home() / "spectra" / name

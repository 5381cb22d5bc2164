"""A validated copy of the packaged library kept on disk, so that a process does not rebuild it.

Loading the library validates every entry (its SMILES parses, its stored InChIKey matches the
standardised structure) and builds the indexes; that is about a second of work that every CLI call,
API worker and screen paid at start. The result depends only on the library files, RDKit and this
package's code, so it is kept under :func:`crystal_palace.paths.data_home` (``cache/``), keyed by
the SHA-256 of the files' names and contents and by the versions of RDKit, Python and the package.
Any change to one of them is a different key; a cache file that cannot be read is rebuilt.

The cache is a pickle in the user's own data folder, which only the user (or code running as the
user) can write: it is trusted as much as that folder. ``CRYSTAL_PALACE_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import platform
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

#: bump when what is pickled changes shape in a way the versions below would not reveal
CACHE_FORMAT = 1
NO_CACHE_VARIABLE = "CRYSTAL_PALACE_NO_CACHE"


def cache_key(files: Sequence[Path], kind: str) -> str:
    """The key of a cached object built from ``files`` (contents, names and the software's versions)."""
    import rdkit

    from crystal_palace import __version__

    digest = hashlib.sha256(f"{kind}|{CACHE_FORMAT}|{rdkit.__version__}|{platform.python_version()}|"
                            f"{__version__}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:40]


def cached(files: Sequence[Path], kind: str, build: Callable[[], T]) -> T:
    """``build()``, or the copy of its result kept for exactly these files and versions.

    ``build`` raises as usual on bad data: nothing is cached then. A cache that cannot be written
    (read-only home, full disk) is not an error; the object is simply rebuilt next time.
    """
    if os.environ.get(NO_CACHE_VARIABLE, "").strip() not in ("", "0"):
        return build()
    from crystal_palace.paths import data_home

    try:
        folder = data_home() / "cache"
        path = folder / f"{kind}-{cache_key(files, kind)}.pickle"
    except OSError:
        return build()
    try:
        with path.open("rb") as handle:
            return cast(T, pickle.load(handle))  # noqa: S301 - the user's own cache folder (see the module docstring)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            path.unlink()
    value = build()
    _write(folder, path, value)
    return value


def _write(folder: Path, path: Path, value: object) -> None:
    """Write atomically (a temporary file renamed into place): readers never see half a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError):
        return

"""IUPAC and systematic names to structures through OPSIN (optional: the ``opsin`` extra and Java).

OPSIN runs in a Java process; starting one costs about a second, so names are always resolved in
batches (one process for a whole list). Without py2opsin or Java, callers get a
:class:`MissingOptionalDependency` that says what to install, never a silent empty answer.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from crystal_palace.exceptions import MissingOptionalDependency

INSTALL_HINT = "pip install 'crystal-palace[opsin]' and a Java runtime (Debian: apt-get install default-jre-headless)"


def opsin_available() -> bool:
    """True when both py2opsin and a Java runtime are present."""
    try:
        import py2opsin  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def names_to_smiles(names: Sequence[str]) -> list[str | None]:
    """SMILES for each name (None where OPSIN cannot parse it), in one OPSIN call.

    Raises
    ------
    MissingOptionalDependency
        When py2opsin or Java is missing.
    """
    if not names:
        return []
    try:
        from py2opsin import py2opsin
    except ImportError as exc:
        raise MissingOptionalDependency("IUPAC name parsing (OPSIN)", INSTALL_HINT) from exc
    if shutil.which("java") is None:
        raise MissingOptionalDependency("IUPAC name parsing (OPSIN)", INSTALL_HINT)
    # OPSIN reads one name per line: a newline inside a name would shift every answer after it.
    cleaned = [" ".join(n.split()) for n in names]
    # py2opsin's default input file is a fixed name in the working directory: two processes (the
    # workers of a screen, or two users) would overwrite each other's names. Give each call its own.
    with tempfile.TemporaryDirectory(prefix="cp-opsin-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # py2opsin warns once per unparsable name; we report per name
        result = py2opsin(list(cleaned), output_format="SMILES", tmp_fpath=str(Path(tmp) / "names.txt"))
    if isinstance(result, str):
        result = [result]
    if len(result) != len(cleaned):
        raise RuntimeError(f"OPSIN returned {len(result)} answers for {len(cleaned)} names")
    return [s or None for s in result]

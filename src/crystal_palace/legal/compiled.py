"""Which legal-engine modules run compiled (mypyc), and a guard against a compiled module older than its source.

The per-structure work of legal status is Python spread over many small functions; compiled by mypyc
from the same typed source (setup.py), it runs in about four fifths of the instructions. Python imports
a compiled module (``engine.cpython-311-...so``) in preference to its ``.py``. In a development checkout
(``pip install -e .``) that means an edited ``.py`` would be silently ignored until the next build, so
:func:`check_fresh` (run when ``crystal_palace.legal`` is imported) refuses a compiled module whose source
is newer and says how to rebuild. An installed wheel has no such source-next-to-build question
(``check_fresh`` only looks in a checkout: a ``pyproject.toml`` beside the ``src`` folder).
"""

from __future__ import annotations

import importlib.machinery
from pathlib import Path

from crystal_palace.exceptions import CrystalPalaceError

#: the modules setup.py compiles (its COMPILED; a test keeps the two lists equal)
COMPILED = ("engine", "generic", "generic_match", "generic_model", "molview", "pieces", "query_screen", "ring_classes",
            "ring_systems", "substituent_chains", "substituent_rules", "substituent_templates", "substituents")

_HERE = Path(__file__).resolve().parent
#: seconds by which a source may be newer than its build (files of one install written a moment apart)
_SLACK = 2.0


class StaleBuild(CrystalPalaceError):
    """A compiled module is older than its source: the edited source would not run."""


def built(name: str) -> Path | None:
    """The compiled file of one of :data:`COMPILED` next to its source, or None."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = _HERE / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def stale(folder: Path = _HERE) -> list[str]:
    """The compiled modules in ``folder`` whose source is newer than the build.

    A module's build is its own small file and mypyc's shared library, which holds the code of all of
    them (``*__mypyc.*.so``, beside the package: in a checkout, in ``src``). A rebuild relinks the library
    but leaves a module's own file as it was when nothing in it changed, so the newer of the two dates
    the build.
    """
    library = max((p.stat().st_mtime for p in folder.parent.parent.glob("*__mypyc.*")), default=0.0)
    out = []
    for name in COMPILED:
        source = folder / f"{name}.py"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            build = folder / f"{name}{suffix}"
            if build.exists() and source.exists() and \
                    source.stat().st_mtime > max(build.stat().st_mtime, library) + _SLACK:
                out.append(name)
    return out


def check_fresh(folder: Path = _HERE) -> None:
    """Raise :class:`StaleBuild` in a checkout whose compiled legal modules are older than their source.

    Raises
    ------
    StaleBuild
        Naming the modules and the command that rebuilds them.
    """
    if not (folder.parents[2] / "pyproject.toml").exists():  # (checkout/src/crystal_palace/legal)
        return  # an installed package: its files were written together
    old = stale(folder)
    if old:
        raise StaleBuild(
            f"the compiled legal modules {', '.join(old)} are older than their source in {folder}; Python would "
            f"run the old build. Rebuild with `make install` (or `pip install -e .`), or delete the "
            f"{', '.join(f'{n}.*.so' for n in old)} files to run the source as it is")

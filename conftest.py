"""Collection rules for ``pytest --doctest-modules src tests`` (the Makefile's test run)."""

from __future__ import annotations

from pathlib import Path


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Leave out the ``.py`` of a legal module that runs compiled (mypyc).

    Python imports such a module from its build, and doctest collection of the ``.py`` fails on the
    mismatch. Nothing is lost: these modules have no doctests (tests/legal/test_compiled.py checks that)
    and tests/legal tests them.
    """
    if collection_path.suffix == ".py" and collection_path.parent.parts[-2:] == ("crystal_palace", "legal"):
        from crystal_palace.legal.compiled import COMPILED, built

        if collection_path.stem in COMPILED and built(collection_path.stem) is not None:
            return True
    return None

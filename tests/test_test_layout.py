"""The test folders have no ``__init__.py``: pytest imports each test file by its bare name, so two files
with the same name in different folders cannot be collected in one run. This keeps that from creeping in."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_file_names_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, k in names.items() if k > 1] == []
    helpers = Counter(p.name for p in TESTS.rglob("*.py") if not p.name.startswith("test_") and p.name != "conftest.py")
    assert [n for n, k in helpers.items() if k > 1] == []

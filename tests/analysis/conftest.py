"""Fixtures of the analysis tests: the hand-made records of :mod:`analysis_records`."""

from __future__ import annotations

from typing import Any

import pytest
from analysis_records import build_records


@pytest.fixture
def records() -> dict[str, list[dict[str, Any]]]:
    return build_records()

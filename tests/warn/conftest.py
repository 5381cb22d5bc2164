"""A generated scenario shared by the report and acceptance tests (made once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # builders.py


@pytest.fixture(scope="session")
def scenario():
    """Two years of generated detections with the default events (a new substance that spreads, a doubling)."""
    from crystal_palace.warn.detections import require_detections
    from crystal_palace.warn.simulate import simulate

    made = simulate(years=2.0, seed=11)
    return made, require_detections(made.detections)

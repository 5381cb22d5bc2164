"""The early-warning report renders in a real browser with its charts (issue: warn; checked in Chromium)."""

from __future__ import annotations

import pytest

import crystal_palace


@pytest.fixture
def report_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))
    crystal_palace.generate_demo(seizures=600, seed=5)  # into the default store
    out = tmp_path / "report.html"
    crystal_palace.warn_report(period="month", at="2024-06-15", format="html", out=out)
    return out


def test_the_warn_report_renders_with_its_charts(page, report_file, screenshots):
    page.goto(report_file.as_uri())
    for chart in ("#chart-trend", "#chart-map", "#chart-heat-map"):
        svg = page.locator(f"{chart} svg")
        assert svg.count() == 1, chart
        box = svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, (chart, box)  # laid out, visible
        assert page.locator(f"{chart} svg *").count() > 10, chart  # drawn: lines, cells, points, labels
    assert "alert" in page.inner_text("body").lower()
    page.screenshot(path=str(screenshots / "15-warn-report.png"), full_page=True)
    assert page.console_errors == []  # nothing fails to load (the report is self-contained)

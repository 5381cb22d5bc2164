"""The report: self-contained valid HTML with its charts, formal notifications, a JSON feed and a PDF."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import unicodedata
from html.parser import HTMLParser

import pytest

from crystal_palace.exceptions import MissingOptionalDependency
from crystal_palace.warn.engine import detect
from crystal_palace.warn.pdf import CHROMIUM_NAMES, available_renderer, html_to_pdf
from crystal_palace.warn.report import build_report, json_feed, render_html, render_notification_html
from crystal_palace.warn.signals import WarnSettings

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "source", "wbr", "path", "circle", "rect",
        "line", "polyline", "ellipse", "polygon", "stop", "use"}


class StrictParser(HTMLParser):
    """Checks that elements nest and close properly and that nothing is loaded from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href") and value and not value.startswith(("#", "data:")):
                self.problems.append(f"<{tag} {name}={value}> points outside the page")
            if name == "id":
                self.ids.append(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def check_html(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert parser.problems == [] and parser.stack == []
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
    # namespace names (xmlns="http://www.w3.org/2000/svg") are names, not loads; url(...) and @import are loads
    assert not re.search(r"url\(\s*['\"]?(https?:|//)|@import", html), "the page loads from the network"
    return parser


@pytest.fixture(scope="module")
def april(scenario):
    """The report of the month in which the new substance appears."""
    made, data = scenario
    event = made.events[0]
    found = detect(data, WarnSettings(period="month"), since=event.start, until=event.start)
    return data, found, build_report(data, found.alerts, "month", event.start.date())


def test_report_html_is_self_contained_valid_and_has_its_charts(april):
    _, found, report = april
    html = render_html(report)
    parser = check_html(html)
    assert {"chart-trend", "chart-map", "chart-heat-map"} <= set(parser.ids)
    assert html.count("<svg") == 3 + 2  # three charts, the structure in the list and in the notification
    assert "<?xml" not in html
    assert report.label == "2024-03" and report.alerts_of("new_substance")
    for alert in found.alerts:
        assert f'id="alert-{alert.key}"' in html  # every alert is listed, with its records
        assert all(r in html for r in alert.record_ids[:5])


def test_the_formal_notification_has_identity_structure_analysis_and_first_detection(april):
    data, found, report = april
    (n,) = report.notifications
    assert n["identity"]["formula"] == "C11H14ClNO" and n["identity"]["name"] == "3-CEC"
    assert n["structure_svg"].startswith("<svg") and "LC-QTOF-MS" in n["analytical"][0]
    (first,) = n["first_detection"]
    assert first["country"] == "PL" and first["date"] == "2024-03-27"
    assert {v["jurisdiction"] for v in n["legal"]} >= {"EU", "PL", "NL", "DE"}
    assert any(a["name"] == "3-CMC" for a in n["analogues"])
    page = render_notification_html(report, n["key"])
    check_html(page)
    for section in ("1. Identity", "2. Analytical data", "3. First detection", "5. Legal status"):
        assert section in page


def test_json_feed(april):
    _, found, report = april
    feed = json.loads(json.dumps(json_feed(report)))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"] for i in feed["items"]] == [a.key for a in report.alerts]
    assert all(i["_crystal_palace"]["record_ids"] for i in feed["items"])


def test_a_pdf_renderer_is_installed_under_ci():
    if available_renderer() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: a PDF renderer (weasyprint or chromium) must be installed")
        pytest.skip("no PDF renderer installed")


@pytest.mark.parametrize("renderer", ["weasyprint", "chromium"])
def test_pdf_has_pages_and_the_reports_text(april, renderer):
    if renderer == "weasyprint" and importlib.util.find_spec("weasyprint") is None:
        pytest.skip("weasyprint is not installed")
    if renderer == "chromium" and not any(shutil.which(n) for n in CHROMIUM_NAMES):
        pytest.skip("chromium is not installed")
    pypdf = pytest.importorskip("pypdf")
    _, _, report = april
    pdf = html_to_pdf(render_html(report), renderer)
    assert pdf.startswith(b"%PDF-")
    import io

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3  # summary and charts, the alerts, one page per notification
    # NFKC: Chromium's fonts write "fi" as one ligature glyph; whitespace: lines may wrap anywhere
    text = " ".join(unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in reader.pages)).split())
    assert "Early warning report, month 2024-03" in text and "Formal notification: 3-CEC" in text


def test_without_a_renderer_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CRYSTAL_PALACE_CHROMIUM", raising=False)
    with pytest.raises(MissingOptionalDependency, match="apt-get install chromium"):
        html_to_pdf("<html></html>", "chromium")

"""The "Screen a manifest" page (present when the precursors workflow is installed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crystal_palace.web.testing import log_in as _log_in
from crystal_palace.web.testing import page_csrf


def login(client, username, password="correct horse battery", next_path="/"):
    return _log_in(client, username, password, next_path)


pytest.importorskip("crystal_palace.workflows.precursors")

MANIFEST = b"""product,cas,quantity,unit,consignee
Piperonyl methyl ketone,4676-39-5,200,kg,ACME BV
Sodium chloride,7647-14-5,1000,kg,Salt SA
"""


def test_screen_a_manifest_shows_each_row_and_the_totals(web_app):
    client = TestClient(web_app)
    login(client, "vera")
    assert 'href="/precursors"' in client.get("/").text
    csrf = page_csrf(client, "/precursors")
    page = client.post("/precursors", data={"csrf_token": csrf}, files={"file": ("order.csv", MANIFEST)},
                       headers={"HX-Request": "true"})
    assert page.status_code == 200 and 'data-testid="manifest-result"' in page.text
    assert "order.csv: 2 rows" in page.text and "MDMA" in page.text and "ACME BV" in page.text
    assert 'class="risk-scheduled"' in page.text and 'class="risk-none"' in page.text
    events = web_app.state.web.audit.events(username="vera")
    assert events[0].route == "/precursors" and "order.csv" in events[0].detail


@pytest.mark.parametrize("files,text,status", [
    ({"file": ("order.pdf", b"%PDF")}, "expected a .csv, .tsv or .xlsx file", 422),
    ({"file": ("order.csv", b"")}, "is empty", 422),
    ({"file": ("order.csv", b"colour,size\nred,1\n")}, "order.csv:", 422),
])
def test_bad_manifests_are_explained(web_app, files, text, status):
    client = TestClient(web_app)
    login(client, "alice")
    response = client.post("/precursors", data={"csrf_token": page_csrf(client, "/precursors")}, files=files)
    assert response.status_code == status and text in response.text

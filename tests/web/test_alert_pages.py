"""The alerts page: the early-warning alerts of the server's store, acknowledged in place."""

from __future__ import annotations

import re

import pytest

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.settings import WebSettings
from crystal_palace.web.testing import authed, log_in, page_csrf

pytest.importorskip("crystal_palace.workflows.warn")


@pytest.fixture(scope="module")
def alerts_app(tmp_path_factory):
    from crystal_palace.demo import generate
    from crystal_palace.store.backend import open_store
    from crystal_palace.workflows.warn import warn_run

    db = tmp_path_factory.mktemp("alerts") / "store.duckdb"
    store = open_store(str(db))
    store.write_frames(generate(seizures=80, seed=5).tables)
    store.close()
    warn_run(db=str(db), since="2019-01-01")
    return create_app(WebSettings(auth_required=True, db=str(db)))


def test_alerts_are_listed_and_an_analyst_acknowledges_one(alerts_app):
    analyst = authed(alerts_app, role="analyst")
    page = analyst.get("/alerts")
    assert page.status_code == 200 and page.text.count('id="alert-') >= 5 and "Acknowledge" in page.text
    key = re.search(r'id="alert-([^"]+)"', page.text).group(1)
    row = analyst.post(f"/alerts/{key}/ack", headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.text.strip().startswith("<tr") and f"by {analyst.user.username}" in row.text
    spread = analyst.get("/alerts", params={"kind": "spread"}).text
    assert "spreads to" in spread and "rises" not in spread
    assert analyst.post("/alerts/nope/ack").status_code == 404


def test_viewers_read_but_do_not_acknowledge(alerts_app):
    viewer = authed(alerts_app, role="viewer")
    page = viewer.get("/alerts")
    assert page.status_code == 200 and ">Acknowledge</button>" not in page.text
    assert viewer.post("/alerts/x/ack").status_code == 403
    assert authed(alerts_app, role="chemist").get("/alerts").status_code == 403


def test_the_acknowledge_button_posts_with_the_session_csrf_token(alerts_app):
    from fastapi.testclient import TestClient

    alerts_app.state.web.accounts.add_user("ana", "a long password", role="analyst", country="NL", agency="P")
    client = TestClient(alerts_app)
    log_in(client, "ana", "a long password")
    key = re.search(r'id="alert-([^"]+)"', client.get("/alerts").text).group(1)
    assert client.post(f"/alerts/{key}/ack").status_code == 403  # no token: refused
    token = page_csrf(client, "/identify")
    assert client.post(f"/alerts/{key}/ack", headers={"X-CSRF-Token": token}).status_code == 200

"""/v1/warn: run, alerts, acknowledge, report and feed; errors in the API's one shape."""

from __future__ import annotations

import pytest

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.interfaces.api.routers import warn as warn_router
from crystal_palace.warn.simulate import simulate
from crystal_palace.web.testing import authed


@pytest.fixture(scope="module")
def detections(tmp_path_factory):
    made = simulate(years=1.5, seed=5)
    path = tmp_path_factory.mktemp("api-warn") / "detections.csv"
    made.detections.assign(date=made.detections["date"].dt.date.astype(str)).to_csv(path, index=False)
    return path


@pytest.fixture
def client(detections, tmp_path, monkeypatch):
    monkeypatch.setenv(warn_router.DETECTIONS_VARIABLE, str(detections))
    monkeypatch.setenv(warn_router.ALERTS_VARIABLE, str(tmp_path / "alerts.duckdb"))
    monkeypatch.delenv(warn_router.DB_VARIABLE, raising=False)
    return authed(create_app(), raise_server_exceptions=False)


def assert_error_shape(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "status", "error", "errors"} and body["ok"] is False and body["status"] == status
    return body


def test_run_list_ack(client):
    out = client.post("/v1/warn/run", json={"period": "month", "since": "2023-07-01", "analogues": False})
    assert out.status_code == 200, out.text
    body = out.json()
    assert body["new_by_kind"]["new_substance"] == 1 and body["repeated_alerts"] == 0
    assert client.post("/v1/warn/run", json={"period": "month", "since": "2023-07-01",
                                             "analogues": False}).json()["new_alerts"] == 0
    spread = client.get("/v1/warn/alerts", params={"kind": "spread"}).json()
    assert len(spread) == 2 and all(a["record_ids"] for a in spread)
    key = spread[0]["key"]
    acked = client.post(f"/v1/warn/alerts/{key}/ack", json={"by": "focal point", "note": "sent to EUDA"})
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    assert key not in {a["key"] for a in client.get("/v1/warn/alerts", params={"acknowledged": False}).json()}
    assert_error_shape(client.post("/v1/warn/alerts/nope/ack"), 404)
    assert_error_shape(client.get("/v1/warn/alerts", params={"kind": "gossip"}), 422)


def test_report_and_feed(client):
    page = client.get("/v1/warn/report", params={"period": "month", "at": "2023-09-25"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Formal notification: 3-CEC" in page.text
    feed = client.get("/v1/warn/feed.json", params={"period": "month", "at": "2023-09-25"})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/feed+json")
    assert any(i["_crystal_palace"]["kind"] == "new_substance" for i in feed.json()["items"])
    assert_error_shape(client.get("/v1/warn/report", params={"format": "docx"}), 422)


def test_without_data_the_server_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv(warn_router.DETECTIONS_VARIABLE, raising=False)
    monkeypatch.delenv(warn_router.DB_VARIABLE, raising=False)
    monkeypatch.setenv(warn_router.ALERTS_VARIABLE, str(tmp_path / "a.duckdb"))
    body = assert_error_shape(authed(create_app()).post("/v1/warn/run", json={}), 503)
    assert warn_router.DETECTIONS_VARIABLE in body["error"]

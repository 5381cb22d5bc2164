"""The API applies the scoping rule on every route that returns store records or data derived from them.

An analyst of agency A must not see agency B's restricted records through the analyses of the store
(network, path, timeline, GeoJSON, operation report), the alerts and the early-warning report, the
exchange (outgoing packages, retractions) or the store routes; he sees what B shares with A, and what a
partner's package brought in; an admin sees everything. The store is
:func:`crystal_palace.web.testing.two_agency_store`.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("crystal_palace.workflows.analysis")

from crystal_palace.interfaces.api.app import create_app  # noqa: E402
from crystal_palace.web.settings import WebSettings  # noqa: E402
from crystal_palace.web.testing import AGENCY_A, AGENCY_B, authed, two_agency_store, use_test_accounts  # noqa: E402

ALL_CODES = ["H0", "H1", "H2", "H3"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-scoping")
    db = folder / "store.duckdb"
    ids = two_agency_store(db)
    app = create_app(WebSettings(auth_required=True, db=str(db)))
    use_test_accounts(app).share_agency(AGENCY_B, AGENCY_A, ["H0", "H1"], by="test")
    analyst = authed(app, role="analyst", country=AGENCY_A[0], agency=AGENCY_A[1], handling_codes=ALL_CODES,
                     raise_server_exceptions=False)
    viewer = authed(app, role="viewer", country=AGENCY_A[0], agency=AGENCY_A[1], handling_codes=ALL_CODES,
                    raise_server_exceptions=False)
    return {"ids": ids, "db": db, "folder": folder, "app": app, "analyst": analyst, "viewer": viewer,
            "admin": authed(app, raise_server_exceptions=False)}


@pytest.fixture
def env(world, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_DB", str(world["db"]))
    monkeypatch.setenv("CRYSTAL_PALACE_WARN_DB", str(world["db"]))
    for name in ("CRYSTAL_PALACE_WARN_DETECTIONS", "CRYSTAL_PALACE_WARN_ALERTS_DB", "CRYSTAL_PALACE_EXCHANGE_DB",
                 "CRYSTAL_PALACE_EXCHANGE_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(world["folder"] / "home"))
    return world


def _hidden(body, ids):
    text = body if isinstance(body, str) else json.dumps(body)
    for marker in (ids["restricted"], ids["restricted_line"], ids["restricted_actor"], ids["link_restricted"],
                   "B-SECRET", "Geheimstad", "Piet Geheim", "7777"):
        assert marker not in text, marker


def test_network_path_timeline_geojson_report(env):
    ids = env["ids"]
    for who in ("analyst", "viewer"):
        client = env[who]
        network = client.get("/v1/link/store/network", params={"top": 1000})
        assert network.status_code == 200, network.text
        _hidden(network.json(), ids)
        central = {c["id"] for c in network.json()["centrality"]}
        assert {ids["own"], ids["shared"]} <= central
        path = client.get("/v1/link/store/path", params={"source": ids["own"], "target": ids["shared"]})
        assert path.status_code == 200 and ids["shared"] in json.dumps(path.json())
        refused = client.get("/v1/link/store/path", params={"source": ids["own"], "target": ids["restricted"]})
        unknown = client.get("/v1/link/store/path", params={"source": ids["own"], "target": "sz-no-such-record"})
        assert refused.status_code == unknown.status_code == 422  # not visible = does not exist
        assert refused.json()["error"].replace(ids["restricted"], "X") == unknown.json()["error"].replace(
            "sz-no-such-record", "X")
        timeline = client.get("/v1/link/store/timeline").json()
        assert {ids["own"], ids["shared"]} <= {e["id"] for e in timeline["events"]}
        _hidden(timeline, ids)
        geo = client.get("/v1/link/store/geojson").json()
        assert {f["id"] for f in geo["features"]} == {ids["own"], ids["shared"]}
        _hidden(geo, ids)
        report = client.get(f"/v1/link/store/operation-report/{ids['operation']}")
        assert report.status_code == 200 and report.json()["totals"]["seizures"] == 2
        _hidden(report.json(), ids)
        html = client.get(f"/v1/link/store/operation-report/{ids['operation']}", params={"format": "html"})
        assert html.status_code == 200
        _hidden(html.text, ids)
    admin = env["admin"]
    assert ids["restricted"] in {f["id"] for f in admin.get("/v1/link/store/geojson").json()["features"]}
    assert admin.get(f"/v1/link/store/operation-report/{ids['operation']}").json()["totals"]["seizures"] == 3
    assert admin.get("/v1/link/store/path", params={"source": ids["own"], "target": ids["restricted"]}).status_code \
        == 200
    outsider = authed(env["app"], role="analyst", country=AGENCY_B[0], agency=AGENCY_B[1], handling_codes=ALL_CODES,
                      raise_server_exceptions=False)  # B's analyst does not see A's operation
    assert outsider.get(f"/v1/link/store/operation-report/{ids['operation']}").status_code == 422


def test_alerts_name_only_visible_records(env):
    ids = env["ids"]
    for who in ("analyst", "viewer"):
        alerts = env[who].get("/v1/warn/alerts").json()
        ours = next(a for a in alerts if a["key"] == ids["alert"])
        assert ours["record_ids"] == [ids["own_line"], ids["shared_line"]]
        assert ours["why"].endswith(f"({ids['own_line']}, withheld, {ids['shared_line']})")  # quoted ids too
        _hidden(alerts, ids)
    acked = env["analyst"].post(f"/v1/warn/alerts/{ids['alert']}/ack", json={"note": "seen"})
    assert acked.status_code == 200 and acked.json()["record_ids"] == [ids["own_line"], ids["shared_line"]]
    full = next(a for a in env["admin"].get("/v1/warn/alerts").json() if a["key"] == ids["alert"])
    assert full["record_ids"] == [ids["own_line"], ids["restricted_line"], ids["shared_line"]]
    assert ids["restricted_line"] in full["why"]


def test_warn_report_and_feed_over_visible_detections(env):
    from crystal_palace.web.records import query_store

    ids = env["ids"]
    params = {"period": "month", "at": "2026-05-20"}
    accounts = use_test_accounts(env["app"])
    # the engine needs history before it calls a substance new: let A see the demo agencies' seizures too
    demo = {(r["country"], r["agency"]) for r in query_store(str(env["db"]), "SELECT DISTINCT country, agency FROM"
                                                             " seizures WHERE source <> 'scoping-test'", [])}
    for owner in demo:
        accounts.share_agency(owner, AGENCY_A, ALL_CODES, by="test")
    try:
        feed = env["analyst"].get("/v1/warn/feed.json", params=params)
        assert feed.status_code == 200, feed.text
        named = {r for item in feed.json()["items"] for r in item["_crystal_palace"]["record_ids"]}
        assert {ids["own_line"], ids["shared_line"]} <= named and ids["restricted_line"] not in named
        _hidden(feed.json(), ids)
        page = env["analyst"].get("/v1/warn/report", params={**params, "format": "html"})
        assert page.status_code == 200 and "Testamine" in page.text
        _hidden(page.text, ids)
    finally:
        for owner in demo:
            accounts.unshare_agency(owner, AGENCY_A)
    admin = env["admin"].get("/v1/warn/feed.json", params=params).json()
    assert ids["restricted_line"] in {r for item in admin["items"] for r in item["_crystal_palace"]["record_ids"]}
    nobody = authed(env["app"], role="analyst", country="FR", agency="Nobody", raise_server_exceptions=False)
    assert nobody.get("/v1/warn/feed.json", params=params).status_code == 404  # no detection he may see


def test_store_routes(env):
    ids = env["ids"]
    listed = env["analyst"].get("/v1/seizures", params={"limit": 1000}).json()
    assert {s["id"] for s in listed["items"]} == {ids["own"], ids["shared"]}
    assert env["analyst"].get(f"/v1/records/{ids['restricted']}").status_code == 404
    record = env["analyst"].get(f"/v1/records/{ids['own']}").json()
    assert {link["id"] for link in record["links"]} == {ids["link_restricted"], ids["link_shared"]}  # A's own links
    assert env["admin"].get(f"/v1/records/{ids['restricted']}").status_code == 200
    stats = env["analyst"].get("/v1/store/stats").json()
    assert stats["counts"]["seizures"] == 2 and stats["counts"]["actors"] == 2
    assert stats["url"] is None and stats["imports"] == []
    assert env["admin"].get("/v1/store/stats").json()["counts"]["seizures"] == 43  # 40 demo + 3


@pytest.fixture
def keys(env, tmp_path, monkeypatch):
    from crystal_palace.exchange.package import PartyKeys

    ours, partner = PartyKeys.generate("PL-TESTOWA"), PartyKeys.generate("IT-PARTNER")
    folder = tmp_path / "keys"
    ours.save(folder)
    (folder / "IT-PARTNER.pub").write_text(json.dumps(partner.public.to_dict()))
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_KEYS", str(folder))
    return ours, partner


def test_exchange_sends_and_retracts_only_visible_records(env, keys):
    from crystal_palace.workflows.exchange import unpack

    ours, partner = keys
    ids = env["ids"]
    analyst = env["analyst"]
    refused = analyst.post("/v1/exchange/outgoing", json={"record_ids": [ids["own_actor"], ids["restricted_actor"]],
                                                           "recipient": "IT-PARTNER"})
    assert refused.status_code == 422 and ids["restricted_actor"] in refused.json()["error"]
    unknown = analyst.post("/v1/exchange/outgoing", json={"record_ids": ["ac-no-such"], "recipient": "IT-PARTNER"})
    assert unknown.status_code == 422 and "that you may see" in unknown.json()["error"]
    sent = analyst.post("/v1/exchange/outgoing", json={"record_ids": [ids["own_actor"], ids["shared_actor"]],
                                                        "recipient": "IT-PARTNER", "handling": "H1"})
    assert sent.status_code == 200, sent.text
    opened = unpack(sent.json(), recipient=partner, trusted=[ours.public], audit=False)
    names = {r["properties"]["name"][0] for r in opened.content["records"]}
    assert names == {"Jan Kowalski", "Kees Gedeeld"}
    assert analyst.post("/v1/exchange/retract", json={"record_ids": [ids["restricted_actor"]],
                                                       "recipient": "IT-PARTNER"}).status_code == 422
    assert analyst.post("/v1/exchange/retract", json={"record_ids": [ids["own_actor"]],
                                                       "recipient": "IT-PARTNER"}).status_code == 200
    admin = env["admin"].post("/v1/exchange/outgoing", json={"record_ids": [ids["restricted_actor"]],
                                                             "recipient": "IT-PARTNER"})
    assert admin.status_code == 200


def test_a_partners_package_is_shared_with_the_importing_agency(env, keys, tmp_path, monkeypatch):
    from crystal_palace.workflows.exchange import pack

    ours, partner = keys
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_DB", str(tmp_path / "exchange.duckdb"))
    package = pack([{"id": "it-77", "schema": "Person", "name": "Mario Rossi", "first_name": "Mario",
                     "last_name": "Rossi"}], sender=partner, recipient=ours.public, handling="H2", audit=False)
    result = env["analyst"].post("/v1/exchange/unpack", json={"package": package})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["imported"]["stored"] == 1 and body["shared_with"] == "PL · Testowa" and len(body["local_ids"]) == 1
    # the received actor belongs to the partner (country IT, agency IT-PARTNER), shared with A one by one
    monkeypatch.setenv("CRYSTAL_PALACE_DB", str(tmp_path / "exchange.duckdb"))
    seen = env["analyst"].get(f"/v1/records/{body['local_ids'][0]}")
    assert seen.status_code == 200 and seen.json()["record"]["name"] == "Mario Rossi"
    other = authed(env["app"], role="analyst", country="DE", agency="BKA", raise_server_exceptions=False)
    assert other.get(f"/v1/records/{body['local_ids'][0]}").status_code == 404

"""``/v1/link``: profile and tablet linkage and the network analyses, with the API's one error shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.testing import authed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_records import build_records  # noqa: E402  (the analysis tests' hand-made records)

client = authed(create_app(), raise_server_exceptions=False)

PROFILES = [{"sample_id": f"b{b}s{s}", "P1": 1.0 + b * 3 + s * 0.01, "P2": 5.0 - b + s * 0.02,
             "P3": (b % 2) * 2.0 + 0.5} for b in range(4) for s in range(3)]
REFERENCE = [{"sample_id": p["sample_id"], "group": p["sample_id"][:2]} for p in PROFILES]


def test_link_profiles_with_calibration() -> None:
    response = client.post("/v1/link/profiles", json={"profiles": PROFILES, "reference": REFERENCE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["calibration"]["auc"] > 0.9 and body["pairs"] and body["links"][0]["type"] == "same_batch"


def test_compare_profile_methods() -> None:
    response = client.post("/v1/link/profiles/compare", json={"profiles": PROFILES, "reference": REFERENCE})
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 60


def test_a_bad_row_is_a_422_naming_the_record() -> None:
    rows = [*PROFILES[:-1], {"sample_id": "bad", "P1": "x", "P2": 1, "P3": 1}]
    response = client.post("/v1/link/profiles", json={"profiles": rows})
    body = response.json()
    assert response.status_code == 422 and set(body) == {"ok", "status", "error", "errors"}
    assert body["errors"][0]["loc"] == ["query", "bad", "P1"]


def test_link_tablets() -> None:
    tablets = [{"id": "t1", "logo": "Tesla", "diameter_mm": 9.0}, {"id": "t2", "logo": "tesla", "diameter_mm": 9.05},
               {"id": "t3", "logo": "Rolex", "diameter_mm": 9.0}]
    body = client.post("/v1/link/tablets", json={"tablets": tablets}).json()
    assert [(p["a"], p["b"]) for p in body["pairs"]] == [("t1", "t2")]


def test_network_path_timeline_geojson_and_report() -> None:
    records = json.loads(json.dumps(build_records(), default=str))
    network = client.post("/v1/link/network", json={"records": records, "top": 3}).json()
    assert network["summary"]["nodes"] == 14 and len(network["centrality"]) == 3
    path = client.post("/v1/link/path", json={"records": records, "source": "sz-4", "target": "sz-3"}).json()
    assert path["length"] == 7
    events = client.post("/v1/link/timeline", json={"records": records}).json()["events"]
    assert events[0]["id"] == "sz-4"
    assert len(client.post("/v1/link/geojson", json={"records": records}).json()["features"]) == 4
    report = client.post("/v1/link/operation-report", json={"records": records, "operation": "Crystal Bridge"})
    assert report.json()["totals"]["seizures"] == 3
    html = client.post("/v1/link/operation-report?format=html", json={"records": records, "operation": "op-1"})
    assert html.headers["content-type"].startswith("text/html") and "Crystal Bridge" in html.text
    missing = client.post("/v1/link/path", json={"records": records, "source": "sz-1", "target": "nobody"})
    assert missing.status_code == 422


def test_analyses_of_the_servers_store(tmp_path, monkeypatch) -> None:
    from crystal_palace.demo import generate
    from crystal_palace.store.backend import open_store

    monkeypatch.delenv("CRYSTAL_PALACE_DB", raising=False)
    assert client.get("/v1/link/store/network").status_code == 503
    data = generate(seizures=60, seed=4)
    db = tmp_path / "server.duckdb"
    with open_store(db) as store:
        store.write_frames(data.tables)
    monkeypatch.setenv("CRYSTAL_PALACE_DB", str(db))
    network = client.get("/v1/link/store/network?top=3").json()
    assert network["summary"]["kinds"]["seizure"] == 60
    name = data.tables["operations"]["name"].iloc[0]
    assert client.get(f"/v1/link/store/operation-report/{name}").json()["operation"]["name"] == name
    assert client.get("/v1/link/store/timeline").json()["events"]
    assert client.get("/v1/link/store/geojson").json()["type"] == "FeatureCollection"
    assert client.get("/v1/link/store/path?source=sz-0&target=sz-1").status_code == 422

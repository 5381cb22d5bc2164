"""The store's API: list seizures, read a record with its links, import an upload (one error shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.testing import authed

DATA = Path(__file__).parents[1] / "store" / "data"


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_DB", str(tmp_path / "api.duckdb"))
    import crystal_palace

    crystal_palace.generate_demo(120, seed=1, db=str(tmp_path / "api.duckdb"))
    return authed(create_app(), raise_server_exceptions=False)  # as an admin, should the API require a login


def test_seizures_are_listed_with_filters_and_substances(client):
    body = client.get("/v1/seizures", params={"country": "pl", "limit": 5}).json()
    assert body["total"] > 0 and len(body["items"]) <= 5
    assert all(i["country"] == "PL" for i in body["items"])
    assert body["items"][0]["substances"][0]["inchikey"]
    dates = [i["seized_on"] for i in body["items"]]
    assert dates == sorted(dates, reverse=True)
    mdma = client.get("/v1/seizures", params={"inchikey": "SHXWCVYOXRDMCX-UHFFFAOYSA-N", "limit": 1000}).json()
    assert all(any(s["inchikey"] == "SHXWCVYOXRDMCX-UHFFFAOYSA-N" for s in i["substances"]) for i in mdma["items"])


def test_a_record_comes_with_its_links(client):
    seizure = client.get("/v1/seizures", params={"limit": 50}).json()["items"]
    linked = next(s for s in seizure if client.get(f"/v1/records/{s['id']}").json()["links"])
    body = client.get(f"/v1/records/{linked['id']}").json()
    assert body["table"] == "seizures" and body["record"]["id"] == linked["id"]
    missing = client.get("/v1/records/sz-0000000000000000")
    assert missing.status_code == 404 and missing.json()["ok"] is False


def test_import_upload_and_rejection_shape(client):
    with (DATA / "seizures_pl.csv").open("rb") as sheet, (DATA / "seizures_pl.yaml").open("rb") as mapping:
        ok = client.post("/v1/import", files={"file": ("pl.csv", sheet), "mapping": ("m.yaml", mapping)})
    assert ok.status_code == 200, ok.text
    assert ok.json()["inserted"] == {"seizures": 3, "seizure_substances": 4}
    bad = (DATA / "seizures_pl.csv").read_bytes().replace(b"52,075", b"520,075")
    with (DATA / "seizures_pl.yaml").open("rb") as mapping:
        refused = client.post("/v1/import", files={"file": ("bad.csv", bad), "mapping": ("m.yaml", mapping)})
    body = refused.json()
    assert refused.status_code == 422 and body["ok"] is False
    assert {"loc": ["file", 2, "lat"], "msg": "out of range: must be between -90.0 and 90.0"} in body["errors"]
    stats = client.get("/v1/store/stats").json()
    assert stats["counts"]["seizures"] == 123


def test_an_analyst_sees_only_his_agency_s_records(client):
    everything = client.get("/v1/seizures", params={"limit": 1000}).json()["items"]  # the admin sees all
    own = everything[0]
    other = next(s for s in everything if (s["country"], s["agency"]) != (own["country"], own["agency"]))
    analyst = authed(client.app, role="analyst", country=own["country"], agency=own["agency"],
                     handling_codes=[own["handling_code"]], raise_server_exceptions=False)
    seen = analyst.get("/v1/seizures", params={"limit": 1000}).json()
    assert seen["total"] == len(seen["items"]) > 0
    assert all((s["country"], s["agency"], s["handling_code"]) == (own["country"], own["agency"],
                                                                   own["handling_code"]) for s in seen["items"])
    assert analyst.get(f"/v1/records/{own['id']}").status_code == 200
    refused = analyst.get(f"/v1/records/{other['id']}")
    assert refused.status_code == 404  # as if it did not exist: its existence is not disclosed
    assert other["id"] not in {s["id"] for s in seen["items"]}

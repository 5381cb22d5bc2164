"""The legal part of the REST API: POST /v1/legal, the legal fields of /v1/identify, jurisdictions, listings."""

from __future__ import annotations

import csv
import datetime

import pytest

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.legal.listings import legal_data_dir
from crystal_palace.web.testing import authed

client = authed(create_app(), raise_server_exceptions=False)
NEW_CATHINONE = "CCCNC(C)C(=O)c1ccc(Cl)c(F)c1"
KEYS = {"jurisdiction", "controlled", "category", "basis", "instrument", "since", "explanation"}


def mephedrone_un_since() -> tuple[str, str]:
    with (legal_data_dir() / "listings" / "UN.csv").open(encoding="utf-8") as f:
        since = next(r["since"] for r in csv.DictReader(f) if r["substance_id"] == "mephedrone")
    return (datetime.date.fromisoformat(since) - datetime.timedelta(days=1)).isoformat(), since


def assert_error_shape(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "status", "error", "errors"}
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert all(set(e) == {"loc", "msg"} for e in body["errors"])
    return body


def by_code(result):
    return {v["jurisdiction"]: v for v in result["legal"]}


def test_legal_for_mephedrone_before_and_after_its_un_listing():
    before, since = mephedrone_un_since()
    out = client.post("/v1/legal", json={"queries": ["mephedrone", "mephedrone"], "jurisdictions": ["UN"],
                                         "as_of": before})
    assert out.status_code == 200
    un = by_code(out.json()[0])["UN"]
    assert un["controlled"] is False and "after the date asked" in un["explanation"]
    (result,) = client.post("/v1/legal", json={"query": "mephedrone", "jurisdictions": ["un"], "as_of": since}).json()
    un = by_code(result)["UN"]
    assert result["as_of"] == since and result["identity"]["id"] == "mephedrone"
    assert (un["controlled"], un["basis"], un["category"], un["since"]) == (True, "listed", "Schedule II", since)


def test_legal_for_several_queries_in_order_with_errors_and_nulls():
    out = client.post("/v1/legal", json={"queries": ["MDMA", NEW_CATHINONE, "caffeine", "C1CC(("],
                                         "jurisdictions": ["DE", "UK", "PL"], "as_of": "2020-01-01"}).json()
    mdma, new, caffeine, bad = out
    assert by_code(mdma)["DE"]["controlled"] is True and by_code(mdma)["UK"]["controlled"] is True
    # PL lists MDMA by 2024-07-30 at the latest, and when the listing began is not encoded: undecided in 2020
    assert by_code(mdma)["PL"]["controlled"] is None and "at the latest" in by_code(mdma)["PL"]["explanation"]
    assert by_code(new)["DE"]["basis"] == "generic" and by_code(new)["DE"]["atoms"]["core"]
    assert by_code(caffeine)["DE"]["controlled"] is False
    assert by_code(caffeine)["PL"]["controlled"] is None  # null: undecided, sent as JSON null
    assert bad["legal"] == [] and bad["errors"]
    assert all(KEYS <= set(v) for r in out for v in r["legal"])


def test_identify_has_legal_options():
    before, _ = mephedrone_un_since()
    (verdict,) = client.post("/v1/identify", json={"query": "mephedrone", "explain": False, "analogues": 0,
                                                   "jurisdictions": ["UN", "DE"], "as_of": before}).json()
    assert [(v["jurisdiction"], v["controlled"]) for v in verdict["legal"]] == [("UN", False), ("DE", True)]
    (verdict,) = client.post("/v1/identify", json={"query": "MDMA", "explain": False, "legal": False}).json()
    assert verdict["legal"] == []
    (verdict,) = client.post("/v1/identify", json={"query": "MDMA", "explain": False}).json()
    assert len(verdict["legal"]) == 7  # all jurisdictions, today, by default


@pytest.mark.parametrize("path", ["/v1/legal", "/v1/identify"])
@pytest.mark.parametrize("extra,loc,text", [
    ({"as_of": "2015-02-30"}, "as_of", "day value is outside expected range"),
    ({"as_of": "2015-13-01"}, "as_of", "month value"),
    ({"as_of": "05.09.2015"}, "as_of", "YYYY-MM-DD"),
    ({"as_of": 1441411200}, "as_of", "YYYY-MM-DD"),
    ({"as_of": "2015-09-05T00:00:00"}, "as_of", "YYYY-MM-DD"),
    ({"jurisdictions": ["XX"]}, "jurisdictions", "unknown jurisdiction(s) XX"),
    ({"jurisdictions": ["DE", "FR"]}, "jurisdictions", "FR"),
    ({"jurisdictions": []}, "jurisdictions", "at least 1"),
    ({"jurisdictions": "DE"}, "jurisdictions", "list"),
])
def test_bad_dates_and_jurisdictions_are_422_in_the_one_error_shape(path, extra, loc, text):
    body = assert_error_shape(client.post(path, json={"query": "MDMA", **extra}), 422)
    assert body["errors"][0]["loc"] == ["body", loc] and text in body["errors"][0]["msg"]
    assert loc in body["error"]


@pytest.mark.parametrize("body,text", [
    ({}, 'give either "query"'),
    ({"query": "MDMA", "queries": ["MDMA"]}, 'give either "query"'),
    ({"query": "MDMA", "rules": "/etc/passwd"}, "rules"),  # no server paths from clients
])
def test_malformed_legal_bodies(body, text):
    assert text in assert_error_shape(client.post("/v1/legal", json=body), 422)["error"]


def test_jurisdictions_endpoint():
    response = client.get("/v1/legal/jurisdictions")
    assert response.status_code == 200
    found = {j["code"]: j for j in response.json()}
    assert list(found) == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]
    assert found["DE"]["coverage"] == "complete" and found["PL"]["coverage"] == "partial"
    assert "de-btmg" in {i["id"] for i in found["DE"]["instruments"]}


def test_listings_endpoint_follows_the_date():
    before, since = mephedrone_un_since()
    rows = client.get("/v1/legal/listings", params={"jurisdiction": "UN", "as_of": since}).json()
    assert any(r["substance_id"] == "mephedrone" and r["category"] == "Schedule II" for r in rows)
    rows = client.get("/v1/legal/listings", params={"jurisdiction": "UN", "as_of": before}).json()
    assert rows and not any(r["substance_id"] == "mephedrone" for r in rows)
    rows = client.get("/v1/legal/listings", params=[("jurisdiction", "DE"), ("jurisdiction", "UK")]).json()
    assert {r["jurisdiction"] for r in rows} == {"DE", "UK"}


@pytest.mark.parametrize("params,loc", [({"as_of": "yesterday"}, "as_of"), ({"as_of": "2015-02-30"}, "as_of"),
                                        ({"jurisdiction": "XX"}, "jurisdictions")])
def test_listings_endpoint_rejects_bad_parameters(params, loc):
    body = assert_error_shape(client.get("/v1/legal/listings", params=params), 422)
    assert body["errors"][0]["loc"] == ["query", loc]


def test_openapi_documents_the_legal_models():
    spec = client.get("/openapi.json").json()
    assert {"/v1/legal", "/v1/legal/jurisdictions", "/v1/legal/listings"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    verdict = schemas["LegalVerdict"]
    assert KEYS <= set(verdict["properties"])
    controlled = verdict["properties"]["controlled"]
    assert {"type": "null"} in controlled["anyOf"] and "do not decide" in controlled["description"]
    assert set(verdict["properties"]["basis"]["enum"]) == {"listed", "generic", "precursor", "none"}
    assert {"as_of", "jurisdictions", "legal"} <= set(schemas["IdentifyRequest"]["properties"])
    assert schemas["Verdict"]["properties"]["legal"]["items"] == {"$ref": "#/components/schemas/LegalVerdict"}
    assert "422" in spec["paths"]["/v1/legal"]["post"]["responses"]

"""The REST API: POST /v1/identify, health, depiction, and one JSON error shape for every error."""

import pytest

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.interfaces.api.routes import depict_available
from crystal_palace.web.testing import authed

MDMA = "CNC(C)Cc1ccc2OCOc2c1"
client = authed(create_app(), raise_server_exceptions=False)


def assert_error_shape(response, status):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"ok", "status", "error", "errors"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert all(set(e) == {"loc", "msg"} for e in body["errors"])
    return body


def test_identify_one_query():
    response = client.post("/v1/identify", json={"query": MDMA})
    assert response.status_code == 200
    (verdict,) = response.json()
    assert verdict["identity"]["name"] == "MDMA" and verdict["family"] == "phenethylamine"
    assert len(verdict["analogues"]) == 5 and verdict["analogues"][0]["formula_delta"] is not None
    assert "differs" not in verdict["analogues"][0]  # the MCS per analogue is asked for (explain)
    assert verdict["precursor"]["role"] in ("none", "pre_precursor")  # MDMA is a drug, not a precursor
    explained = client.post("/v1/identify", json={"query": MDMA, "explain": True}).json()[0]
    assert "differs" in explained["analogues"][0] and explained["analogues"][0]["differs"]["common_atoms"] > 5


def test_identify_reports_a_precursor_role():
    (verdict,) = client.post("/v1/identify", json={"query": "CC(=O)C(C(=O)OC)c1ccccc1"}).json()  # MAPA
    assert verdict["precursor"]["role"] == "scheduled" and "Metamfetamine" in verdict["precursor"]["leads_to"]
    (bare,) = client.post("/v1/identify", json={"query": "CC(=O)C(C(=O)OC)c1ccccc1", "precursor": False}).json()
    assert bare["precursor"] is None


def test_identify_several_queries_in_order_with_per_query_errors():
    response = client.post("/v1/identify", json={"queries": [MDMA, "C1CC((N", "42542-10-8", ""],
                                                  "analogues": 2, "explain": False})
    assert response.status_code == 200
    out = response.json()
    assert len(out) == 4 and out[0]["identity"]["name"] == "MDMA" and len(out[0]["analogues"]) == 2
    assert "SMILES" in out[1]["errors"][0]["reason"]
    assert "check digit" in out[2]["errors"][0]["reason"]
    assert out[3]["errors"]


def test_identify_with_forced_input_type():
    out = client.post("/v1/identify", json={"query": "42542-10-9", "input_type": "cas"}).json()
    assert out[0]["identity"]["name"] == "MDMA"


@pytest.mark.parametrize("kwargs,text", [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "not valid JSON"),
    ({}, "a JSON body is required"),
    ({"json": {}}, 'give either "query"'),
    ({"json": {"query": MDMA, "queries": [MDMA]}}, 'give either "query"'),
    ({"json": {"queries": MDMA}}, "queries"),
    ({"json": {"queries": []}}, "queries"),
    ({"json": {"queries": [1, 2]}}, "queries.0"),
    ({"json": {"query": MDMA, "analogues": -1}}, "analogues"),
    ({"json": {"query": MDMA, "input_type": "smells"}}, "input_type"),
    ({"json": {"querry": MDMA}}, "querry"),
    ({"json": [MDMA]}, "body"),
])
def test_malformed_bodies_get_422_saying_what_is_wrong(kwargs, text):
    body = assert_error_shape(client.post("/v1/identify", **kwargs), 422)
    assert text in body["error"], body


def test_too_many_queries_is_422():
    body = assert_error_shape(client.post("/v1/identify", json={"queries": ["C"] * 1001, "explain": False}), 422)
    assert "queries" in body["error"]
    body = assert_error_shape(client.post("/v1/identify", json={"queries": ["C"] * 51, "explain": True}), 422)
    assert "explain" in body["error"]


def test_oversized_body_is_413():
    huge = b'{"query": "' + b"C" * 21_000_000 + b'"}'
    assert_error_shape(client.post("/v1/identify", content=huge,
                                   headers={"content-type": "application/json"}), 413)


def test_unknown_path_and_method_use_the_error_shape():
    assert "/v1/nope" in assert_error_shape(client.get("/v1/nope"), 404)["error"]
    assert_error_shape(client.get("/v1/identify"), 405)


def test_health():
    response = client.get("/v1/health")
    assert response.status_code == 200 and response.json()["ok"] is True and response.json()["version"]


def test_openapi_documents_the_request_response_and_error_shape():
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/identify"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/IdentifyRequest")
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    schemas = spec["components"]["schemas"]
    assert {"query", "queries", "input_type", "analogues"} <= set(schemas["IdentifyRequest"]["properties"])
    assert {"ok", "status", "error", "errors"} <= set(schemas["ErrorResponse"]["properties"])
    assert "Verdict" in schemas


@pytest.mark.skipif(not depict_available(), reason="no depiction module")
def test_depict_svg_and_bad_smiles():
    response = client.get("/v1/depict", params={"smiles": MDMA, "highlight": [0, 1]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text
    body = assert_error_shape(client.get("/v1/depict", params={"smiles": "C1CC((N"}), 422)
    assert "SMILES" in body["error"]
    assert_error_shape(client.get("/v1/depict"), 422)

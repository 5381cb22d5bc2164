"""``POST /v1/precursors/check``, ``POST /v1/precursors/manifest``, ``GET /v1/precursors/routes``."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.testing import authed


@pytest.fixture(scope="module")
def client():
    return authed(create_app())


def test_check_returns_one_verdict_per_query(client):
    response = client.post("/v1/precursors/check", json={"queries": ["APAAN", "CC(=Cc1ccccc1)[N+](=O)[O-]", "C1CC("]})
    assert response.status_code == 200
    body = response.json()
    assert [b["precursor"]["role"] if b["precursor"] else None for b in body] == ["scheduled", "designer", None]
    assert body[2]["errors"][0]["field"] == "smiles"
    assert body[1]["precursor"]["paths"][0]["steps"][0]["transformation"]


def test_check_rejects_a_malformed_body_in_the_one_error_shape(client):
    response = client.post("/v1/precursors/check", json={"query": "P2P", "queries": ["x"]})
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False and "either 'query' or 'queries'" in body["error"]
    response = client.post("/v1/precursors/check", json={"query": "P2P", "max_steps": 7})
    assert response.status_code == 422


def test_manifest_upload_csv(client):
    data = b"Product,CAS,Quantity,Unit,Consignee\nSafrole,94-59-7,100,L,Acme\n,12-34-5,1,kg,Acme\n"
    response = client.post("/v1/precursors/manifest", files={"file": ("m.csv", data, "text/csv")})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert rows[0]["risk"] == "scheduled" and rows[0]["quantity_kg"] == pytest.approx(110.0)
    assert rows[1]["errors"][0]["field"] == "cas"


def test_manifest_upload_xlsx(client):
    wb = Workbook()
    wb.active.append(["Chemical", "Qty", "Unit"])
    wb.active.append(["Piperonal", 5, "kg"])
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = ("order.xlsx", buffer.getvalue(), "application/octet-stream")
    response = client.post("/v1/precursors/manifest", files={"file": upload})
    assert response.status_code == 200
    assert response.json()["rows"][0]["substance_id"] == "piperonal"


def test_manifest_that_cannot_be_read_is_422(client):
    response = client.post("/v1/precursors/manifest", files={"file": ("m.csv", b"a,b\n1,2\n", "text/csv")})
    assert response.status_code == 422
    assert "no product name, CAS number or structure column" in response.json()["error"]
    empty = client.post("/v1/precursors/manifest", files={"file": ("m.csv", b"", "text/csv")})
    assert empty.status_code == 422 and empty.json()["error"] == "the uploaded manifest is empty"


def test_routes(client):
    response = client.get("/v1/precursors/routes")
    assert response.status_code == 200 and len(response.json()) >= 80


def test_identify_carries_the_precursor_object(client):
    response = client.post("/v1/identify", json={"query": "CC(=Cc1ccc2OCOc2c1)[N+](=O)[O-]", "analogues": 0,
                                                 "legal": False})
    assert response.status_code == 200
    precursor = response.json()[0]["precursor"]
    assert precursor["role"] == "designer" and "Tenamfetamine" in precursor["leads_to"]

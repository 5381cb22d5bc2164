"""/v1/exchange: encode, match, pack, unpack, retract; errors in the API's one shape."""

import pytest

from crystal_palace.exchange.package import PartyKeys
from crystal_palace.exchange.population import corrupt, population
from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.testing import authed

client = authed(create_app(), raise_server_exceptions=False)
SECRET = "ab" * 32


def error_body(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "status", "error", "errors"} and body["ok"] is False
    return body


@pytest.fixture
def agency(tmp_path, monkeypatch):
    """Our server is IT; PL is a trusted partner whose keys the test also holds."""
    it, pl = PartyKeys.generate("IT-DCSA"), PartyKeys.generate("PL-CBSP")
    folder = tmp_path / "keys"
    it.save(folder)
    (folder / "PL-CBSP.pub").write_text(__import__("json").dumps(pl.public.to_dict()))
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_KEYS", str(folder))
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_DB", str(tmp_path / "it.duckdb"))
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))
    return it, pl


def test_encode_and_match():
    people = population(60, seed=3)
    a = client.post("/v1/exchange/encode", json={"records": people[:40], "secret": SECRET})
    b = client.post("/v1/exchange/encode", json={"records": corrupt(people[20:], errors=1), "secret": SECRET})
    assert a.status_code == 200 and b.status_code == 200
    assert "given_name" not in str(a.json()["encodings"]["tokens"])
    report = client.post("/v1/exchange/match", json={"a": a.json()["encodings"], "b": b.json()["encodings"],
                                                      "threshold": 0.8})
    assert report.status_code == 200 and report.json()["matched"] == 20


def test_encode_bad_secret_shape():
    body = error_body(client.post("/v1/exchange/encode", json={"records": [{"id": 1}], "secret": "x" * 64}), 422)
    assert "64 hexadecimal" in body["error"]


def test_pack_unpack_retract(agency):
    from crystal_palace.workflows.exchange import pack, retract

    it, pl = agency
    package = pack([{"id": "pl-1", "name": "Jan"}], sender=pl, recipient=it.public, audit=False)
    opened = client.post("/v1/exchange/unpack", json={"package": package})
    assert opened.status_code == 200, opened.text
    assert opened.json()["imported"]["stored"] == 1 and opened.json()["content"]["records"][0]["id"] == "pl-1"
    withdrawal = retract(["pl-1"], sender=pl, recipient=it.public, audit=False)
    done = client.post("/v1/exchange/unpack", json={"package": withdrawal})
    assert done.json()["removed"] == {"exchange_received": 1}
    package["header"]["handling"] = "H0"
    body = error_body(client.post("/v1/exchange/unpack", json={"package": package}), 422)
    assert "signature does not verify" in body["error"]
    sent = client.post("/v1/exchange/pack", json={"content": [{"id": "it-1"}], "recipient": "PL-CBSP"})
    assert sent.status_code == 200 and sent.json()["header"]["sender"] == "IT-DCSA"
    error_body(client.post("/v1/exchange/pack", json={"content": [{"id": "it-1"}], "recipient": "XX"}), 422)
    made = client.post("/v1/exchange/retract", json={"record_ids": ["it-1"], "recipient": "PL-CBSP"})
    assert made.status_code == 200 and made.json()["header"]["content_type"] == "retraction"


def test_no_keys_configured(monkeypatch):
    monkeypatch.delenv("CRYSTAL_PALACE_EXCHANGE_KEYS", raising=False)
    body = error_body(client.post("/v1/exchange/unpack", json={"package": {}}), 503)
    assert "CRYSTAL_PALACE_EXCHANGE_KEYS" in body["error"]

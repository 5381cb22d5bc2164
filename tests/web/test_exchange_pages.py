"""The exchange page: send, encode, match, import and retract, over the records the user may see only."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("crystal_palace.workflows.exchange")

from crystal_palace.exchange.keys import ExchangeSecret  # noqa: E402
from crystal_palace.exchange.package import PartyKeys  # noqa: E402
from crystal_palace.interfaces.api.app import create_app  # noqa: E402
from crystal_palace.web.settings import WebSettings  # noqa: E402
from crystal_palace.web.testing import AGENCY_A, AGENCY_B, authed, two_agency_store, use_test_accounts  # noqa: E402
from crystal_palace.workflows.exchange import encode_records, pack, unpack  # noqa: E402

SECRET = "5e" * 32


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exchange-page")
    db = folder / "store.duckdb"
    ids = two_agency_store(db, demo=False)
    ours, partner = PartyKeys.generate("PL-TESTOWA"), PartyKeys.generate("IT-PARTNER")
    ours.save(folder / "keys")
    (folder / "keys" / "IT-PARTNER.pub").write_text(json.dumps(partner.public.to_dict()))
    app = create_app(WebSettings(auth_required=True, db=str(db)))
    use_test_accounts(app).share_agency(AGENCY_B, AGENCY_A, ["H0", "H1"], by="test")
    analyst = authed(app, role="analyst", country=AGENCY_A[0], agency=AGENCY_A[1],
                     handling_codes=["H0", "H1", "H2", "H3"])
    return {"ids": ids, "folder": folder, "ours": ours, "partner": partner, "app": app, "analyst": analyst}


@pytest.fixture
def env(world, monkeypatch):
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_KEYS", str(world["folder"] / "keys"))
    monkeypatch.delenv("CRYSTAL_PALACE_EXCHANGE_DB", raising=False)
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(world["folder"] / "home"))
    return world


def test_the_page_shows_the_party_partners_and_visible_actors(env):
    page = env["analyst"].get("/exchange")
    assert page.status_code == 200
    assert "PL-TESTOWA" in page.text and "IT-PARTNER" in page.text
    assert set(re.findall(r'name="ids" value="([^"]+)"', page.text)) == {env["ids"]["own_actor"],
                                                                          env["ids"]["shared_actor"]}
    assert "Piet Geheim" not in page.text


def test_build_a_package_of_visible_records(env):
    ids = env["ids"]
    sent = env["analyst"].post("/exchange/package", data={"ids": [ids["own_actor"], ids["shared_actor"]],
                                                           "recipient": "IT-PARTNER", "handling": "H1"})
    assert sent.status_code == 200 and sent.headers["content-disposition"].startswith("attachment;")
    opened = unpack(sent.json(), recipient=env["partner"], trusted=[env["ours"].public], audit=False)
    assert opened.header["handling"] == "H1" and opened.header["sender"] == "PL-TESTOWA"
    assert {r["properties"]["name"][0] for r in opened.content["records"]} == {"Jan Kowalski", "Kees Gedeeld"}
    refused = env["analyst"].post("/exchange/package", data={"ids": [ids["restricted_actor"]],
                                                              "recipient": "IT-PARTNER"})
    assert refused.status_code == 422 and "that you may see" in refused.text and "Piet Geheim" not in refused.text
    nobody = env["analyst"].post("/exchange/package", data={"ids": [ids["own_actor"]], "recipient": "XX-NOBODY"})
    assert nobody.status_code == 422 and "unknown partner" in nobody.text


def test_encode_and_match_only_visible_actors(env):
    ids = env["ids"]
    encodings = env["analyst"].post("/exchange/encodings", data={"secret": SECRET})
    assert encodings.status_code == 200 and encodings.json()["count"] == 2  # own + shared, not the restricted one
    assert "Kowalski" not in encodings.text
    theirs = encode_records([{"id": "it-1", "given_name": "Jan", "surname": "Kowalski", "date_of_birth": "1980-01-02"},
                             {"id": "it-2", "given_name": "Piet", "surname": "Geheim", "date_of_birth": "1970-03-04"},
                             {"id": "it-3", "given_name": "Kees", "surname": "Gedeeld",
                              "date_of_birth": "1990-05-06"}], ExchangeSecret.from_hex(SECRET), audit=False)
    found = env["analyst"].post("/exchange/match", data={"secret": SECRET, "threshold": "0.8"},
                                files={"encodings": ("theirs.json", json.dumps(theirs.shared()), "application/json")})
    assert found.status_code == 200, found.text
    hits = set(re.findall(r'href="/records/actors/([^"]+)"', found.text))
    assert hits == {ids["own_actor"], ids["shared_actor"]}  # Piet Geheim is B's restricted record: never encoded
    assert "<strong>2</strong> matches" in found.text
    wrong = env["analyst"].post("/exchange/match", data={"secret": "00" * 32},
                                files={"encodings": ("theirs.json", json.dumps(theirs.shared()), "application/json")})
    assert wrong.status_code == 422 and "different secrets" in wrong.text


def test_import_a_partners_package_and_see_it_received(env):
    package = pack([{"id": "it-9", "schema": "Person", "name": "Mario Rossi", "first_name": "Mario",
                     "last_name": "Rossi"}], sender=env["partner"], recipient=env["ours"].public, handling="H2",
                   audit=False)
    result = env["analyst"].post("/exchange/import",
                                 files={"package": ("package.json", json.dumps(package), "application/json")})
    assert result.status_code == 200, result.text
    assert "IT-PARTNER" in result.text and "Shared with" in result.text and "PL · Testowa" in result.text
    page = env["analyst"].get("/exchange")
    received = page.text[page.text.index('data-testid="received"'):]
    assert "Mario Rossi" in received
    other = authed(env["app"], role="analyst", country="DE", agency="BKA")  # not shared with his agency
    assert "Mario Rossi" not in other.get("/exchange").text
    tampered = {**package, "header": {**package["header"], "handling": "H0"}}
    bad = env["analyst"].post("/exchange/import",
                              files={"package": ("package.json", json.dumps(tampered), "application/json")})
    assert bad.status_code == 422 and "signature" in bad.text


def test_retract_only_visible_records(env):
    ids = env["ids"]
    made = env["analyst"].post("/exchange/retract", data={"ids": [ids["own_actor"]], "recipient": "IT-PARTNER",
                                                           "reason": "sent in error"})
    assert made.status_code == 200 and made.json()["header"]["content_type"] == "retraction"
    refused = env["analyst"].post("/exchange/retract", data={"ids": [ids["restricted_actor"]],
                                                              "recipient": "IT-PARTNER"})
    assert refused.status_code == 422


def test_without_keys_the_page_says_what_to_set(env, monkeypatch):
    monkeypatch.delenv("CRYSTAL_PALACE_EXCHANGE_KEYS")
    page = env["analyst"].get("/exchange")
    assert page.status_code == 200 and "CRYSTAL_PALACE_EXCHANGE_KEYS" in page.text


def test_no_store_is_explained(tmp_path, monkeypatch, world):
    monkeypatch.setenv("CRYSTAL_PALACE_EXCHANGE_KEYS", str(world["folder"] / "keys"))
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(tmp_path / "home"))
    app = create_app(WebSettings(auth_required=True, db=str(tmp_path / "missing.duckdb")))
    analyst = authed(app, role="analyst", country="PL", agency="Testowa")
    assert analyst.get("/exchange").status_code == 200
    refused = analyst.post("/exchange/encodings", data={"secret": SECRET})
    assert refused.status_code == 422 and "no such store" in refused.text
    assert not (tmp_path / "missing.duckdb").exists()

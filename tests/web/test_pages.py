"""The pages: login, start page, identify (typed, MOL, SDF), live preview, a scoped record, the audit page."""

from __future__ import annotations

import duckdb
from fastapi.testclient import TestClient
from rdkit import Chem

from crystal_palace.store.model import create_table_sql
from crystal_palace.web.testing import log_in as _log_in
from crystal_palace.web.testing import page_csrf


def login(client, username, password="correct horse battery", next_path="/"):
    return _log_in(client, username, password, next_path)


MDMA = "CNC(C)Cc1ccc2OCOc2c1"


def logged_in(app, username="alice"):
    client = TestClient(app)
    assert login(client, username).status_code == 303
    return client, page_csrf(client, "/identify")


def test_login_page_then_home_lists_what_the_role_may_do(web_app):
    client = TestClient(web_app)
    first = client.get("/identify")
    assert first.status_code == 401 and 'name="password"' in first.text and 'value="/identify"' in first.text
    client, _ = logged_in(web_app, "vera")
    home = client.get("/")
    assert home.status_code == 200 and "viewer" in home.text and "Politie" in home.text
    assert 'href="/identify"' in home.text and 'href="/audit"' not in home.text
    admin, _ = logged_in(web_app, "root")
    assert 'href="/audit"' in admin.get("/").text and admin.get("/audit").status_code == 200
    assert client.get("/audit").status_code == 403


def test_identify_a_smiles_shows_verdict_picture_family_and_legal_table(web_app):
    client, csrf = logged_in(web_app)
    page = client.post("/identify", data={"query": MDMA, "csrf_token": csrf, "as_of": "2020-01-01"},
                       headers={"HX-Request": "true"})
    assert page.status_code == 200 and "<html" not in page.text  # an htmx fragment
    assert "MDMA" in page.text and "phenethylamine" in page.text
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert "<td>UN</td>" in page.text and "Schedule I" in page.text
    assert "Nearest controlled analogues" in page.text
    full = client.post("/identify", data={"query": "C1CC((N", "csrf_token": csrf})
    assert full.status_code == 200 and "<html" in full.text and "SMILES" in full.text  # the reason is shown


def test_identify_a_dropped_mol_and_sdf_file(web_app):
    client, csrf = logged_in(web_app)
    mol = Chem.MolToMolBlock(Chem.MolFromSmiles(MDMA))
    page = client.post("/identify", data={"csrf_token": csrf}, files={"file": ("q.mol", mol.encode())})
    assert "MDMA" in page.text and "read as mol" in page.text
    sdf = "".join(Chem.MolToMolBlock(Chem.MolFromSmiles(s)) + "> <NAME>\nx\n\n$$$$\n"
                  for s in (MDMA, "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"))
    page = client.post("/identify", data={"csrf_token": csrf}, files={"file": ("q.sdf", sdf.encode())})
    assert page.text.count('data-testid="verdict"') == 2 and "Caffeine" in page.text
    bad = client.post("/identify", data={"csrf_token": csrf}, files={"file": ("q.txt", b"CCO")})
    assert "expected a .mol or .sdf file" in bad.text


def test_live_preview_draws_smiles_and_explains_names(web_app):
    client, _ = logged_in(web_app)
    assert "data:image/svg+xml;base64," in client.get("/identify/preview", params={"query": MDMA}).text
    assert "looked up when you press Identify" in client.get("/identify/preview", params={"query": "MDMA"}).text
    assert "SMILES" in client.get("/identify/preview", params={"query": "C1CC((N"}).text


def _store_with_two_seizures(path):
    con = duckdb.connect(str(path))
    con.execute(create_table_sql("duckdb", "seizures"))
    for rid, country, agency, code in [("sz-own", "NL", "Politie", "H1"), ("sz-other", "PL", "CBZC", "H3")]:
        con.execute("INSERT INTO seizures (id, country, agency, source, handling_code, created_at, updated_at,"
                    " content_hash, seized_on, place) VALUES (?, ?, ?, 'test', ?, now(), now(), 'h',"
                    " DATE '2025-03-01', 'Venlo')", [rid, country, agency, code])
    con.close()


def test_an_analyst_cannot_open_another_agencys_restricted_record(web_app, tmp_path):
    _store_with_two_seizures(tmp_path / "store.duckdb")
    client, _ = logged_in(web_app)
    own = client.get("/records/seizures/sz-own")
    assert own.status_code == 200 and "Venlo" in own.text
    other = client.get("/records/seizures/sz-other")
    assert other.status_code == 404 and "Venlo" not in other.text  # as if it did not exist
    assert client.get("/records/seizures/sz-none").status_code == 404
    assert client.get("/records/nonsense/sz-own").status_code == 404
    web_app.state.web.accounts.share_agency(("PL", "CBZC"), ("NL", "Politie"), ["H3"], by="root")
    assert client.get("/records/seizures/sz-other").status_code == 404  # shared, but alice is not cleared for H3
    events = web_app.state.web.audit.events(record_id="sz-other")
    assert {e.detail for e in events} == {"not visible to this user (scoping)"} and len(events) == 2


def test_logout_ends_the_session(web_app):
    client, csrf = logged_in(web_app)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 401

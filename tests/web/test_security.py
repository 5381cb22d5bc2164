"""Authentication by token and cookie, roles, CSRF, security headers, upload limits, settings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crystal_palace.web.security import CONTENT_SECURITY_POLICY
from crystal_palace.web.settings import WebSettings, settings_from_env
from crystal_palace.web.testing import log_in as _log_in
from crystal_palace.web.testing import page_csrf


def login(client, username, password="correct horse battery", next_path="/"):
    return _log_in(client, username, password, next_path)


MDMA = "CNC(C)Cc1ccc2OCOc2c1"


def bearer(app, username):
    return {"Authorization": f"Bearer {app.state.web.accounts.issue_token(username)}"}


def test_unauthenticated_api_gets_401_in_the_error_shape(web_app):
    client = TestClient(web_app)
    response = client.post("/v1/identify", json={"query": MDMA})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["ok"] is False and body["status"] == 401 and "log in" in body["error"]
    assert client.get("/v1/health").status_code == 200  # the one public API route


def test_token_authenticates_and_a_bad_token_does_not_fall_back_to_the_cookie(web_app):
    client = TestClient(web_app)
    assert client.post("/v1/identify", json={"query": MDMA, "legal": False},
                       headers=bearer(web_app, "alice")).status_code == 200
    assert login(client, "alice").status_code == 303  # now the client also holds a session cookie
    assert client.get("/v1/auth/me").json()["username"] == "alice"
    assert client.get("/v1/auth/me", headers={"Authorization": "Bearer cp_revoked"}).status_code == 401
    assert client.get("/v1/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_roles_are_checked(web_app):
    client = TestClient(web_app)
    assert client.get("/v1/users", headers=bearer(web_app, "alice")).status_code == 403
    assert client.get("/v1/users", headers=bearer(web_app, "root")).status_code == 200
    body = client.get("/v1/audit", headers=bearer(web_app, "vera")).json()
    assert body["status"] == 403 and "viewer role" in body["error"]


def test_cookie_requests_that_change_something_need_the_csrf_token(web_app):
    client = TestClient(web_app)
    login(client, "alice")
    csrf = page_csrf(client)
    assert client.post("/v1/identify", json={"query": MDMA, "legal": False}).status_code == 403
    assert client.post("/v1/identify", json={"query": MDMA, "legal": False},
                       headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/v1/identify", json={"query": MDMA, "legal": False},
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/identify", data={"query": MDMA}).status_code == 403  # a page form without its token
    assert client.post("/identify", data={"query": MDMA, "csrf_token": csrf}).status_code == 200
    assert client.get("/v1/auth/me").status_code == 200  # reads need no token


def test_login_form_needs_its_csrf_cookie_and_goes_only_to_local_pages(web_app):
    client = TestClient(web_app)
    refused = client.post("/login", data={"username": "alice", "password": "correct horse battery",
                                          "csrf_token": "x"}, follow_redirects=False)
    assert refused.status_code == 403 and "cp_session" not in refused.cookies
    assert login(client, "alice", "wrong password!").status_code == 401
    assert login(client, "alice", next_path="//evil.example/").headers["location"] == "/"
    assert login(client, "alice", next_path="/identify").headers["location"] == "/identify"


def test_api_login_sets_a_session_and_issues_tokens(web_app):
    client = TestClient(web_app)
    assert client.post("/v1/auth/login", json={"username": "alice", "password": "nope"}).status_code == 401
    response = client.post("/v1/auth/login", json={"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 200 and response.json()["user"]["agency"] == "Politie"
    csrf = response.json()["csrf_token"]
    token = client.post("/v1/auth/token", json={"label": "script", "days": 1},
                        headers={"X-CSRF-Token": csrf}).json()["token"]
    fresh = TestClient(web_app)
    assert fresh.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "alice"
    assert client.post("/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/v1/auth/me").status_code == 401


def test_security_headers_on_pages_api_errors_and_static_files(web_app):
    client = TestClient(web_app)
    for response in (client.get("/login"), client.get("/v1/health"), client.get("/v1/nope"),
                     client.get("/static/vendor/htmx.min.js"), client.get("/")):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")
    assert "strict-transport-security" not in client.get("/login").headers  # plain HTTP on loopback
    secure = TestClient(web_app, base_url="https://testserver")
    assert secure.get("/login").headers["strict-transport-security"] == "max-age=31536000"
    svg = client.get("/v1/depict", params={"smiles": MDMA}, headers=bearer(web_app, "vera"))
    assert svg.status_code == 200 and "script" not in svg.headers["content-security-policy"]


def test_no_page_has_inline_script():
    from pathlib import Path

    import crystal_palace.web

    for template in (Path(crystal_palace.web.__file__).parent / "templates").glob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and " on" + "click=" not in text and "style=" not in text, template.name
        for tag in text.split("<script")[1:]:
            assert 'src="/static/' in tag.split(">")[0], template.name


def test_upload_larger_than_the_limit_is_refused(web_app):
    client = TestClient(web_app)
    login(client, "alice")
    csrf = page_csrf(client)
    big = b"x" * 60_000
    response = client.post("/identify", data={"csrf_token": csrf}, files={"file": ("big.sdf", big)})
    assert response.status_code == 413 and "larger than the limit" in response.text


def test_settings_from_env():
    settings = settings_from_env({"CRYSTAL_PALACE_AUTH_REQUIRED": "yes", "CRYSTAL_PALACE_DB": "postgresql://h/db",
                                  "CRYSTAL_PALACE_SESSION_HOURS": "2"})
    assert settings.auth_required and settings.session_hours == 2.0
    assert settings.accounts_url() == "postgresql://h/db"
    assert WebSettings(db="/srv/cp/store.duckdb").accounts_url() == "sqlite:////srv/cp/accounts.sqlite3"
    with pytest.raises(ValueError, match="CRYSTAL_PALACE_AUTH_REQUIRED"):
        settings_from_env({"CRYSTAL_PALACE_AUTH_REQUIRED": "maybe"})


def test_locked_login_is_429_on_the_api_and_the_form(web_app):
    from crystal_palace.web.accounts import MAX_FAILED_LOGINS

    client = TestClient(web_app)
    for _ in range(MAX_FAILED_LOGINS):
        assert client.post("/v1/auth/login", json={"username": "vera", "password": "nope"}).status_code == 401
    locked = client.post("/v1/auth/login", json={"username": "vera", "password": "correct horse battery"})
    assert locked.status_code == 429 and "too many failed logins" in locked.json()["error"]
    assert login(client, "vera").status_code == 429


def test_every_setting_role_and_page_is_documented():
    from dataclasses import fields
    from pathlib import Path

    from crystal_palace.web.accounts import ROLES
    from crystal_palace.web.pages import PAGE_HOOKS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    for f in fields(WebSettings):
        assert f"`{f.name}`" in doc, f.name
    for role in ROLES:
        assert role in doc
    for hook in PAGE_HOOKS:
        if hook.implemented and hook.path != "/":
            assert f"`{hook.path}" in doc, hook.path


def test_without_authentication_and_credentials_no_accounts_database_is_opened(tmp_path):
    from crystal_palace.interfaces.api.app import create_app

    app = create_app(WebSettings(auth_required=False, db=str(tmp_path / "store.duckdb")))
    assert TestClient(app).post("/v1/identify", json={"query": MDMA, "legal": False}).status_code == 200
    assert not app.state.web.has_accounts and not (tmp_path / "accounts.sqlite3").exists()

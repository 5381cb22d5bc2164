"""The authenticated test client that the jobs' API tests use."""

from __future__ import annotations

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.settings import WebSettings
from crystal_palace.web.testing import authed


def test_api_client_fixture_is_an_authenticated_admin(api_client):
    assert api_client.get("/v1/auth/me").json()["role"] == "admin"


def test_authed_with_a_role_on_an_app_that_requires_authentication():
    app = create_app(WebSettings(auth_required=True))
    viewer = authed(app, role="viewer", country="PL", agency="CBZC")
    me = viewer.get("/v1/auth/me").json()
    assert (me["role"], me["country"], me["agency"]) == ("viewer", "PL", "CBZC")
    assert viewer.get("/v1/users").status_code == 403
    admin = authed(app)  # the same temporary accounts
    assert {u["role"] for u in admin.get("/v1/users").json()} == {"viewer", "admin"}

"""Every route of the application answers 401 without credentials and 403 to a role it does not allow.

The routes are enumerated from ``create_app()``, so every job's router is checked as soon as it is
added. A route is public only if it is in :data:`PUBLIC`; every other route must carry a role check
(``require_roles``), and each role outside it must get 403.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from crystal_palace.interfaces.api.app import create_app
from crystal_palace.web.accounts import ROLES
from crystal_palace.web.settings import WebSettings
from crystal_palace.web.testing import add_test_user, use_test_accounts

PUBLIC = {
    ("GET", "/login"),  # the login form
    ("POST", "/login"),  # its submission (protected by its own CSRF cookie)
    ("POST", "/v1/auth/login"),
    ("GET", "/v1/health"),
}
PUBLIC_MOUNTS = {"/static"}  # vendored JavaScript and CSS


@pytest.fixture(scope="module")
def app():
    application = create_app(WebSettings(auth_required=True))
    use_test_accounts(application)  # a temporary accounts database
    return application


def _flatten(routes):
    """The application's routes, each included router's routes as FastAPI resolves them (prefix, dependencies)."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.16x keeps included routers as a tree
            yield from route.effective_route_contexts()
        else:
            yield route


def _endpoints(app):
    for route in _flatten(app.routes):
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"unexpected mount {route.path}"
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, route


def _concrete(path):
    return re.sub(r"{[^}]+}", "x", path)


def _role_checks(dependant):
    for dep in dependant.dependencies:
        if hasattr(dep.call, "roles"):
            yield dep.call
        yield from _role_checks(dep)


def _allowed(route, method):
    dependant = getattr(route, "dependant", None)
    checks = list(_role_checks(dependant)) if dependant is not None else []
    if not checks:
        return None
    allowed = set(ROLES)
    for check in checks:
        allowed &= check.read_roles if method in ("GET", "HEAD", "OPTIONS") else check.roles
    return allowed


def test_every_route_needs_authentication(app):
    client = TestClient(app, raise_server_exceptions=False)
    checked = []
    for method, route in _endpoints(app):
        if (method, route.path) in PUBLIC:
            continue
        response = client.request(method, _concrete(route.path))
        assert response.status_code == 401, f"{method} {route.path} answered {response.status_code} unauthenticated"
        bad = client.request(method, _concrete(route.path), headers={"Authorization": "Bearer cp_not-a-token"})
        assert bad.status_code == 401, f"{method} {route.path} answered {bad.status_code} to a bad token"
        checked.append((method, route.path))
    assert len(checked) >= 15, checked  # identify, legal, depict, auth, users, audit, pages, ... and the jobs'
    print(f"\n{len(checked)} routes answer 401 without credentials")


def test_every_protected_route_declares_roles_and_refuses_the_others(app):
    tokens = {role: add_test_user(app, role=role)[1] for role in ROLES}
    client = TestClient(app, raise_server_exceptions=False)
    refused = 0
    for method, route in _endpoints(app):
        if (method, route.path) in PUBLIC:
            continue
        allowed = _allowed(route, method)
        assert allowed is not None, f"{method} {route.path} has no role check (require_roles)"
        assert "admin" in allowed, f"{method} {route.path}: admins should be allowed"
        for role in set(ROLES) - allowed:
            response = client.request(method, _concrete(route.path),
                                      headers={"Authorization": f"Bearer {tokens[role]}"})
            assert response.status_code == 403, f"{method} {route.path} answered {response.status_code} to {role}"
            refused += 1
    assert refused >= 4  # at least the admin-only routes for the three other roles
    print(f"\n{refused} wrong-role requests answered 403")


def test_the_public_routes_exist(app):
    present = {(method, route.path) for method, route in _endpoints(app)}
    assert PUBLIC <= present, PUBLIC - present
    assert TestClient(app).get("/static/vendor/htmx.min.js").status_code == 200

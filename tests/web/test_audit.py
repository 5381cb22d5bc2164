"""The audit trail: every request (views, changes, refusals) with who, route, records and outcome."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crystal_palace.web.audit import AuditEvent, AuditLog, outcome_of
from crystal_palace.web.testing import log_in as _log_in
from crystal_palace.web.testing import page_csrf


def login(client, username, password="correct horse battery", next_path="/"):
    return _log_in(client, username, password, next_path)


MDMA = "CNC(C)Cc1ccc2OCOc2c1"


def test_views_changes_and_refusals_are_audited_with_user_route_and_records(web_app):
    client = TestClient(web_app)
    client.get("/")  # refused: not logged in
    login(client, "alice")
    csrf = page_csrf(client, "/identify")
    client.post("/identify", data={"query": MDMA, "csrf_token": csrf})
    client.get("/v1/users")  # refused: analysts do not manage users
    client.get("/static/app.css")  # not audited: shows no data
    client.get("/v1/health")  # not audited: a probe
    events = web_app.state.web.audit.events(limit=50)[::-1]
    seen = [(e.username, e.method, e.route, e.status, e.outcome) for e in events]
    assert seen == [
        (None, "GET", "/", 401, "denied"),
        (None, "GET", "/login", 200, "ok"),
        ("alice", "POST", "/login", 303, "ok"),
        ("alice", "GET", "/identify", 200, "ok"),
        ("alice", "POST", "/identify", 200, "ok"),
        ("alice", "GET", "/v1/users", 403, "denied"),
    ]
    assert events[2].detail == "login"
    assert events[4].record_ids == ("SHXWCVYOXRDMCX-UHFFFAOYSA-N",)
    assert all(e.at and e.client for e in events)


def test_failed_logins_name_the_user_tried(web_app):
    client = TestClient(web_app)
    login(client, "alice", "not the password")
    (event,) = web_app.state.web.audit.events(username="alice")
    assert (event.status, event.outcome, event.detail) == (401, "denied", "login failed")


def test_events_filter_by_user_and_record(sqlite_accounts):
    log = AuditLog(sqlite_accounts.db)
    for n, (user, ids) in enumerate([("alice", ("sz-1", "sz-2")), ("bob", ("sz-12",)), ("alice", ())]):
        log.write(AuditEvent(f"2026-01-0{n + 1}T00:00:00", user, "GET", "/r", "/r", ids, 200, "ok", "1.2.3.4", ""))
    assert [e.at[:10] for e in log.events(username="alice")] == ["2026-01-03", "2026-01-01"]
    assert [e.username for e in log.events(record_id="sz-1")] == ["alice"]  # not sz-12
    assert log.events(record_id="sz-12")[0].record_ids == ("sz-12",)
    assert len(log.events(limit=2)) == 2


def test_outcomes():
    assert [outcome_of(s) for s in (200, 303, 401, 403, 404, 422, 500)] == [
        "ok", "ok", "denied", "denied", "rejected", "rejected", "error"]

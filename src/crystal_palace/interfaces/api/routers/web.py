"""The web pages and the authentication API: ``/v1/auth/...``, ``/v1/users``, ``/v1/audit``.

``POST /v1/auth/login`` (name and password) starts a session (a cookie, for a browser-based client)
and ``POST /v1/auth/token`` gives a logged-in user a new API token for scripts; both answer in the one
error shape. User management and the audit trail are for admins. The pages themselves are in
:mod:`crystal_palace.web.pages`.
"""

from __future__ import annotations

import datetime
import importlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES
from crystal_palace.store.model import HANDLING_CODES
from crystal_palace.web import pages, seizure_pages
from crystal_palace.web.accounts import ROLES, LoginLocked
from crystal_palace.web.audit import audit_detail, audit_records
from crystal_palace.web.security import SESSION_COOKIE, AdminOnly, AnyRole, current_session, web_context

router = APIRouter()
router.include_router(pages.router)
router.include_router(seizure_pages.router)
#: each job's pages, included when the job's workflow is installed (its hook in PAGE_HOOKS says so)
JOB_PAGES = {"/precursors": "precursor_pages", "/spectra": "spectra_pages", "/alerts": "alert_pages",
             "/network": "network_pages", "/map": "map_pages", "/exchange": "exchange_pages"}
for path, module in JOB_PAGES.items():
    if pages.hook(path).available():
        router.include_router(importlib.import_module(f"crystal_palace.web.{module}").router)

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES, 401: {"description": "Not authenticated."}, 403: {"description": "Not allowed."},
    429: {"description": "Too many failed logins for this user name; wait."}}


class LoginRequest(BaseModel):
    """A user name and password."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserInfo(BaseModel):
    """A user as the API shows it (never a secret)."""

    username: str
    role: str
    country: str
    agency: str
    handling_codes: list[str]
    full_name: str = ""
    active: bool = True


class LoginResult(BaseModel):
    """A started session: the cookie is set; send ``csrf_token`` as ``X-CSRF-Token`` with every change."""

    user: UserInfo
    csrf_token: str
    expires_at: datetime.datetime


class TokenRequest(BaseModel):
    """What the new token is for, and how long it lives."""

    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=200, description="What the token is for (shown in `users list`).")
    days: float | None = Field(90, gt=0, le=3650, description="Lifetime in days (null: until revoked).")


class TokenResult(BaseModel):
    """A new API token: shown once, stored only as its hash."""

    token: str
    username: str
    label: str
    expires_in_days: float | None


class NewUser(BaseModel):
    """A user to create."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=10, max_length=1024)
    role: str = Field(description=f"One of {', '.join(ROLES)}.")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code.")
    agency: str = Field(min_length=1, max_length=200)
    handling_codes: list[str] = Field(default_factory=lambda: list(HANDLING_CODES), max_length=len(HANDLING_CODES))
    full_name: str = Field("", max_length=200)


class AuditEventInfo(BaseModel):
    """One audited request."""

    at: str
    username: str | None
    method: str
    route: str
    path: str
    record_ids: list[str]
    status: int
    outcome: str
    client: str
    detail: str


@router.post("/v1/auth/login", response_model=LoginResult, responses=AUTH_ERRORS, summary="Start a session")
async def auth_login(request: Request, body: LoginRequest) -> JSONResponse:
    """Check the name and password and set the session cookie; 401 when they do not match."""
    context = web_context(request)
    request.scope.setdefault("state", {})["audit_username"] = body.username.strip().lower()
    try:
        user = await run_in_threadpool(context.accounts.authenticate, body.username, body.password)
    except LoginLocked as exc:
        audit_detail(request, "login refused: locked after failed logins")
        raise HTTPException(429, str(exc)) from None
    if user is None:
        audit_detail(request, "login failed")
        raise HTTPException(401, "wrong user name or password")
    session_id, session = await run_in_threadpool(context.accounts.create_session, user,
                                                  context.settings.session_hours)
    audit_detail(request, "login")
    result = LoginResult(user=UserInfo(**user.to_dict()), csrf_token=session.csrf_token,  # type: ignore[arg-type]
                         expires_at=session.expires_at)
    response = JSONResponse(result.model_dump(mode="json"))
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=int(context.settings.session_hours * 3600))
    return response


@router.post("/v1/auth/logout", status_code=204, responses=AUTH_ERRORS, summary="End the session")
def auth_logout(request: Request, user: AnyRole) -> Response:
    """End the cookie's session (a token is revoked with ``crystal-palace users token --revoke``)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and current_session(request) is not None:
        web_context(request).accounts.end_session(cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/v1/auth/token", response_model=TokenResult, responses=AUTH_ERRORS, summary="Issue an API token")
def auth_token(request: Request, body: TokenRequest, user: AnyRole) -> TokenResult:
    """A new API token for the authenticated user (send it as ``Authorization: Bearer <token>``)."""
    token = web_context(request).accounts.issue_token(user.username, label=body.label, days=body.days)
    return TokenResult(token=token, username=user.username, label=body.label, expires_in_days=body.days)


@router.get("/v1/auth/me", response_model=UserInfo, responses=AUTH_ERRORS, summary="Who am I")
def auth_me(user: AnyRole) -> dict[str, Any]:
    """The authenticated user: role, country, agency and handling codes."""
    return user.to_dict()


@router.get("/v1/users", response_model=list[UserInfo], responses=AUTH_ERRORS, summary="List users (admin)")
def users_list(request: Request, user: AdminOnly) -> list[dict[str, Any]]:
    """Every user of the installation."""
    return [u.to_dict() for u in web_context(request).accounts.list_users()]


@router.post("/v1/users", response_model=UserInfo, status_code=201, responses=AUTH_ERRORS,
             summary="Create a user (admin)")
async def users_add(request: Request, body: NewUser, user: AdminOnly) -> dict[str, Any]:
    """Create a user; a bad field comes back as 422 naming it."""
    accounts = web_context(request).accounts
    created = await run_in_threadpool(lambda: accounts.add_user(
        body.username, body.password, role=body.role, country=body.country, agency=body.agency,
        handling_codes=body.handling_codes, full_name=body.full_name))
    audit_records(request, [created.username])
    return created.to_dict()


@router.get("/v1/audit", response_model=list[AuditEventInfo], responses=AUTH_ERRORS,
            summary="The audit trail (admin)")
def audit_list(request: Request, user: AdminOnly, username: str | None = None, record: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    """The latest audited requests, newest first; ``username`` or ``record`` narrow it."""
    limit = max(1, min(limit, 10_000))
    return [e.to_dict() for e in web_context(request).audit.events(username=username, record_id=record, limit=limit)]


@router.get("/records/{table}/{record_id}", response_class=HTMLResponse, include_in_schema=False)
async def record_page(request: Request, table: str, record_id: str,
                      user: pages.PageRecordReader) -> HTMLResponse:
    """One store record, if the user may see it (else the same 404 as a record that does not exist)."""
    from crystal_palace.exceptions import InvalidInput
    from crystal_palace.web.records import fetch_record
    from crystal_palace.web.scoping import visible

    audit_records(request, [record_id])
    try:
        record = await run_in_threadpool(fetch_record, web_context(request).settings.db, table, record_id)
    except InvalidInput as exc:
        return pages.render(request, "message.html", status=404, heading="No such record", message=exc.reason)
    if record is None or not visible(user, record):
        if record is not None:
            audit_detail(request, "not visible to this user (scoping)")
        return pages.render(request, "message.html", status=404, heading="No such record",
                            message=f"There is no {table} record {record_id} that you may see.")
    return pages.render(request, "record.html", table=table, record=record)

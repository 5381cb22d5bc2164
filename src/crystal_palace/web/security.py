"""Authentication, roles, CSRF protection and security headers for the API and the pages.

A request is authenticated by ``Authorization: Bearer <token>`` (scripts, other systems) or by the
session cookie set at login (the browser). :func:`current_user` is the FastAPI dependency that does it
and answers 401 when neither works; :func:`require_roles` adds the role check (403). A request that
changes something (POST, PUT, PATCH, DELETE) and is authenticated by the cookie must also carry the
session's CSRF token, in the ``X-CSRF-Token`` header (htmx sends it) or a ``csrf_token`` form field: a
page on another site can make the browser send the cookie, but cannot read the token. Bearer
requests need no CSRF token: a browser never adds that header by itself.

:class:`SecurityHeadersMiddleware` adds a strict Content-Security-Policy (scripts and styles only from
this server, no inline script), ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and a
``Referrer-Policy`` to every response.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crystal_palace.store.model import HANDLING_CODES
from crystal_palace.web.accounts import ROLES, Accounts, Role, Session, User
from crystal_palace.web.audit import AuditLog
from crystal_palace.web.settings import WebSettings

SESSION_COOKIE = "cp_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SYSTEM_USER = User("system", "admin", "XX", "local", frozenset(HANDLING_CODES), "authentication off")
"""The user of every request when authentication is off (an embedded, trusted process)."""


@dataclass
class WebContext:
    """What the security layer needs, kept on ``app.state.web``: settings, accounts and the audit log."""

    settings: WebSettings
    _accounts: Accounts | None = field(default=None, repr=False)
    _audit: AuditLog | None = field(default=None, repr=False)

    @property
    def accounts(self) -> Accounts:
        """The accounts database, opened (and its tables created) on first use."""
        if self._accounts is None:
            self._accounts = Accounts(self.settings.accounts_url())
        return self._accounts

    def use_accounts(self, accounts: Accounts) -> None:
        """Point the application at another accounts database (tests, embedding)."""
        if self._audit is not None:
            self._audit.flush()
        self._accounts = accounts
        self._audit = None

    @property
    def accounts_are_local(self) -> bool:
        """True for an SQLite accounts file (decided without opening it)."""
        if self._accounts is not None:
            return self._accounts.db.dialect == "sqlite"
        return self.settings.accounts_url().startswith("sqlite:")

    @property
    def has_accounts(self) -> bool:
        """True once the accounts database is in use."""
        return self._accounts is not None

    @property
    def audit(self) -> AuditLog:
        """The audit log, in the accounts database (one per process: it owns the writer thread)."""
        if self._audit is None:
            self._audit = AuditLog(self.accounts.db)
        return self._audit


def web_context(request: Request) -> WebContext:
    """The application's :class:`WebContext`."""
    context: WebContext = request.app.state.web
    return context


class LoginRequired(HTTPException):
    """401 for a page: answered with the login form rather than JSON (see ``pages``)."""


class PageForbidden(HTTPException):
    """403 for a page: answered with an HTML explanation."""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else ""


def authenticate(request: Request) -> tuple[User | None, Session | None]:
    """The user behind the request's token or session cookie (and the session), or ``(None, None)``.

    A malformed or unknown ``Authorization`` header counts as no credentials: it does not fall back to
    the cookie, so a script with a revoked token is told so rather than acting as whoever is logged in.
    """
    context = web_context(request)
    token = _bearer(request)
    user: User | None = None
    session: Session | None = None
    if token is not None:
        user = context.accounts.token_user(token) if token else None
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            session = context.accounts.session(cookie)
            user = session.user if session else None
    if user is not None:
        user = User(user.username, user.role, user.country, user.agency, user.handling_codes, user.full_name,
                    user.active, context.accounts.shares_for(user))
    return user, session


async def _check_csrf(request: Request, session: Session) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached by Starlette: the endpoint reads the same form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and secrets.compare_digest(sent.encode(), session.csrf_token.encode())


async def _resolve_user(request: Request, page: bool) -> User:
    state = request.scope.setdefault("state", {})
    if "user" in state:
        cached: User = state["user"]
        return cached
    context = web_context(request)
    if context.accounts_are_local:  # a local file: microseconds, not worth a thread
        user, session = authenticate(request)
    else:  # a database server: do not hold up the event loop while it answers
        user, session = await run_in_threadpool(authenticate, request)
    if user is None and not context.settings.auth_required and _bearer(request) is None:
        user = SYSTEM_USER
    if user is None:
        message = "log in first: send 'Authorization: Bearer <token>' or log in for a session cookie"
        if page:
            raise LoginRequired(401, message)
        raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
    state["user"] = user  # known from here on, so that the audit trail names him even when refused
    state["session"] = session
    if session is not None and request.method not in SAFE_METHODS and not await _check_csrf(request, session):
        message = f"missing or wrong CSRF token: send the {CSRF_HEADER} header or the {CSRF_FIELD} form field"
        raise PageForbidden(403, message) if page else HTTPException(403, message)
    return user


async def current_user(request: Request) -> User:
    """FastAPI dependency: the authenticated user; 401 when there is none, 403 on a CSRF failure."""
    return await _resolve_user(request, page=False)


async def page_user(request: Request) -> User:
    """As :func:`current_user`, for pages: 401 shows the login form instead of JSON."""
    return await _resolve_user(request, page=True)


CurrentUser = Annotated[User, Depends(current_user)]
"""Annotation for an endpoint parameter: ``def f(user: CurrentUser)``."""


def current_session(request: Request) -> Session | None:
    """The session of a cookie-authenticated request (after :func:`current_user` ran), else None."""
    session: Session | None = request.scope.get("state", {}).get("session")
    return session


def require_roles(*roles: Role, read: tuple[Role, ...] | None = None,
                  page: bool = False) -> Callable[[Request], Awaitable[User]]:
    """A dependency that lets in only ``roles`` (and ``read`` roles for GET/HEAD), else 403.

    ``require_roles("admin", "analyst", read=("viewer",))`` lets viewers read but not change.
    """
    unknown = [r for r in (*roles, *(read or ())) if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles: {ROLES}")
    allowed_write = frozenset(roles)
    allowed_read = allowed_write | frozenset(read or ())

    async def dependency(request: Request) -> User:
        if request.scope.get("path") in PUBLIC_PATHS:
            return ANONYMOUS
        user = await _resolve_user(request, page=page)
        allowed = allowed_read if request.method in SAFE_METHODS else allowed_write
        if user.role not in allowed:
            message = f"the {user.role} role may not {'see' if request.method in SAFE_METHODS else 'do'} this " \
                      f"(allowed: {', '.join(r for r in ROLES if r in allowed)})"
            raise PageForbidden(403, message) if page else HTTPException(403, message)
        return user

    dependency.roles = allowed_write  # type: ignore[attr-defined]  # read by the route-enumeration test
    dependency.read_roles = allowed_read  # type: ignore[attr-defined]
    return dependency


PUBLIC_PATHS = frozenset({"/v1/health"})
"""Routes of a protected router that answer without a user (a load balancer's liveness probe).

The other public routes (``/login``, ``POST /v1/auth/login``, ``/static/...``) simply have no user
dependency; ``tests/interfaces/test_api_auth.py`` lists them all and checks every other route."""

ANONYMOUS = User("anonymous", "viewer", "XX", "none", frozenset(), "not logged in")
"""Stands for the caller of a public route (it may see nothing: no handling codes)."""

ROUTER_ROLES: dict[str, tuple[tuple[Role, ...], tuple[Role, ...]]] = {
    "core": (ROLES, ()),
    "precursors": (ROLES, ()),
    "spectra": (ROLES, ()),
    "store": (("admin", "analyst"), ("viewer",)),
    "link": (("admin", "analyst"), ("viewer",)),
    "warn": (("admin", "analyst"), ("viewer",)),
    "exchange": (("admin", "analyst"), ()),
}
"""Roles per API router: ``(roles that may do anything, extra roles that may only read (GET))``.

Identify, legal status, precursors and spectra are chemistry every role may ask about; seizures,
links and alerts are intelligence records (viewers read, chemists do not see them); an exchange with
a partner is for analysts. A job's router module may set ``ROLES`` and ``READ_ROLES`` to differ, and
a route may add its own, narrower ``Depends(require_roles(...))``. A job not listed here is open to
admins only until it is."""


def router_dependency(name: str, module: ModuleType) -> Any:
    """The role check for job ``name``'s router (None for the web router, which checks each route)."""
    if name == "web":
        return None
    roles, read = ROUTER_ROLES.get(name, (("admin",), ()))
    roles = tuple(getattr(module, "ROLES", roles))
    read = tuple(getattr(module, "READ_ROLES", read))
    return Depends(require_roles(*roles, read=read))


AnyRole = Annotated[User, Depends(require_roles(*ROLES))]
"""An endpoint parameter: any authenticated user."""
AdminOnly = Annotated[User, Depends(require_roles("admin"))]
"""An endpoint parameter: an authenticated admin."""


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
"""Everything from this server only; no inline script or style, no plug-ins, no framing."""

IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""For SVG drawings: RDKit styles its elements inline, and an image runs no script."""

_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding the security headers (cheap: no request object is built)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                svg = any(k.lower() == b"content-type" and v.startswith(b"image/svg") for k, v in headers)
                if b"content-security-policy" not in names:
                    policy = IMAGE_POLICY if svg else CONTENT_SECURITY_POLICY
                    headers.append((b"content-security-policy", policy.encode()))
                headers.extend((k, v) for k, v in _HEADERS if k not in names)
                if not scope.get("path", "").startswith("/static/") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))  # records and verdicts stay out of caches
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)

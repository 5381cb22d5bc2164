"""The REST API: ``crystal_palace.interfaces.api.app:app`` (OpenAPI at ``/docs`` and ``/openapi.json``).

Run it with ``uvicorn crystal_palace.interfaces.api.app:app``. Every error has one JSON shape (see
:mod:`crystal_palace.interfaces.api.errors`); bodies larger than :data:`MAX_BODY_BYTES` are refused
before they are read, so one careless upload cannot exhaust the server's memory.

Every route requires an authenticated user with a role the route allows (see
:mod:`crystal_palace.web.security` and :data:`crystal_palace.web.security.ROUTER_ROLES`), except the
login page and ``POST /v1/auth/login``, ``GET /v1/health`` and the static files; every request is
audited (:mod:`crystal_palace.web.audit`) and every response carries the security headers.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from crystal_palace import __version__
from crystal_palace.interfaces.api.errors import error_response, install_error_handlers
from crystal_palace.interfaces.api.routes import router
from crystal_palace.web.accounts import ROLES
from crystal_palace.web.audit import AuditLog, AuditMiddleware
from crystal_palace.web.security import (
    ROUTER_ROLES,
    SecurityHeadersMiddleware,
    WebContext,
    require_roles,
    router_dependency,
)
from crystal_palace.web.settings import WebSettings, settings_from_env

MAX_BODY_BYTES = 20_000_000

JOB_ROUTERS = ("precursors", "spectra", "store", "link", "warn", "exchange", "web")
"""Jobs that add endpoints as ``interfaces/api/routers/<name>.py`` defining ``router`` (an ``APIRouter``).

This mirrors the CLI's sub-command modules: a job adds its endpoints without editing this file, and a
job that is not installed (yet) is skipped.
"""


def _include_job_routers(api: FastAPI) -> None:
    for name in JOB_ROUTERS:
        module_name = f"crystal_palace.interfaces.api.routers.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, "crystal_palace.interfaces.api.routers"):
                continue
            raise
        # a job's routes require a user with a role the job allows (its module may say which: ROLES,
        # READ_ROLES); the web router checks each route itself, because its login routes are public
        dependency = router_dependency(name, module)
        api.include_router(module.router, dependencies=[dependency] if dependency is not None else [])


class LimitBodyMiddleware:
    """Refuse a body whose declared length exceeds :data:`MAX_BODY_BYTES` (413), before reading it.

    Pure ASGI, not ``@app.middleware("http")``: it runs on every request, and the decorator's wrapper
    costs a task and a stream per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 for an oversized declared body; pass everything else on."""
        if scope["type"] == "http":
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    if value.isdigit() and int(value) > MAX_BODY_BYTES:
                        message = f"the body is {int(value):,} bytes; the limit is {MAX_BODY_BYTES:,}"
                        response = error_response(413, message, [{"loc": ["body"], "msg": message}])
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def _audit_log_for(scope: Any) -> AuditLog | None:
    """The audit log of the application serving ``scope`` (none while nothing uses accounts)."""
    context: WebContext = scope["app"].state.web
    if context.settings.auth_required or context.has_accounts:
        return context.audit
    return None


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the API application (a new one per call, for tests and embedding).

    ``settings`` default to the environment (:func:`~crystal_palace.web.settings.settings_from_env`),
    which is how ``crystal-palace serve`` configures its worker processes.
    """
    settings = settings if settings is not None else settings_from_env()
    context = WebContext(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if context.has_accounts:  # write the audit events still queued before the process ends
            context.audit.flush()

    api = FastAPI(
        lifespan=lifespan,
        title="Crystal Palace",
        version=__version__,
        description="Identify new psychoactive substances: identity, NPS family with evidence, nearest "
                    "controlled analogues. Every error has the shape "
                    '`{"ok": false, "status", "error", "errors": [{"loc", "msg"}]}`. Authenticate with '
                    "`Authorization: Bearer <token>` (`crystal-palace users token NAME`, or `POST /v1/auth/token`).",
        docs_url=None, redoc_url=None, openapi_url=None,  # served below, behind authentication
    )
    api.state.web = context
    install_error_handlers(api)
    from crystal_palace.web.pages import STATIC, install_page_handlers

    install_page_handlers(api)

    api.add_middleware(LimitBodyMiddleware)

    api.add_middleware(AuditMiddleware, log_for=_audit_log_for)
    api.add_middleware(SecurityHeadersMiddleware)  # outermost: every response, errors included

    api.include_router(router, dependencies=[Depends(require_roles(*ROUTER_ROLES["core"][0],
                                                                   read=ROUTER_ROLES["core"][1]))])
    _include_job_routers(api)

    @api.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_roles(*ROLES))])
    def openapi() -> JSONResponse:
        return JSONResponse(api.openapi())

    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    return api


app = create_app()

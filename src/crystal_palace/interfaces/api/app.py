"""The REST API: ``crystal_palace.interfaces.api.app:app`` (OpenAPI at ``/docs`` and ``/openapi.json``).

Run it with ``uvicorn crystal_palace.interfaces.api.app:app``. Every error has one JSON shape (see
:mod:`crystal_palace.interfaces.api.errors`); bodies larger than :data:`MAX_BODY_BYTES` are refused
before they are read, so one careless upload cannot exhaust the server's memory.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from crystal_palace import __version__
from crystal_palace.interfaces.api.errors import error_response, install_error_handlers
from crystal_palace.interfaces.api.routes import router

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
        api.include_router(module.router)


def create_app() -> FastAPI:
    """Build the API application (a new one per call, for tests and embedding)."""
    api = FastAPI(
        title="Crystal Palace",
        version=__version__,
        description="Identify new psychoactive substances: identity, NPS family with evidence, nearest "
                    "controlled analogues. Every error has the shape "
                    '`{"ok": false, "status", "error", "errors": [{"loc", "msg"}]}`.',
    )
    install_error_handlers(api)

    @api.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            message = f"the body is {int(length):,} bytes; the limit is {MAX_BODY_BYTES:,}"
            return error_response(413, message, [{"loc": ["body"], "msg": message}])
        return await call_next(request)

    api.include_router(router)
    _include_job_routers(api)
    return api


app = create_app()

"""The REST API: ``crystal_palace.interfaces.api.app:app`` (OpenAPI at ``/docs`` and ``/openapi.json``).

Run it with ``uvicorn crystal_palace.interfaces.api.app:app``. Every error has one JSON shape (see
:mod:`crystal_palace.interfaces.api.errors`); bodies larger than :data:`MAX_BODY_BYTES` are refused
before they are read, so one careless upload cannot exhaust the server's memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from crystal_palace import __version__
from crystal_palace.interfaces.api.errors import error_response, install_error_handlers
from crystal_palace.interfaces.api.routes import router

MAX_BODY_BYTES = 20_000_000


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
    return api


app = create_app()

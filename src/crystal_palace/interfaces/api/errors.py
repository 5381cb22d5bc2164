"""One JSON error shape for every error the API returns, mapped from exceptions in one place.

Every error body is ``{"ok": false, "status": <int>, "error": "<one readable sentence>", "errors":
[{"loc": [...], "msg": "..."}]}``, whether FastAPI rejected the request, a route raised an
:class:`~crystal_palace.exceptions.InvalidInput`, the path does not exist, or something broke. A client
therefore needs one parser, and ``error`` can be shown to a person as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from crystal_palace.exceptions import CrystalPalaceError, InvalidInput, MissingOptionalDependency

log = logging.getLogger("crystal_palace")


class ErrorItem(BaseModel):
    """One problem: where it is (``loc``, e.g. ``["body", "queries", 2]``) and what it is."""

    loc: list[str | int] = Field(default_factory=list)
    msg: str


class ErrorResponse(BaseModel):
    """The body of every error response."""

    ok: bool = False
    status: int = Field(description="The HTTP status code, repeated for clients that lose it.")
    error: str = Field(description="One sentence saying what is wrong, fit to show a person.")
    errors: list[ErrorItem] = Field(default_factory=list, description="Each problem found, with its location.")


def error_response(status: int, error: str, errors: Sequence[dict[str, Any]] = ()) -> JSONResponse:
    """Build an error response in the one shape."""
    body = ErrorResponse(status=status, error=error, errors=[ErrorItem(**e) for e in errors])
    return JSONResponse(body.model_dump(), status_code=status)


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def describe_validation(errors: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
    """A readable sentence and the item list for FastAPI/pydantic validation errors."""
    items: list[dict[str, Any]] = []
    for e in errors:
        loc = [p if isinstance(p, int) else str(p) for p in e.get("loc", ())]
        msg = _clean(str(e.get("msg", "invalid")))
        if e.get("type") == "json_invalid":
            detail = (e.get("ctx") or {}).get("error")
            msg = f"the body is not valid JSON ({detail})" if detail else "the body is not valid JSON"
            loc = ["body"]
        elif e.get("type") == "missing" and loc == ["body"]:
            msg = "a JSON body is required"
        items.append({"loc": loc, "msg": msg})
    parts = [f"{'.'.join(str(p) for p in i['loc'])}: {i['msg']}" if i["loc"] else i["msg"] for i in items[:3]]
    more = f" (and {len(items) - 3} more)" if len(items) > 3 else ""
    return "invalid request: " + "; ".join(parts) + more, items


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    error, items = describe_validation(exc.errors())
    return error_response(422, error, items)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path: {request.url.path}"
    response = error_response(exc.status_code, detail, [{"loc": [], "msg": detail}])
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CrystalPalaceError)
    if isinstance(exc, InvalidInput):
        loc = ["query", exc.field] if exc.record is None else ["query", exc.record, exc.field]
        return error_response(422, str(exc), [{"loc": loc, "msg": exc.reason}])
    if isinstance(exc, MissingOptionalDependency):
        return error_response(501, str(exc), [{"loc": [], "msg": exc.install_hint}])
    log.error("reference data or configuration error: %s", exc)
    return error_response(500, "the server's reference data is invalid; see the server log",
                          [{"loc": [], "msg": str(exc).splitlines()[0]}])


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal server error", [{"loc": [], "msg": type(exc).__name__}])


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the one error shape."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(CrystalPalaceError, _domain_error)
    app.add_exception_handler(Exception, _unexpected_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "The request is malformed; `error` says what is wrong."},
    500: {"model": ErrorResponse, "description": "Server error, in the same shape."},
}
"""OpenAPI documentation of the error shape, for the routes' ``responses=``."""

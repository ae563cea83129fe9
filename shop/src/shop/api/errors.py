"""Maps every error to one JSON shape: ``{"error": {"type", "message", "fields"}}``.

422 responses also carry ``detail``: a list of ``{"loc", "msg", "type"}`` field errors.
No driver exception, stack trace, request input or password hash reaches a client:
unexpected errors become a bare 500 and are logged on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shop.domain import (
    AlreadyExists,
    Conflict,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    ShopError,
    Unavailable,
    ValidationError,
)
from shop.services.errors import Forbidden, NotAuthenticated

log = logging.getLogger("shop.api")

UNAVAILABLE_MESSAGE = "the datastore is unavailable; try again later"
INTERNAL_MESSAGE = "internal server error"

_SHOP_ERRORS: list[tuple[type[ShopError], int, str]] = [
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "already_exists"),
    (InsufficientStock, 409, "insufficient_stock"),
    (InvalidTransition, 409, "invalid_transition"),
    (Conflict, 409, "conflict"),
    (ValidationError, 422, "validation_error"),
    (Unavailable, 503, "unavailable"),
]

_HTTP_TYPES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}


def error_response(
    status: int,
    kind: str,
    message: str,
    fields: dict[str, Any] | None = None,
    *,
    detail: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A response in the one error shape."""
    body: dict[str, Any] = {"error": {"type": kind, "message": message, "fields": fields or {}}}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


def shop_error_response(error: ShopError) -> JSONResponse:
    """The response for a repository error (see the table in ``docs/api.md``)."""
    status, kind = next(
        ((code, name) for cls, code, name in _SHOP_ERRORS if isinstance(error, cls)),
        (500, "internal_error"),
    )
    if isinstance(error, Unavailable):
        return error_response(
            status,
            kind,
            UNAVAILABLE_MESSAGE,
            {"operation": error.operation},
            headers={"Retry-After": "1"},
        )
    if status == 500:
        log.error("unmapped shop error %s", type(error).__name__)
        return error_response(500, "internal_error", INTERNAL_MESSAGE)
    if isinstance(error, ValidationError):
        detail = [{"loc": [error.field], "msg": error.message, "type": "value_error"}]
        return error_response(status, kind, str(error), {error.field: error.message}, detail=detail)
    return error_response(status, kind, str(error), error.fields())


def _request_validation_response(error: RequestValidationError) -> JSONResponse:
    detail: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ())]
        msg = str(item.get("msg", "invalid value"))
        detail.append({"loc": loc, "msg": msg, "type": str(item.get("type", "value_error"))})
        name = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
        fields.setdefault(name or "body", msg)
    message = "invalid request: " + ", ".join(f"{k}: {v}" for k, v in fields.items())
    return error_response(422, "validation_error", message, fields, detail=detail)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one JSON shape."""

    @app.exception_handler(ShopError)
    async def on_shop_error(request: Request, error: ShopError) -> JSONResponse:
        return shop_error_response(error)

    @app.exception_handler(NotAuthenticated)
    async def on_not_authenticated(request: Request, error: NotAuthenticated) -> JSONResponse:
        return error_response(
            401, "unauthorized", error.message, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(Forbidden)
    async def on_forbidden(request: Request, error: Forbidden) -> JSONResponse:
        return error_response(403, "forbidden", error.message)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return _request_validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = _HTTP_TYPES.get(error.status_code, "http_error")
        message = error.detail if isinstance(error.detail, str) else "request refused"
        return error_response(error.status_code, kind, message, headers=error.headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error(
            "unhandled %s on %s %s",
            type(error).__name__,
            request.method,
            request.url.path,
            exc_info=error,
        )
        return error_response(500, "internal_error", INTERNAL_MESSAGE)

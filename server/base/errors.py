"""Errors as JSON: ``{code, message, fields?}`` with a stable ``code``.

Routes raise :class:`ApiError`; FastAPI's own validation errors, HTTP errors and anything unexpected are turned
into the same shape, so a client never sees a traceback or an HTML page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from huiyin.core.schemas import ErrorOut, LineErrorOut, field_errors

log = logging.getLogger("huiyin.server")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 errors: list[LineErrorOut] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        #: line errors of a refused file
        self.errors = errors
        #: extra response headers (``Retry-After`` ...)
        self.headers = headers


def invalid(fields: dict[str, str], message: str | None = None) -> ApiError:
    """A 422 naming the fields at fault (``{field: error type}``)."""
    text = message or "; ".join(f"{name}: {kind}" for name, kind in fields.items())
    return ApiError(422, "invalid_input", text, fields)


def from_validation(exc: ValidationError) -> ApiError:
    errors = field_errors(exc)
    fields = {name: kind for name, (kind, _msg) in errors.items()}
    message = "; ".join(msg for _kind, msg in errors.values())
    return ApiError(422, "invalid_input", message, fields)


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
          headers: dict[str, str] | None = None, errors: list[LineErrorOut] | None = None) -> JSONResponse:
    body = ErrorOut(code=code, message=message, fields=fields, errors=errors).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests"}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path (the framework's 405 names only the first such route's: a path
    served by two routes, ``GET`` and ``POST /api/matters``, said ``Allow: POST``)."""
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                   for route in request.app.router.routes)]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(exc.status, exc.code, exc.message, exc.fields, headers or None, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        messages: list[str] = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
            name = ".".join(loc) or "body"
            kind = err.get("type", "invalid")
            if kind == "missing":
                kind = "required"
            if kind in ("json_invalid", "model_attributes_type", "dict_type"):
                name = "body"
            fields.setdefault(name, kind)
            messages.append(f"{name}: {err.get('msg', 'invalid')}")
        return error_response(422, "invalid_input", "; ".join(messages) or "invalid input", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(_request))}
        return error_response(exc.status_code, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "the server hit an unexpected error; it has been logged")

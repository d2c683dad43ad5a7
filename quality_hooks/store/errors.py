"""The store's error answers: one JSON shape, ``{"error": {"code", "message", ...}}``, for every failure."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("quality_hooks.store")


class ApiError(HTTPException):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.code = code


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def _error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    """Answer every error, including validation, a busy database and crashes, in the JSON shape."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(sqlite3.OperationalError, _busy)
    app.add_exception_handler(Exception, _crashed)


# Starlette types every handler as taking an Exception; each is registered for one class only.
async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "code", None) or CODES.get(exc.status_code, "error")
    return _error(exc.status_code, code, str(exc.detail), exc.headers)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details: list[dict[str, Any]] = [
        {"loc": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))} for e in exc.errors()
    ]
    first: dict[str, Any] = details[0] if details else {"loc": [], "message": "invalid request"}
    loc: list[str] = first["loc"]
    text: str = first["message"]
    message = f"{'.'.join(loc)}: {text}" if loc else text
    return _error(422, "invalid", message, details=details[:50])


async def _busy(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database busy: %s", exc)
    return _error(503, "unavailable", "database busy, retry shortly", {"Retry-After": "1"})


async def _crashed(_: Request, exc: Exception) -> JSONResponse:
    log.error("internal error", exc_info=exc)
    return _error(500, "internal", "internal server error")

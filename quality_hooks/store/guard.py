"""ASGI middleware at the door: body size limit, rate limit, request metrics.

Pure ASGI (not BaseHTTPMiddleware) so it can count the body as it streams
and refuse an oversized one with 413 before it is all read.
"""

from __future__ import annotations

import base64
import json
import math
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from quality_hooks.store.prometheus import RequestMetrics
from quality_hooks.store.ratelimit import Limiter
from quality_hooks.store.tokens import hash_token

UNLIMITED_PATHS = ("/healthz", "/metrics", "/openapi.json", "/docs")


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI answers 413 with it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


def presented_token(headers: dict[str, str]) -> str | None:
    """The token from ``Authorization: Bearer T`` or HTTP Basic (password = token)."""
    value = headers.get("authorization", "")
    scheme, _, credential = value.partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        return credential
    if scheme.lower() == "basic" and credential:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


async def send_json(send: Any, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: Any, *, max_body: int, limiter: Limiter | None, metrics: RequestMetrics) -> None:
        self.app = app
        self.max_body = max_body
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def tracking_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
            await send(message)

        try:
            await self._guarded(scope, receive, tracking_send)
        except BodyTooLarge:
            if not status_holder["started"]:
                await send_json(tracking_send, 413, "too_large", f"request body over {self.max_body} bytes")
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or ("unmatched" if status_holder["status"] == 404 else "other")
            self.metrics.observe(scope["method"], template, status_holder["status"], time.perf_counter() - started)

    async def _guarded(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.limiter and not scope["path"].startswith(UNLIMITED_PATHS):
            token = presented_token(headers)
            client = scope.get("client") or ("?", 0)
            key = f"t:{hash_token(token)}" if token else f"ip:{client[0]}"
            if self.limiter.blocking:
                wait = await run_in_threadpool(self.limiter.check, key)
            else:
                wait = self.limiter.check(key)
            if wait:
                await send_json(
                    send,
                    429,
                    "rate_limited",
                    "too many requests for this token; slow down",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
                return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            if length.isdigit():
                await send_json(send, 413, "too_large", f"request body over {self.max_body} bytes")
            else:
                await send_json(send, 400, "bad_request", "invalid Content-Length")
            return
        seen = 0

        async def counting_receive() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, counting_receive, send)

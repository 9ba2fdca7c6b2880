"""What makes the service safe to expose: API keys, body limits, error replies without
internals, security headers and structured logs.

- **API keys**: when keys are configured every route except the public ones
  (:data:`PUBLIC`: health, the OpenAPI schema, the web UI's files) needs
  ``Authorization: Bearer KEY``; keys are compared in constant time.
- **Body size**: a request whose body is larger than ``max_body_bytes`` is answered 413,
  by its ``Content-Length`` or, without one, once the read passes the limit.
- **Errors**: momq's errors map to 4xx/5xx with ``{"error": CLASS, "message": ...}``
  (the OpenAI routes use OpenAI's ``{"error": {"message", "type", "code"}}`` shape);
  anything unexpected is logged with its traceback and answered 500 with a bare
  "internal error": never a stack trace in a response.
- **Headers**: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and,
  for the UI, a Content-Security-Policy that allows nothing but this server.
- **Logs**: one JSON line per request on the ``momq.server`` logger (method, path,
  status, milliseconds, client), and one per error.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from momq.errors import (
    ConfigError,
    EngineUnavailable,
    ModelError,
    ModelUnavailable,
    MomqError,
    UnknownDatabase,
    UnknownDialect,
)
from momq.server.queue import QueueFull, RequestTimeout
from momq.server.sessions import SessionNotFound

log = logging.getLogger("momq.server")
log.addHandler(logging.NullHandler())

PUBLIC = ("/healthz", "/readyz", "/openapi.json", "/", "/favicon.ico")
PUBLIC_PREFIXES = ("/ui/",)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)

# error class -> HTTP status; the first match in this order wins
STATUS: list[tuple[type, int]] = [
    (SessionNotFound, 404),
    (UnknownDatabase, 404),
    (UnknownDialect, 400),
    (QueueFull, 503),
    (RequestTimeout, 504),
    (EngineUnavailable, 503),
    (ModelUnavailable, 502),
    (ModelError, 502),
    (ConfigError, 400),
    (MomqError, 400),
]


class JsonFormatter(logging.Formatter):
    """One JSON object per log line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def status_of(exc: BaseException) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(path: str, status: int, kind: str, message: str) -> dict[str, Any]:
    if path.startswith("/v1/"):
        return {"error": {"message": message, "type": kind, "code": status}}
    return {"error": kind, "message": message}


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def key_ok(header: str | None, keys: tuple[str, ...]) -> bool:
    if not keys:
        return True
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return any(hmac.compare_digest(token.strip().encode(), key.encode()) for key in keys)


class Guard:
    """ASGI middleware: API keys, body size, headers, request logs (see module docstring)."""

    def __init__(self, app: Any, *, api_keys: tuple[str, ...], max_body_bytes: int):
        self.app = app
        self.api_keys = api_keys
        self.max_body = max_body_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        status_holder = {"status": 0}

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if path == "/" or path.startswith("/ui/"):
                    extra += [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        async def reply(status: int, kind: str, message: str, extra: list | None = None) -> None:
            body = json.dumps(error_body(path, status, kind, message)).encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                    + (extra or []),
                }
            )
            await send({"type": "http.response.body", "body": body})

        try:
            if (
                scope.get("method") != "OPTIONS"
                and not is_public(path)
                and not key_ok(headers.get("authorization"), self.api_keys)
            ):
                await reply(
                    401,
                    "Unauthorized",
                    "a valid API key is needed: Authorization: Bearer KEY",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                await reply(413, "RequestTooLarge", f"the request body is larger than {self.max_body} bytes")
                return
            body = b""
            more = scope.get("method") in ("POST", "PUT", "PATCH")
            while more:  # read the whole (small) body first, so an oversized one is refused before any work
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    await reply(413, "RequestTooLarge", f"the request body is larger than {self.max_body} bytes")
                    return
            replayed = {"done": False}

            async def replay() -> dict:
                if not replayed["done"]:
                    replayed["done"] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_headers)
        finally:
            log.info(
                "request",
                extra={
                    "fields": {
                        "method": scope.get("method"),
                        "path": path,
                        "status": status_holder["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": (scope.get("client") or ["?"])[0],
                    }
                },
            )


def install_error_handlers(app: Any) -> None:
    """momq errors -> their status; anything else -> 500 without details (logged)."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    async def momq_error(request: Request, exc: MomqError) -> JSONResponse:
        status = status_of(exc)
        headers = {"Retry-After": "1"} if isinstance(exc, QueueFull) else None
        log.warning(
            "error",
            extra={
                "fields": {
                    "path": request.url.path,
                    "status": status,
                    "error": type(exc).__name__,
                    "detail": str(exc)[:500],
                }
            },
        )
        return JSONResponse(error_body(request.url.path, status, type(exc).__name__, str(exc)), status, headers)

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(request.url.path, exc.status_code, "HTTPError", str(exc.detail)),
            exc.status_code,
            getattr(exc, "headers", None),
        )

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return JSONResponse(error_body(request.url.path, 422, "InvalidRequest", problems[:2000]), 422)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return JSONResponse(error_body(request.url.path, 500, "InternalError", "internal error (logged)"), 500)

    app.add_exception_handler(MomqError, momq_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)

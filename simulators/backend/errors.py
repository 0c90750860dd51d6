"""JSON errors: every refusal is ``{"error": code, "detail": one line naming the problem}``;
and the limits of request bodies (size and time)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apcv.redact import spells_a_nir

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_S = 10.0


class ApiError(Exception):
    """A refusal with an HTTP status, a short code and a message for the caller."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def error_body(code: str, detail: str) -> dict[str, str]:
    """The JSON body of an error."""
    return {"error": code, "detail": detail}


def _validation_detail(exc: RequestValidationError) -> tuple[str, str]:
    errors: list[Any] = list(exc.errors())
    for item in errors:
        if item.get("type") == "json_invalid":
            ctx = item.get("ctx") or {}
            return "malformed_json", f"body is not valid JSON: {ctx.get('error', 'parse error')}"
    parts = []
    for item in errors[:3]:
        where = ".".join(str(p) for p in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "invalid_request", "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error a JSON body with a code and a one-line detail."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        code, detail = _validation_detail(exc)
        return JSONResponse(error_body(code, detail), status_code=400 if code == "malformed_json" else 422)

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body("internal_error", "the service failed on this request; it is logged"),
                            status_code=500, headers={"connection": "close"})  # uvicorn closes it after

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


class BodyLimits:
    """ASGI middleware: 400 for a path or query spelling a NIR otherwise than as its 15 characters
    (never decoded into a lookup), 413 for a request body over ``limit`` bytes, whether it declares
    its length or comes chunked, and 408 for a body not fully received within ``timeout`` seconds.

    The body (at most ``limit`` bytes) is read here, then handed to the app whole: an error
    raised while the app itself reads would be taken by FastAPI for a malformed body (400),
    and a client sending its body a byte now and then would hold a handler for ever.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, timeout: float = BODY_TIMEOUT_S) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if spells_a_nir(target.decode("latin-1")):
            await _refuse(send, 400, "non_canonical_nir", "the path or query spells a NIR with separators or "
                          "percent-encoding: send its 15 characters as they are")
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _refuse(send, 413, "body_too_large",
                          "content-length is not a number" if not length.isdigit()
                          else f"body of {int(length)} bytes is over the {self.limit}-byte limit")
            return
        chunks: list[bytes] = []
        seen = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away: nobody to answer
                    chunk = message.get("body", b"")
                    seen += len(chunk)
                    if seen > self.limit:
                        await _refuse(send, 413, "body_too_large",
                                      f"body is over the {self.limit}-byte limit")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _refuse(send, 408, "body_timeout", f"request body not received within {self.timeout:g} s")
            return
        whole: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Message:
            return whole.pop() if whole else await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(error_body(code, detail)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})

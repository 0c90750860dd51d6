"""JSON errors: every refusal is ``{"error": code, "detail": one line naming the problem}``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024


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

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413.

    A declared ``content-length`` is checked up front (the server then delivers exactly that
    many bytes). A body without one (chunked) is read here first, at most ``limit`` bytes of
    it, and handed to the app whole: an error raised while the app itself reads would be taken
    by FastAPI for a malformed body (400).
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await self._refuse(send, "content-length is not a number" if not length.isdigit()
                                   else f"body of {int(length)} bytes is over the {self.limit}-byte limit")
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(send, f"body is over the {self.limit}-byte limit")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Message:
            return whole.pop() if whole else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, detail: str) -> None:
        body = json.dumps(error_body("body_too_large", detail)).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

"""The backend app's middleware stack, with the hot routes answered right after its own middleware.

FastAPI passes every request through seven layers before its route: Starlette's
``ServerErrorMiddleware``, FastAPI's exception-telemetry and body-limit middleware, the app's own
middleware, Starlette's ``ExceptionMiddleware``, FastAPI's ``AsyncExitStackMiddleware`` (files of
form uploads) and the router's matching; about a sixth of a verification's CPU time in-process.
:func:`build_stack` builds the same stack less what the hot routes do not need:

- ``ServerErrorMiddleware`` stays outermost (500 with the app's handler, the error re-raised for
  uvicorn's log), then the app's own middleware in order (outages, audit, host allow-list, body
  limits and the non-canonical NIR check: :func:`simulators.backend.app.create_app`);
- FastAPI's telemetry and body-limit middleware are left out: this app turns telemetry off and
  sets no FastAPI body limit (checked here: either on and the stock stack is built), so both
  only passed requests through;
- then :class:`HotRoutes`: a request one of the router's leading :class:`LeanRoute`\\ s matches is
  answered there, an exception turned into its answer by the app's exception handlers as
  ``ExceptionMiddleware`` does; any other request goes on through ``ExceptionMiddleware``,
  ``AsyncExitStackMiddleware`` and the router, as before.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from simulators.backend.lean_route import LeanRoute

EXCEPTION_HANDLERS_KEY = "starlette.exception_handlers"
"""Where ``ExceptionMiddleware`` leaves its handlers for the routes' own handling (Starlette's)."""


def build_stack(app: FastAPI) -> ASGIApp:
    """The middleware stack of ``app`` (its ``build_middleware_stack``): see the module."""
    if app.max_body_size is not None or app._native_telemetry.enabled():
        return FastAPI.build_middleware_stack(app)
    error_handler: ExceptionHandler | None = None
    handlers: dict[Any, ExceptionHandler] = {}
    for key, value in app.exception_handlers.items():
        if key in (500, Exception):
            error_handler = value
        else:
            handlers[key] = value
    rest = ExceptionMiddleware(AsyncExitStackMiddleware(app.router), handlers=handlers, debug=app.debug)
    stack: ASGIApp = HotRoutes(rest, app)
    for cls, args, kwargs in reversed(app.user_middleware):
        stack = cls(stack, *args, **kwargs)
    return ServerErrorMiddleware(stack, handler=error_handler, debug=app.debug)


def leading_lean_routes(app: FastAPI) -> list[LeanRoute]:
    """The :class:`LeanRoute`\\ s the app's router tries first, before any other route."""
    leading: list[LeanRoute] = []
    for route in app.router.routes:
        if not isinstance(route, LeanRoute):
            break
        leading.append(route)
    return leading


class HotRoutes:
    """ASGI: a request fully matched by one of the app's leading :class:`LeanRoute`\\ s (the route
    the router would pick too: it tries them first) is answered by it here, with the exception
    handlers of ``ExceptionMiddleware``; any other request goes to ``rest``."""

    def __init__(self, rest: ExceptionMiddleware, app: FastAPI) -> None:
        self.rest = rest
        self.router = app.router
        self.routes = leading_lean_routes(app)
        # the very handlers ExceptionMiddleware holds (its default for HTTPException included)
        self.handlers = (rest._exception_handlers, rest._status_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    if "router" not in scope:
                        scope["router"] = self.router
                    scope.update(child_scope)
                    scope[EXCEPTION_HANDLERS_KEY] = self.handlers
                    await self._handle(route, scope, receive, send)
                    return
        await self.rest(scope, receive, send)

    async def _handle(self, route: LeanRoute, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await route.handle(scope, receive, sender)
        except Exception as exc:
            handler = self._handler_of(exc)
            if handler is None:
                raise
            if started:
                raise RuntimeError("Caught handled exception, but response already started.") from exc
            request = Request(scope, receive, send)
            if is_async_callable(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
            if response is not None:
                await response(scope, receive, sender)
            exc.__traceback__ = None  # as Starlette: a reused exception would pile up tracebacks

    def _handler_of(self, exc: Exception) -> ExceptionHandler | None:
        exception_handlers, status_handlers = self.handlers
        if isinstance(exc, HTTPException) and (handler := status_handlers.get(exc.status_code)):
            return handler
        return next((exception_handlers[cls] for cls in type(exc).__mro__ if cls in exception_handlers), None)

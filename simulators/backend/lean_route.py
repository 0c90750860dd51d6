"""Routes of the per-request hot path without FastAPI's general dependency solver.

FastAPI answers a request by solving the endpoint's dependency graph anew each time (caches,
scopes, exit stacks, background tasks, telemetry), which cost about a third of the CPU time of
a verification or a rights lookup. A :class:`LeanRoute` is declared as any ``APIRoute`` (same
signature, models and OpenAPI description) but resolves its endpoint's arguments directly: its
dependencies are ``async`` functions of the request alone (authentication, the context), called
in order; path parameters and the JSON body are validated by FastAPI's own fields, so errors read
as before; the answer is validated and serialised by the route's response field, as
FastAPI does. A request outside the common shape (no body, a content type other than JSON, a
body that is not JSON) is handed to FastAPI's own handler before anything runs, so its answer is
FastAPI's. A route whose endpoint needs more (query, header or cookie parameters, sub-dependencies,
sync code, no response model) is refused when declared.
"""

from __future__ import annotations

import inspect
import json
from contextlib import AsyncExitStack
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

JSON = "application/json"
FILE_STACK_KEY = "fastapi_middleware_astack"
"""Where FastAPI's handler expects the exit stack of uploaded files (``AsyncExitStackMiddleware``'s)."""


def _request_only(sub: Dependant) -> bool:
    """True for an ``async`` dependency taking the request and nothing else."""
    return (inspect.iscoroutinefunction(sub.call) and sub.request_param_name is not None
            and not (sub.path_params or sub.query_params or sub.header_params or sub.cookie_params
                     or sub.body_params or sub.dependencies))


def _json_content_type(value: str | None) -> bool:
    return value is not None and value.partition(";")[0].strip().lower() == JSON


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving ``body`` whole once, then what ``receive`` gives."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def again() -> Message:
        return pending.pop() if pending else await receive()

    return again


class LeanRoute(APIRoute):
    """An ``APIRoute`` whose endpoint's arguments are resolved without FastAPI's solver."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        d = self.dependant
        if not inspect.iscoroutinefunction(endpoint) or d.query_params or d.header_params or d.cookie_params \
                or d.request_param_name or not all(_request_only(sub) for sub in d.dependencies) \
                or self.response_field is None:
            raise TypeError(f"{path}: a LeanRoute endpoint is async, has a response model and takes path "
                            "parameters, a JSON body and dependencies on the request alone")
        self._dependencies = [(sub.name, sub.call) for sub in d.dependencies]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request (a method this route does not serve: FastAPI's 405)."""
        if scope["method"] not in self.methods:
            await self._stock(scope, receive, send)
            return
        request = Request(scope, receive, send)
        body: Any = None
        if self.body_field is not None:
            raw = await request.body()
            try:
                if not raw or not _json_content_type(request.headers.get("content-type")):
                    raise ValueError("not a JSON body")
                body = json.loads(raw)
            except ValueError:  # json.JSONDecodeError included: FastAPI's own answer
                await self._stock(scope, _replay(raw, receive), send)
                return
        values: dict[str, Any] = {name: await call(request) for name, call in self._dependencies}
        errors: list[Any] = []
        for field in self.dependant.path_params:  # always there once the path matched
            value, wrong = field.validate(scope["path_params"][field.alias], values,
                                          loc=("path", field.alias))
            values[field.name] = value
            errors += wrong
        if self.body_field is not None:
            found, wrong = await request_body_to_args(self.dependant.body_params, body,
                                                      self._embed_body_fields)
            values.update(found)
            errors += wrong
        if errors:
            raise RequestValidationError(errors, body=body)
        assert self.dependant.call is not None
        content = await self.dependant.call(**values)
        await self._answer(content)(scope, receive, send)

    async def _stock(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own handling, with the exit stack its handler expects (the backend's middleware
        stack opens none for these routes: :mod:`simulators.backend.middleware_stack`)."""
        if FILE_STACK_KEY in scope:
            await super().handle(scope, receive, send)
            return
        async with AsyncExitStack() as stack:
            scope[FILE_STACK_KEY] = stack
            await super().handle(scope, receive, send)

    def _answer(self, content: Any) -> Response:
        """The endpoint's value validated and serialised by the response field, as FastAPI does."""
        assert self.response_field is not None
        value, errors = self.response_field.validate(content, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors, body=content)
        return Response(self.response_field.serialize_json(value), status_code=self.status_code or 200,
                        media_type=JSON)

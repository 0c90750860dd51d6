"""LeanRoute answers as FastAPI's own route does, without FastAPI's dependency solver on the
common path (simulators/backend/lean_route.py), and so does the backend's middleware stack that
answers the leading LeanRoutes without Starlette's exception layer and the router
(simulators/backend/middleware_stack.py)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import fastapi.routing
import httpx
import pytest
import starlette.middleware.exceptions
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from pydantic import BaseModel, Field

from apcv.clock import FrozenClock
from simulators.backend.app import create_app
from simulators.backend.db import make_engine
from simulators.backend.errors import ApiError, BodyLimits, install_error_handlers
from simulators.backend.lean_route import LeanRoute
from simulators.backend.middleware_stack import build_stack, leading_lean_routes


class Order(BaseModel):
    item: str = Field(min_length=2, max_length=8)
    count: int = Field(ge=1)


class Receipt(BaseModel):
    caller: str
    shop: str
    item: str
    total: int


async def caller(request: Request) -> str:
    who = request.headers.get("x-caller")
    if not who:
        raise ApiError(401, "unsigned", "no caller")
    return who


def make_app(route_class: type[fastapi.routing.APIRoute], *, backend_stack: bool = False) -> FastAPI:
    """The test app with its routes of ``route_class``; ``backend_stack``: first in the router and
    under the backend's middleware stack, as the backend's hot routes are."""
    app = FastAPI(redirect_slashes=False, telemetry={"tracing": False, "metrics": False, "logs": False})
    install_error_handlers(app)
    router = APIRouter(route_class=route_class)

    @router.post("/shops/{shop}/orders", response_model=Receipt)
    async def order(body: Order, shop: str = Path(pattern=r"^[a-z]{3}$"),
                    who: str = Depends(caller)) -> Receipt:
        if body.item == "boom":
            raise RuntimeError("the shop fell over")
        return Receipt(caller=who, shop=shop, item=body.item, total=body.count * 3)

    @router.get("/shops/{shop}", response_model=Receipt)
    async def shop(shop: str = Path(pattern=r"^[a-z]{3}$"), who: str = Depends(caller)) -> Receipt:
        return Receipt(caller=who, shop=shop, item="-", total=0)

    if backend_stack:
        app.router.routes[:0] = router.routes
        app.build_middleware_stack = partial(build_stack, app)  # type: ignore[method-assign]
    else:
        app.include_router(router)
    app.add_middleware(BodyLimits)
    return app


REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"},
     b'{"item": "pear", "count": 2}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json; charset=utf-8"},
     b'{"item": "pear", "count": 2}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"}, b'{"item": "p"}'),
    ("POST", "/shops/ABC/orders", {"x-caller": "ann", "content-type": "application/json"},
     b'{"item": "pear", "count": 0}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"}, b'{"item": '),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "text/plain"},
     b'{"item": "pear", "count": 2}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann"}, b'{"item": "pear", "count": 2}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"}, b""),
    ("POST", "/shops/abc/orders", {"content-type": "application/json"}, b'{"item": "pear", "count": 2}'),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"}, b'[1, 2]'),
    ("GET", "/shops/abc/orders", {"x-caller": "ann"}, b""),
    ("GET", "/shops/abc", {"x-caller": "ann"}, b""),
    ("GET", "/shops/abcd", {"x-caller": "ann"}, b""),
    ("GET", "/shops/abc", {}, b""),
    ("DELETE", "/shops/abc", {"x-caller": "ann"}, b""),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"},
     b'{"item": "boom", "count": 2}'),
    ("GET", "/shops/abc?nir=1%2084%2012%2075%20112%20034%2016", {"x-caller": "ann"}, b""),
    ("POST", "/shops/abc/orders", {"x-caller": "ann", "content-type": "application/json"},
     b'{"item": "pear", "count": 2, "pad": "' + b"x" * 70_000 + b'"}'),
    ("GET", "/nowhere", {"x-caller": "ann"}, b""),
]


def answers(app: FastAPI) -> list[tuple[int, Any, str]]:
    async def run() -> list[tuple[int, Any, str]]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 is an answer here
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            out = []
            for method, path, headers, body in REQUESTS:
                answer = await client.request(method, path, headers=headers, content=body)
                out.append((answer.status_code, answer.content, answer.headers.get("content-type", "")))
            return out

    return asyncio.run(run())


def test_a_lean_route_answers_every_request_as_fastapis_route_does() -> None:
    lean, plain = answers(make_app(LeanRoute)), answers(make_app(fastapi.routing.APIRoute))
    assert lean == plain
    assert {status for status, _, _ in lean} >= {200, 400, 401, 404, 405, 413, 422, 500}


def test_the_backend_stack_answers_every_request_as_fastapis_own_does() -> None:
    assert answers(make_app(LeanRoute, backend_stack=True)) == answers(make_app(fastapi.routing.APIRoute))


def test_the_backend_stack_answers_its_lean_routes_without_starlettes_exception_layer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    passed: list[str] = []
    real = starlette.middleware.exceptions.ExceptionMiddleware.__call__

    async def counting(self: Any, scope: Any, receive: Any, send: Any) -> None:
        passed.append(scope["path"])
        await real(self, scope, receive, send)

    monkeypatch.setattr(starlette.middleware.exceptions.ExceptionMiddleware, "__call__", counting)
    status = [status for status, _, _ in answers(make_app(LeanRoute, backend_stack=True))]
    assert status[0] == 200 and status[11] == 200 and status[15] == 500
    # only what no lean route matches fully went the stock way: a method the route does not
    # serve (405, twice) and a path of no route (404)
    assert passed == ["/shops/abc/orders", "/shops/abc", "/nowhere"]


def test_the_backends_hot_routes_come_first_and_skip_the_stock_stack(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        app = create_app(engine, clock=FrozenClock(1_800_000_000))
        paths = [route.path for route in leading_lean_routes(app)]
        assert paths[:2] == ["/v1/verifications", "/v1/rights/{nir}"]
        assert type(app.build_middleware_stack()).__name__ == "ServerErrorMiddleware"
    finally:
        engine.dispose()


def test_the_common_path_skips_fastapis_solver_and_the_others_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    solved: list[str] = []
    real = fastapi.routing.solve_dependencies

    async def counting(**kwargs: Any) -> Any:
        solved.append(kwargs["request"].url.path)
        return await real(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    status = [status for status, _, _ in answers(make_app(LeanRoute))]
    assert status[0] == 200 and status[11] == 200
    # only the requests FastAPI answers itself went through its solver: a content type other
    # than JSON, none (FastAPI reads such a body as JSON), and an empty body
    assert solved == ["/shops/abc/orders"] * 3


def test_an_endpoint_a_lean_route_cannot_serve_is_refused_when_declared() -> None:
    router = APIRouter(route_class=LeanRoute)

    async def needs_a_query(q: str) -> Receipt:
        raise AssertionError(q)

    with pytest.raises(TypeError, match="LeanRoute"):
        router.add_api_route("/q", needs_a_query, response_model=Receipt)

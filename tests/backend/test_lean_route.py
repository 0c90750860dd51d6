"""LeanRoute answers as FastAPI's own route does, without FastAPI's dependency solver on the
common path (simulators/backend/lean_route.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from pydantic import BaseModel, Field

from simulators.backend.errors import ApiError, install_error_handlers
from simulators.backend.lean_route import LeanRoute


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


def make_app(route_class: type[fastapi.routing.APIRoute]) -> FastAPI:
    app = FastAPI(redirect_slashes=False)
    install_error_handlers(app)
    router = APIRouter(route_class=route_class)

    @router.post("/shops/{shop}/orders", response_model=Receipt)
    async def order(body: Order, shop: str = Path(pattern=r"^[a-z]{3}$"),
                    who: str = Depends(caller)) -> Receipt:
        return Receipt(caller=who, shop=shop, item=body.item, total=body.count * 3)

    @router.get("/shops/{shop}", response_model=Receipt)
    async def shop(shop: str = Path(pattern=r"^[a-z]{3}$"), who: str = Depends(caller)) -> Receipt:
        return Receipt(caller=who, shop=shop, item="-", total=0)

    app.include_router(router)
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
]


def answers(app: FastAPI) -> list[tuple[int, Any, str]]:
    async def run() -> list[tuple[int, Any, str]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            out = []
            for method, path, headers, body in REQUESTS:
                answer = await client.request(method, path, headers=headers, content=body)
                out.append((answer.status_code, answer.content, answer.headers.get("content-type", "")))
            return out

    return asyncio.run(run())


def test_a_lean_route_answers_every_request_as_fastapis_route_does() -> None:
    lean, plain = answers(make_app(LeanRoute)), answers(make_app(fastapi.routing.APIRoute))
    assert lean == plain
    assert {status for status, _, _ in lean} >= {200, 400, 401, 405, 422}


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

"""The audit log: every request a client made, for a test bench to judge a client against.

An ASGI middleware notes, per request, the operation (``verify-nfc``, ``rights``, ``claim``...),
the caller's key id, the token and claim ids it concerned, the person concerned (NIR
masked), for a claim what the insurer stored (the person billed for, each act's code and amount,
the total), the outcome (HTTP status and error code) and the service clock's time. Entries are
kept in memory, numbered, the oldest dropped past :data:`MAX_ENTRIES`; the operators' route
``GET /v1/test/audit`` (:mod:`.audit_routes`) hands them out. Enabled with ``serve --audit``:
the log lives in the serving process, so an audited backend runs one worker.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apcv.nir import mask_nir
from simulators.backend.signing import KEY_ID_HEADER

MAX_ENTRIES = 10_000
MAX_CAPTURED_BYTES = 64 * 1024
"""Bodies longer than this are not read for ids (the backend refuses them anyway)."""

OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/v1/verifications"), "verify-nfc"),
    ("POST", re.compile(r"/v1/verifications/qr"), "verify-qr"),
    ("POST", re.compile(r"/v1/verifications/card"), "verify-card"),
    ("GET", re.compile(r"/v1/rights/[^/]+"), "rights"),
    ("POST", re.compile(r"/v1/insi/search"), "insi"),
    ("POST", re.compile(r"/v1/claims"), "claim"),
    ("GET", re.compile(r"/v1/receipts"), "receipts"),
    ("*", re.compile(r"/v1/delegations(/[^/]+)?"), "delegation"),
    ("PUT", re.compile(r"/v1/insured"), "provision"),
    ("*", re.compile(r"/v1/(activations|review/activations)(/.*)?"), "activation"),
)
UNAUDITED = ("/v1/test/", "/v1/health", "/docs", "/redoc", "/openapi.json")


def operation_of(method: str, path: str) -> str:
    """The audit name of a request: ``verify-qr``, ``claim``... or ``other``."""
    for verb, pattern, name in OPERATIONS:
        if verb in ("*", method) and pattern.fullmatch(path):
            return name
    return "other"


class AuditLog:
    """Numbered entries, oldest dropped past ``limit``; safe to use from several threads."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._next = 1

    def add(self, entry: dict[str, Any]) -> None:
        """Append ``entry`` with the next sequence number."""
        with self._lock:
            self._entries.append({"seq": self._next, **entry})
            self._next += 1

    def since(self, seq: int) -> tuple[list[dict[str, Any]], int, int]:
        """Entries numbered above ``seq``, the last number given out, and how many were dropped."""
        with self._lock:
            chosen = [e for e in self._entries if e["seq"] > seq]
            last = self._next - 1
            dropped = last - len(self._entries)
        return chosen, last, dropped


def _json(body: bytes) -> dict[str, Any]:
    if not body or len(body) > MAX_CAPTURED_BYTES:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object, limit: int = 64) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def describe(method: str, path: str, caller: str, request: bytes, status: int,
             response: bytes, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The entry of one request: what was asked, by whom, about which token and person, and how it ended;
    for a claim, what the insurer stored (``stored``: the person billed for, the acts, the total)."""
    operation = operation_of(method, path)
    asked, answered = _json(request), _json(response)
    identity = answered.get("identity")
    person = identity.get("nir") if isinstance(identity, dict) else None
    if operation == "rights":
        person = path.rsplit("/", 1)[-1]
    billed = {}
    if stored:
        person = stored.get("person")
        billed = {"acts": stored.get("acts"), "total_cents": stored.get("total_cents")}
    return {**billed,
        "operation": operation,
        "caller": caller[:80],
        "status": status,
        "error": _text(answered.get("error")) if status >= 400 else None,
        "token_id": _text(asked.get("token_id")) or _text(answered.get("token_id")),
        "claim_id": _text(asked.get("claim_id")) or _text(answered.get("claim_id")),
        "receipt_id": _text(answered.get("receipt_id")),
        "person": mask_nir(person) if isinstance(person, str) else None,
    }


class AuditMiddleware:
    """ASGI middleware noting every request in ``log`` once its answer is sent (time from ``now``)."""

    def __init__(self, app: ASGIApp, log: AuditLog, now: Callable[[], float]) -> None:
        self.app = app
        self.log = log
        self.now = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(UNAUDITED):
            await self.app(scope, receive, send)
            return
        request: list[bytes] = []
        response: list[bytes] = []
        status = [0]

        async def noting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, request)) <= MAX_CAPTURED_BYTES:
                request.append(message.get("body", b""))
            return message

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and sum(map(len, response)) <= MAX_CAPTURED_BYTES:
                response.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, noting_receive, noting_send)
        finally:
            caller = dict(scope["headers"]).get(KEY_ID_HEADER.encode(), b"").decode("latin-1")
            stored = scope.get("state", {}).get("audit")  # what a claim stored, noted by its route
            self.log.add({"at": self.now(), **describe(scope["method"], path, caller, b"".join(request),
                                                        status[0], b"".join(response), stored)})

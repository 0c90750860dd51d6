"""Connection limits of the served backend: header size and time, keep-alive, concurrency.

uvicorn's httptools protocol buffers request headers without a size limit and waits for them
without a deadline, so one client could send a 50 MB header or hold connections open by
sending a byte now and then. :class:`LimitedHttpToolsProtocol` refuses request headers
larger than :data:`MAX_HEADER_BYTES` with 431 and headers that take longer than
:data:`HEADER_TIMEOUT_S` (from the connection's start, or from a request's first byte) with
408, closing the connection. The size limit holds for every request of a connection, a
pipelined one included: the request line and headers are counted as the parser hands them over.
Bodies are limited in size and time by :class:`simulators.backend.errors.BodyLimits`; idle
keep-alive connections close after ``timeout_keep_alive``; past ``limit_concurrency`` connections
or tasks per worker, uvicorn answers 503 (:data:`UVICORN_LIMITS`).

Slow clients cannot starve the others: a worker keeps at most :data:`MAX_CONNECTIONS` connections
and :data:`MAX_PER_CLIENT` from one address. A new connection past either cap sheds the oldest
connection that has no request in flight (one still sending its headers, or idle between
requests) rather than being turned away, so sockets opened to hold slots are the ones that go.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from simulators.backend.errors import error_body

MAX_HEADER_BYTES = 16 * 1024
"""Request line and headers, in bytes (a signed request needs about 600)."""
HEADER_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
CONCURRENCY = 1000
"""Connections and requests in flight per worker before uvicorn answers 503."""
MAX_CONNECTIONS = 900
"""Open connections per worker; a new one past it sheds the oldest without a request in flight."""
MAX_PER_CLIENT = 512
"""Open connections per worker from one client address (the same shedding)."""
UVICORN_LIMITS: dict[str, Any] = {
    "http": "simulators.backend.http_limits:LimitedHttpToolsProtocol",
    "timeout_keep_alive": KEEP_ALIVE_S,
    "limit_concurrency": CONCURRENCY,
    "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
}
"""Keyword arguments of ``uvicorn.run`` that set these limits."""
_END_OF_HEADERS = b"\r\n\r\n"


def _raw_response(status: int, reason: str, code: str, detail: str) -> bytes:
    body = json.dumps(error_body(code, detail)).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


class _Connections:
    """This worker's open connections: how many, from which client, and which have no request in
    flight (oldest first), the ones a new connection past a cap sheds."""

    def __init__(self) -> None:
        self.total = 0
        self.per_client: Counter[str] = Counter()
        self.idle: dict[LimitedHttpToolsProtocol, str] = {}

    def oldest_idle(self, client: str | None,
                    but: LimitedHttpToolsProtocol) -> LimitedHttpToolsProtocol | None:
        """The oldest connection without a request in flight (from ``client`` if given)."""
        return next((c for c, who in self.idle.items() if c is not but and client in (None, who)), None)


_OPEN = _Connections()


class _HeadersTooLarge(Exception):
    """Raised from a parser callback: the request's line and headers passed the limit."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and a deadline on request headers, and caps
    on connections that shed the oldest idle one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._request_bytes = 0
        self._too_large = False
        self._last_words = b""
        """A refusal to send once the response in flight is complete (a pipelined request's)."""
        self._tail = b""
        self._header_timer: asyncio.TimerHandle | None = None
        self._peer = "?"

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        _OPEN.total += 1
        _OPEN.per_client[self._peer] += 1
        _OPEN.idle[self] = self._peer
        self._arm_header_timer()
        if _OPEN.per_client[self._peer] > MAX_PER_CLIENT:
            self._shed(_OPEN.oldest_idle(self._peer, self))
        if _OPEN.total > MAX_CONNECTIONS:
            self._shed(_OPEN.oldest_idle(None, self))

    def _shed(self, victim: LimitedHttpToolsProtocol | None) -> None:
        """Close ``victim`` (it has no request in flight), or this new connection if there is none."""
        target = victim or self
        _OPEN.idle.pop(target, None)
        target._cancel_header_timer()
        if not target.transport.is_closing():
            target.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        _OPEN.idle.pop(self, None)
        _OPEN.total -= 1
        _OPEN.per_client[self._peer] -= 1
        if not _OPEN.per_client[self._peer]:
            del _OPEN.per_client[self._peer]
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            room = MAX_HEADER_BYTES - self._header_bytes
            if _END_OF_HEADERS not in self._tail + data[:max(room, 0)] and len(data) >= room:
                self._refuse(431, "Request Header Fields Too Large", "headers_too_large",
                             f"request line and headers are over {MAX_HEADER_BYTES} bytes")
                return
            self._header_bytes += len(data)
            self._tail = data[-3:]
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._request_bytes = 0
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm_header_timer()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        """Add to this request's line and headers; past the limit, stop parsing (every request of
        the connection, not only the first: a pipelined one arrives in the same read)."""
        self._request_bytes += size
        if self._request_bytes > MAX_HEADER_BYTES:
            self._too_large = True
            raise _HeadersTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        self._refuse(431, "Request Header Fields Too Large", "headers_too_large",
                     f"request line and headers are over {MAX_HEADER_BYTES} bytes")

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        _OPEN.idle.pop(self, None)  # a request in flight: never shed
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_headers, self._header_bytes, self._tail = True, 0, b""

    def on_response_complete(self) -> None:
        if self._last_words:
            self.pipeline.clear()  # nothing parsed after the refused request is answered
            super().on_response_complete()
            if not self.transport.is_closing():
                self.transport.write(self._last_words)
                self.transport.close()
            return
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            _OPEN.idle[self] = self._peer  # idle again, as the newest

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and (self.cycle is None or self.cycle.response_complete):
            if self._header_bytes:
                self._refuse(408, "Request Timeout", "header_timeout",
                             f"request headers not received within {HEADER_TIMEOUT_S:g} s")
            elif not self.transport.is_closing():
                self.transport.close()  # a connection that never sent anything: just close it

    def _refuse(self, status: int, reason: str, code: str, detail: str) -> None:
        self._cancel_header_timer()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:  # no answer of ours is on its way
            self.transport.write(_raw_response(status, reason, code, detail))
            self.transport.close()
            return
        self._last_words = _raw_response(status, reason, code, detail)  # after the answer in flight
        self.flow.pause_reading()

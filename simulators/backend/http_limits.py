"""Connection limits of the served backend: header size and time, keep-alive, concurrency.

uvicorn's httptools protocol buffers request headers without a size limit and waits for them
without a deadline, so one client could send a 50 MB header or hold connections open by
sending a byte now and then. :class:`LimitedHttpToolsProtocol` refuses request headers
larger than :data:`MAX_HEADER_BYTES` with 431 and headers that take longer than
:data:`HEADER_TIMEOUT_S` (from the connection's start, or from a request's first byte) with
408, closing the connection. Bodies are limited in size and time by
:class:`simulators.backend.errors.BodyLimits`; idle keep-alive connections close after
``timeout_keep_alive``; past ``limit_concurrency`` connections or tasks per worker, uvicorn
answers 503 (:data:`UVICORN_LIMITS`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from simulators.backend.errors import error_body

MAX_HEADER_BYTES = 16 * 1024
"""Request line and headers, in bytes (a signed request needs about 600)."""
HEADER_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
CONCURRENCY = 1000
"""Connections and requests in flight per worker before uvicorn answers 503."""
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


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and a deadline on request headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._tail = b""
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
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
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_headers, self._header_bytes, self._tail = True, 0, b""

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

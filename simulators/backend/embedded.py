"""The ``embedded:`` backend link: the ASGI app in-process behind a synchronous httpx transport.

httpx's own :class:`httpx.ASGITransport` is asynchronous only; this transport runs it on one
event loop in a background thread (an anyio blocking portal) kept for the link's life, so a
plain ``httpx.Client`` calls the app without sockets and without a thread per request.
"""

from __future__ import annotations

import shutil
from contextlib import AbstractContextManager
from pathlib import Path

import anyio.from_thread
import httpx
from sqlalchemy import Engine


class EmbeddedTransport(httpx.BaseTransport):
    """Sends each request to an ASGI app on the transport's own event loop."""

    def __init__(self, app: object) -> None:
        self._asgi = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self._portal_cm: AbstractContextManager[anyio.from_thread.BlockingPortal] = (
            anyio.from_thread.start_blocking_portal(name="apcv-embedded-backend"))
        self._portal = self._portal_cm.__enter__()
        self._open = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run ``request`` through the app; the whole response, read."""
        content = request.read()

        async def exchange() -> tuple[int, httpx.Headers, bytes]:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._asgi.handle_async_request(forwarded)
            body = await response.aread()
            return response.status_code, response.headers, body

        status, headers, body = self._portal.call(exchange)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Stop the event loop thread (once)."""
        if self._open:
            self._open = False
            self._portal_cm.__exit__(None, None, None)


class EmbeddedResources:
    """What an ``embedded:`` link owns besides its HTTP client: the engine and its scratch folder."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder

    def close(self) -> None:
        """Close the database connections and remove the scratch folder."""
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

"""The ``embedded:`` backend link: the ASGI app in-process behind a synchronous httpx transport.

httpx's own :class:`httpx.ASGITransport` is asynchronous only; this transport runs it on one
asyncio event loop in a background daemon thread kept for the link's life, so a plain
``httpx.Client`` calls the app without sockets and without a thread per request, and a link
nobody closed does not keep the interpreter from exiting.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import httpx
from sqlalchemy import Engine


class EmbeddedTransport(httpx.BaseTransport):
    """Sends each request to an ASGI app on the transport's own event loop."""

    def __init__(self, app: object) -> None:
        self._asgi = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="apcv-embedded-backend",
                                        daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run ``request`` through the app; the whole response, read."""
        content = request.read()

        async def exchange() -> tuple[int, httpx.Headers, bytes]:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._asgi.handle_async_request(forwarded)
            body = await response.aread()
            return response.status_code, response.headers, body

        status, headers, body = asyncio.run_coroutine_threadsafe(exchange(), self._loop).result()
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Stop the event loop thread (once)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


class EmbeddedResources:
    """What an ``embedded:`` link owns besides its HTTP client: the engine and its scratch folder."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder

    def close(self) -> None:
        """Close the database connections and remove the scratch folder."""
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

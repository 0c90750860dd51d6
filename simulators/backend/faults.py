"""Injected outages for load tests: the backend answers 5xx while a fault file says so.

Faults are data: a scenario writes ``{"outages": [[start, end, status], ...]}`` (POSIX
seconds) to the file named by ``APCV_BACKEND_FAULTS`` (``ServeOptions.fault_file``) and
every worker answers ``status`` to every request that arrives inside a window, with the
usual JSON error body. The file is read again when it changes (checked at most every
50 ms); without the variable the middleware is not installed at all.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from simulators.backend.errors import error_body

RECHECK_S = 0.05


class OutageSchedule:
    """The windows of a fault file, re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked = 0.0
        self._mtime: float | None = None
        self._windows: list[tuple[float, float, int]] = []

    def status_at(self, now: float) -> int | None:
        """The status to answer now, or None when no outage is on."""
        if now - self._checked >= RECHECK_S:
            self._checked = now
            self._reload()
        for start, end, status in self._windows:
            if start <= now < end:
                return status
        return None

    def _reload(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            self._windows, self._mtime = [], None
            return
        if mtime == self._mtime:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            windows = [(float(a), float(b), int(s)) for a, b, s in data.get("outages", [])]
        except (OSError, ValueError, TypeError):
            return  # half-written: keep the last good schedule, read it again next time
        self._windows, self._mtime = [w for w in windows if 500 <= w[2] <= 599], mtime


class InjectedOutages:
    """ASGI middleware answering the scheduled 5xx instead of the app."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.schedule = OutageSchedule(Path(path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = self.schedule.status_at(time.time()) if scope["type"] == "http" else None
        if status is None:
            await self.app(scope, receive, send)
            return
        detail = f"the service answers {status} (injected fault)"
        body = json.dumps(error_body("injected_outage", detail)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def fault_file_from_environment() -> str | None:
    """The fault file named in the environment, if any."""
    from simulators.backend.settings import ENV_FAULTS

    return os.environ.get(ENV_FAULTS) or None

"""Waiting for a served backend to answer: what ``apcv-hil backend wait`` does for scripts."""

from __future__ import annotations

import time

import httpx

HEALTH = "/v1/health"


def wait_ready(url: str, timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``GET url/v1/health`` answered 200, polling every ``interval`` s; None when
    ``timeout`` seconds pass first (a refused connection is waited out, as a server starting)."""
    start = time.monotonic()
    target = url.rstrip("/") + HEALTH
    while True:
        try:
            if httpx.get(target, timeout=max(interval, 1.0)).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        if time.monotonic() - start >= timeout:
            return None
        time.sleep(interval)

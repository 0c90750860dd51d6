"""What every load user shares: pacing, signed JSON calls, retries.

Calls go through Locust's ``FastHttpUser`` client with ``catch_response``: an answer outside
the expected statuses is a failure named by its status and the service's error code
(``503 unavailable``, ``409 token_replayed``) or, without an answer, by the connection
error: never a NIR. The request names group ids (``/v1/rights/[nir]``).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
from locust import FastHttpUser

from scenarios.load import runtime
from scenarios.load.signed import signature_headers
from simulators.backend.client import Signer

RETRY_PAUSES_S = (0.25, 0.75, 1.5)
"""Pauses before each retry of a call whose answer was lost or a 5xx (what practice software does)."""


@dataclass
class Reply:
    """An answer (status 0 when none came), its JSON body, the failure it was counted as, and
    how many attempts it took."""

    status: int
    data: Any = None
    failure: str | None = None
    attempts: int = 1
    history: list[str] = field(default_factory=list)


def _retryable(reply: Reply) -> bool:
    return reply.status == 0 or reply.status >= 500


class ApcvUser(FastHttpUser):
    """A signed caller of the backend that makes one journey every ``pace_s`` seconds."""

    abstract = True
    kind = ""
    pace_s = 1.0
    """Seconds between the starts of two journeys (set from the plan)."""
    network_timeout = 10.0
    connection_timeout = 5.0

    def on_start(self) -> None:
        """Join the process's run; start after a random part of a pace, so users do not march in step."""
        self.run = runtime.current(wait_s=runtime.MATERIAL_WAIT_S)
        self.rng = random.Random()
        gevent.sleep(self.rng.random() * min(self.pace_s, 5.0))
        self._due = time.monotonic()

    def wait_time(self) -> float:
        """Constant pacing: the next journey starts ``pace_s`` after this one started, or at once if late."""
        now = time.monotonic()
        self._due = max(self._due + self.pace_s, now)
        return self._due - now

    def call(self, method: str, path: str, *, body: Any = None, signer: Signer | None = None,
             name: str | None = None, expect: tuple[int, ...] = (200,),
             headers: dict[str, str] | None = None) -> Reply:
        """One signed request (with any extra ``headers``); a failure unless its status is in ``expect``."""
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = dict(headers or {})
        if body is not None:
            headers["content-type"] = "application/json"
        if signer is not None:
            headers.update(signature_headers(signer, method, path, content))
        with self.client.request(method, path, data=content or None, headers=headers, name=name or path,
                                 catch_response=True) as response:
            status = response.status_code or 0
            data = None
            if status:
                try:
                    data = json.loads(response.content or b"null")
                except ValueError:
                    data = None
            if status in expect:
                response.success()
                return Reply(status, data)
            if status:
                code = data.get("error", "?") if isinstance(data, dict) else "not_json"
                failure = f"{status} {code}"
            else:
                failure = f"no answer: {type(getattr(response, 'error', None)).__name__}"
            response.failure(failure)
            return Reply(status, data, failure)

    def call_retrying(self, method: str, path: str, **kwargs: Any) -> Reply:
        """:meth:`call`, retried after a lost answer or a 5xx, signed anew each time."""
        history: list[str] = []
        pauses = iter(RETRY_PAUSES_S)
        while True:
            reply = self.call(method, path, **kwargs)
            reply.attempts, reply.history = len(history) + 1, history
            pause = next(pauses, None)
            if not _retryable(reply) or pause is None:
                return reply
            history.append(reply.failure or "")
            gevent.sleep(pause * (0.5 + self.rng.random()))

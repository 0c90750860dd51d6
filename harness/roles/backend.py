"""The backend role: the insurer services, reached over HTTP(S)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from apcv.errors import ApcvError
from apcv.trace import TraceRecorder
from harness.rig import RigConfig
from harness.roles.base import DutRole, register
from simulators.backend.client import open_backend
from simulators.backend.process import ServerProcess

EMBEDDED = "embedded:"
"""The backend link of our own backend, served by the harness."""


@dataclass(frozen=True)
class BackendUnderTest:
    """Where the backend under test answers, and what our served one logged so far (None for a
    backend that is not ours)."""

    url: str
    log: Callable[[], str] | None = None


class BackendRole(DutRole):
    """The insurer services; the harness plays phones, practitioners and operators."""

    id = "backend"
    on_bench = False

    @contextmanager
    def world(self, config: RigConfig, folder: Path | None = None, *,
              recorder: TraceRecorder | None = None) -> Iterator[BackendUnderTest]:
        """The rig's backend reached over HTTP: a remote one (``http(s)://``) as it stands, or ours
        (``embedded:``) served in a child process on a fresh SQLite file, test clock on, in the
        faulty variant the rig names, stopped on exit."""
        if config.roles.backend is None:
            raise ApcvError(f"rig '{config.name}' has no backend role")
        if config.roles.backend.link != EMBEDDED:
            yield BackendUnderTest(config.roles.backend.link)
            return
        with ExitStack() as stack:
            if folder is None:
                folder = Path(stack.enter_context(TemporaryDirectory(prefix="apcv-backend-")))
            database = f"sqlite:///{folder / 'backend.sqlite3'}"
            server = stack.enter_context(ServerProcess(database, seed=config.seed, test_clock=True,
                                                       variant=config.dut_variant("backend")))
            yield BackendUnderTest(server.url, server.log)

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.backend is None:
            return "a backend DUT needs roles.backend with its http(s):// URL"
        return None

    def simulated(self, config: RigConfig) -> bool:
        return config.roles.backend is not None and config.roles.backend.link == EMBEDDED

    def probe(self, config: RigConfig) -> dict[str, str]:
        if config.roles.backend is None:
            raise ApcvError("the rig has no backend role")
        client = open_backend(config.roles.backend.link, seed=config.seed, timeout=5.0)
        try:
            answer = client.send("GET", "/v1/health")
        finally:
            client.close()
        if answer.status_code != 200:
            raise ApcvError(f"GET /v1/health answered {answer.status_code}")
        health: Any = answer.json()
        return {"backend_link": config.roles.backend.link,
                **{f"health_{k}": str(v) for k, v in (health.items() if isinstance(health, dict) else [])}}


register(BackendRole())

"""The backend role: the insurer services, reached over HTTP(S)."""

from __future__ import annotations

from typing import Any

from apcv.errors import ApcvError
from harness.dut.roles.base import DutRole, register
from harness.rig import RigConfig
from simulators.backend.client import open_backend


class BackendRole(DutRole):
    """The insurer services; the harness plays phones, practitioners and operators."""

    id = "backend"

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.backend is None:
            return "a backend DUT needs roles.backend with its http(s):// URL"
        return None

    def simulated(self, config: RigConfig) -> bool:
        return config.roles.backend is not None and config.roles.backend.link == "embedded:"

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

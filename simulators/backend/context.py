"""What every request handler shares: database engine, clock, insurer, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import Request
from sqlalchemy import Engine

from apcv.clock import Clock, to_datetime
from apcv.profile.r1.credentials import Insurer, TrustAnchor
from simulators.backend.lookups import HotPath
from simulators.backend.variants import REFERENCE, BackendPolicy


@dataclass
class BackendContext:
    """The live state of one backend app."""

    engine: Engine
    clock: Clock
    insurer: Insurer
    seed: int
    policy: BackendPolicy = REFERENCE
    """The rules enforced: the reference's, or a faulty variant's (:mod:`variants`)."""
    trust: TrustAnchor = field(init=False)
    """The insurer root that presentations chain to (built once)."""
    hot: HotPath = field(init=False)
    """Per-thread connections of the per-request lookups (:mod:`lookups`)."""

    def __post_init__(self) -> None:
        self.trust = self.insurer.trust_anchor
        self.hot = HotPath(self.engine)

    def now(self) -> float:
        """The harness clock's time, POSIX seconds."""
        return self.clock.now()

    def now_datetime(self) -> datetime:
        """The harness clock's time as an aware UTC datetime."""
        return to_datetime(self.clock)

    def today(self) -> date:
        """The harness clock's date (UTC)."""
        return self.now_datetime().date()


async def backend_context(request: Request) -> BackendContext:
    """FastAPI dependency: the app's :class:`BackendContext`."""
    return request.app.state.backend

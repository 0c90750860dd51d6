"""What every request handler shares: database engine, clock, insurer, identity provider, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Request
from sqlalchemy import Engine

from apcv.clock import Clock, to_datetime
from apcv.profile.r1.credentials import Insurer, TrustAnchor
from apcv.seeded_keys import france_identite_key
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
    identity_provider: ec.EllipticCurvePublicKey = field(init=False)
    """The France Identité provider key that identity assertions must be signed with (the seed's)."""
    hot: HotPath = field(init=False)
    """Per-thread connections of the per-request lookups (:mod:`lookups`)."""
    nonces_purged_at: float = field(init=False, default=0.0)
    """When this worker last deleted the request nonces that can no longer be replayed."""

    def __post_init__(self) -> None:
        self.trust = self.insurer.trust_anchor
        self.identity_provider = france_identite_key(self.seed).public_key()
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

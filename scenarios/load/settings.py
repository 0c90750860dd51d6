"""A load run's settings, checked before anything starts, and the plan they make.

Absurd numbers are refused here with a message naming the option, before a backend starts
or a request is sent.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, replace

from scenarios.load.errors import LoadError
from scenarios.load.mix import UserMix, explicit_mix, hourly_requests, rollout_mix
from scenarios.load.params import load_params
from scenarios.load.plan import LoadPlan
from scenarios.load.shapes import SHAPES, ShapeSpec, rollout_hourly_users
from scenarios.load.timespan import parse_timespan
from scenarios.models.rollout.params import load_rollout

DEFAULT_DATE = dt.date(2026, 12, 31)
DEFAULT_USERS = 20
MAX_USERS = 50_000
MAX_SPAWN_RATE = 5_000.0
MAX_REQUESTS_PER_USER_S = 100.0
MAX_OFFERED_RATE = 200_000.0
MIN_DURATION_S = 5.0
MAX_DURATION_S = 24 * 3600.0
MAX_STEPS = 50


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``2m``, ``1h30m`` or ``1h2m3s``: whole seconds, read by Locust's
    own parser as its ``--run-time`` is (:mod:`scenarios.load.timespan`)."""
    try:
        return float(parse_timespan(text.strip()))
    except ValueError:
        raise LoadError(f"--duration {text!r} is not a duration (whole seconds: 45s, 2m, 1h30m)") from None


@dataclass(frozen=True)
class LoadSettings:
    """What the user asked for (``None``: the default that depends on the rest)."""

    target: str
    shape: str = "constant"
    users: int | None = None
    spawn_rate: float | None = None
    duration_s: float = 60.0
    date: dt.date = DEFAULT_DATE
    share: float | None = None
    mix: str = "rollout"
    requests_per_user_s: float = 1.0
    steps: int = 5
    seed: int = 0
    claims: bool = True
    """False: practice software verifies and looks up rights but bills later (no claim requests)."""
    qr_share: float | None = None
    """Share of presentations made by QR rather than NFC (None: the load parameters' estimate)."""

    def check(self) -> None:
        """Refuse unknown shapes, absurd numbers and malformed mixes; a message naming the option."""
        if self.shape not in SHAPES:
            raise LoadError(f"unknown shape {self.shape!r}: choose one of {', '.join(SHAPES)}")
        if self.users is not None and not 1 <= self.users <= MAX_USERS:
            raise LoadError(f"--users {self.users} is out of range: 1 to {MAX_USERS:,} users")
        if self.spawn_rate is not None and not 0 < self.spawn_rate <= MAX_SPAWN_RATE:
            raise LoadError(f"--spawn-rate {self.spawn_rate:g} is out of range: above 0, at most "
                            f"{MAX_SPAWN_RATE:,.0f} users per second")
        if not MIN_DURATION_S <= self.duration_s <= MAX_DURATION_S:
            raise LoadError(f"run time (--duration, --run-time) {self.duration_s:g} s is out of range: "
                           f"{MIN_DURATION_S:g} s to 24 h")
        if not 0 < self.requests_per_user_s <= MAX_REQUESTS_PER_USER_S:
            raise LoadError(f"--user-rate {self.requests_per_user_s:g} is out of range: above 0, at most "
                            f"{MAX_REQUESTS_PER_USER_S:g} requests per second per user")
        if self.share is not None and not 0 < self.share <= 1:
            raise LoadError(f"--share {self.share:g} is out of range: a share of France above 0, at most 1")
        if self.share is not None and self.shape != "rollout":
            raise LoadError(f"--share sizes the rollout shape only, not {self.shape!r}")
        if self.share is not None and self.users is not None:
            raise LoadError("--share and --users both size the rollout shape: give one of them")
        if self.qr_share is not None and not 0 <= self.qr_share <= 1:
            raise LoadError(f"--qr-share {self.qr_share:g} is out of range: 0 (all NFC) to 1 (all QR)")
        if not 1 <= self.steps <= MAX_STEPS:
            raise LoadError(f"--steps {self.steps} is out of range: 1 to {MAX_STEPS}")
        self.user_mix()
        self.shape_spec()

    def user_mix(self) -> UserMix:
        """The mix of users: the rollout's for the date, or the one given."""
        rollout, load = load_rollout(), load_params()
        if self.mix == "rollout":
            mix = rollout_mix(rollout, load, self.date)
        else:
            mix = explicit_mix(self.mix, rollout, load, self.date)
        if self.qr_share is not None:
            mix = replace(mix, qr_share=self.qr_share)
        return mix if self.claims else replace(mix, claim_share=0.0)

    def shape_spec(self) -> ShapeSpec:
        """The shape with its numbers."""
        hourly: tuple[tuple[int, int], ...] = ()
        users = self.users or DEFAULT_USERS
        if self.shape == "rollout":
            rates = hourly_requests(load_rollout(), load_params(), self.date,
                                    1.0 if self.share is None else self.share)
            hourly = rollout_hourly_users(rates, self.requests_per_user_s, self.users)
            users = max(u for _, u in hourly)
            if users > MAX_USERS:
                raise LoadError(f"the rollout shape for {self.date} at this share needs {users:,} users "
                                f"(more than {MAX_USERS:,}): lower --share or raise --user-rate")
        spawn_rate = self.spawn_rate if self.spawn_rate is not None else max(1.0, users / 2)
        offered = users * self.requests_per_user_s
        if offered > MAX_OFFERED_RATE:
            raise LoadError(f"{users:,} users at {self.requests_per_user_s:g} requests/s each offer "
                            f"{offered:,.0f} requests/s, more than {MAX_OFFERED_RATE:,.0f}: "
                            "lower --users or --user-rate")
        return ShapeSpec(self.shape, users, spawn_rate, self.duration_s, self.steps, hourly)

    def plan(self, target_url: str, report_dir: str | None) -> LoadPlan:
        """The run's plan against ``target_url`` (the served URL of an embedded target)."""
        self.check()
        mix = self.user_mix()
        users = mix.user_plans(self.requests_per_user_s, load_params().minimum_user_share)
        return LoadPlan(target_url, self.seed, f"L{secrets.token_hex(4)}", self.shape_spec(), users, mix,
                        self.requests_per_user_s, report_dir)

"""Load shapes: how many users run at each moment of a load test, ending at its run time.

Every shape is a pure function of the time since the start (:func:`users_at`), so it can be
checked without Locust; :class:`ApcvShape` (in ``shapefile.py`` for Locust) plays it. Each
shape stops the test at its duration: Locust ignores ``--run-time`` once a shape is given, so
the shape honours it itself.

- ``constant``: ``users`` for the whole run;
- ``step``: ``steps`` equal stairs up to ``users``;
- ``spike``: a fifth of ``users``, then all of them at once (a national opening), then back;
- ``soak``: a ramp over a tenth of the run (at most a minute), then ``users`` until the end;
- ``rollout``: the rollout model's day hour by hour, each hour an equal slice of the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SHAPES = ("constant", "step", "spike", "soak", "rollout")
SPIKE_BASE_SHARE = 0.2
SPIKE_WINDOW = (0.3, 0.6)
SOAK_RAMP_SHARE = 0.1
SOAK_RAMP_MAX_S = 60.0


@dataclass(frozen=True)
class ShapeSpec:
    """A shape with its numbers: peak users, spawn rate, duration; the rollout's users by hour."""

    name: str
    users: int
    spawn_rate: float
    duration_s: float
    steps: int = 5
    hourly_users: tuple[tuple[int, int], ...] = field(default=())
    """(hour of day, users) for ``rollout``."""

    def to_json(self) -> dict:
        """Plain data."""
        return {"name": self.name, "users": self.users, "spawn_rate": self.spawn_rate,
                "duration_s": self.duration_s, "steps": self.steps,
                "hourly_users": [list(pair) for pair in self.hourly_users]}

    @classmethod
    def from_json(cls, data: dict) -> ShapeSpec:
        """From :meth:`to_json`."""
        return cls(data["name"], int(data["users"]), float(data["spawn_rate"]), float(data["duration_s"]),
                   int(data["steps"]), tuple((int(h), int(u)) for h, u in data["hourly_users"]))

    @property
    def peak_users(self) -> int:
        """The most users the shape ever runs."""
        if self.name == "rollout":
            return max(u for _, u in self.hourly_users)
        return self.users


def _step(spec: ShapeSpec, t: float) -> int:
    stair = min(spec.steps - 1, int(t * spec.steps / spec.duration_s))
    return max(1, math.ceil(spec.users * (stair + 1) / spec.steps))


def _spike(spec: ShapeSpec, t: float) -> tuple[int, float]:
    start, end = SPIKE_WINDOW
    if start * spec.duration_s <= t < end * spec.duration_s:
        return spec.users, max(spec.spawn_rate, float(spec.users))
    return max(1, math.ceil(spec.users * SPIKE_BASE_SHARE)), max(spec.spawn_rate, float(spec.users))


def _soak(spec: ShapeSpec, t: float) -> tuple[int, float]:
    ramp = min(SOAK_RAMP_MAX_S, SOAK_RAMP_SHARE * spec.duration_s)
    return spec.users, max(spec.spawn_rate, spec.users / ramp)


def _rollout(spec: ShapeSpec, t: float) -> int:
    hour = min(len(spec.hourly_users) - 1, int(t * len(spec.hourly_users) / spec.duration_s))
    return spec.hourly_users[hour][1]


def users_at(spec: ShapeSpec, t: float) -> tuple[int, float] | None:
    """(users, spawn rate) ``t`` seconds into the run, or None once the run is over."""
    if t >= spec.duration_s:
        return None
    if spec.name == "step":
        return _step(spec, t), spec.spawn_rate
    if spec.name == "spike":
        return _spike(spec, t)
    if spec.name == "soak":
        return _soak(spec, t)
    if spec.name == "rollout":
        return _rollout(spec, t), spec.spawn_rate
    return spec.users, spec.spawn_rate


def user_seconds(spec: ShapeSpec, resolution_s: float = 1.0) -> float:
    """Users × seconds over the run (what the shape asks for, ramps ignored): sizes the material."""
    total, t = 0.0, 0.0
    while (now := users_at(spec, t)) is not None:
        total += now[0] * min(resolution_s, spec.duration_s - t)
        t += resolution_s
    return total


def rollout_hourly_users(hourly_rates: dict[int, float], requests_per_user_s: float,
                         peak_users: int | None) -> tuple[tuple[int, int], ...]:
    """Users in each hour: the hour's request rate over one user's; scaled so the peak is
    ``peak_users`` when given."""
    scale = 1.0
    if peak_users is not None:
        scale = peak_users * requests_per_user_s / max(hourly_rates.values())
    return tuple((hour, max(1, math.ceil(round(rate * scale / requests_per_user_s, 6))))
                 for hour, rate in sorted(hourly_rates.items()))

"""A clock that follows one SimPy environment per simulated day, days one after another.

Each waiting-room day runs in a fresh SimPy environment whose time starts again at opening.
:class:`DayClock` turns that into one calendar: day ``n`` (from 0) starts ``n`` × 24 h after
the epoch, so devices and a backend built once keep a time that only moves forward.
"""

from __future__ import annotations

from typing import Any

from apcv.clock import SimPyClock

DAY_S = 24 * 3600
EPOCH = 1_767_225_600.0
"""Midnight UTC on 1 January 2026, the first simulated day."""


class DayClock:
    """A :class:`apcv.clock.Clock` reading the current day's SimPy environment."""

    def __init__(self, epoch: float = EPOCH) -> None:
        self._epoch = epoch
        self._day: SimPyClock | None = None
        self.days = 0

    def start_day(self, env: Any) -> None:
        """Follow ``env`` from now on: the next calendar day (its ``env.now`` is seconds since midnight)."""
        self._day = SimPyClock(env, self._epoch + self.days * DAY_S)
        self.days += 1

    def _current(self) -> SimPyClock:
        if self._day is None:
            raise RuntimeError("no simulated day yet: call start_day(env) first")
        return self._day

    def now(self) -> float:
        return self._current().now()

    def monotonic(self) -> float:
        return (self.days - 1) * DAY_S + self._current().monotonic()

    def sleep(self, seconds: float) -> None:
        self._current().sleep(seconds)

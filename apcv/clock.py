"""One clock abstraction for the whole harness: wall, frozen, or SimPy time.

Simulators take a :class:`Clock` so that unlock sessions, QR rotation or 7-day receipt
expiry are tested without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Time source: ``now()`` is POSIX seconds; ``monotonic()`` only ever grows."""

    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


def to_datetime(clock: Clock) -> datetime:
    """The clock's current time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.now(), tz=UTC)


class WallClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.perf_counter()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FrozenClock:
    """A clock that moves only when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: float | datetime = 1_767_225_600.0) -> None:
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._origin = self._now

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now - self._origin

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backward)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back in time (advance by {seconds} s)")
        self._now += seconds


class SimPyClock:
    """Time read from a SimPy environment, whose unit is one second, from ``epoch``."""

    def __init__(self, env: Any, epoch: float = 1_767_225_600.0) -> None:
        self._env = env
        self._epoch = epoch

    def now(self) -> float:
        return self._epoch + float(self._env.now)

    def monotonic(self) -> float:
        return float(self._env.now)

    def sleep(self, seconds: float) -> None:
        raise RuntimeError("inside SimPy, wait with 'yield env.timeout(...)', not sleep()")


class OffsetClock:
    """Another clock moved forward by an offset that only grows.

    The harness's view of a device's test clock: the device runs ``offset`` seconds ahead of
    ``base`` once a test moved it, and requests the harness signs must carry the device's time.
    """

    def __init__(self, base: Clock | None = None, offset: float = 0.0) -> None:
        self._base = base or WallClock()
        self.offset = 0.0
        self.move_to(offset)

    def now(self) -> float:
        return self._base.now() + self.offset

    def monotonic(self) -> float:
        return self._base.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self._base.sleep(seconds)

    def move_to(self, offset: float) -> None:
        """Run ``offset`` seconds ahead of the base clock (never less far ahead than now)."""
        if offset < self.offset:
            raise ValueError(f"a clock cannot go back in time (offset {offset} s < {self.offset} s)")
        self.offset = float(offset)

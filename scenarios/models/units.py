"""Durations that carry their unit: seconds and minutes cannot be mixed by mistake.

The models count in seconds (waiting rooms, the national day), minutes (the review queue) and
hours (staffing). A :class:`Duration` is built from a number *and* its unit and read back in
the unit asked for, so no caller multiplies by 60 (or forgets to). It adds to, subtracts from
and compares with another Duration only; a bare number is refused with a ``TypeError``, as is
``float(duration)``: ``wait + 30`` does not say whether 30 is seconds or minutes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Duration:
    """A length of time; build it with :meth:`of_seconds`, :meth:`of_minutes` or :meth:`of_hours`."""

    _seconds: float

    @classmethod
    def of_seconds(cls, value: float) -> Duration:
        """``value`` seconds."""
        return cls(_number(value))

    @classmethod
    def of_minutes(cls, value: float) -> Duration:
        """``value`` minutes."""
        return cls(_number(value) * 60.0)

    @classmethod
    def of_hours(cls, value: float) -> Duration:
        """``value`` hours."""
        return cls(_number(value) * 3600.0)

    @property
    def seconds(self) -> float:
        """In seconds."""
        return self._seconds

    @property
    def minutes(self) -> float:
        """In minutes."""
        return self._seconds / 60.0

    @property
    def hours(self) -> float:
        """In hours."""
        return self._seconds / 3600.0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self._seconds + _duration(other, "add").seconds)

    def __sub__(self, other: Duration) -> Duration:
        return Duration(self._seconds - _duration(other, "subtract").seconds)

    def __mul__(self, factor: float) -> Duration:
        """A Duration times a plain count (patients, visits): still a Duration."""
        return Duration(self._seconds * _number(factor))

    __rmul__ = __mul__

    def __truediv__(self, other: Duration) -> float:
        """The ratio of two Durations (a plain number); dividing by a bare number is refused."""
        return self._seconds / _duration(other, "divide by").seconds

    def __float__(self) -> float:
        raise TypeError("a Duration has no bare value: read .seconds, .minutes or .hours")

    def __str__(self) -> str:
        return f"{self._seconds:g} s"


def _duration(other: object, verb: str) -> Duration:
    if not isinstance(other, Duration):
        raise TypeError(f"cannot {verb} a Duration and a {type(other).__name__}: say its unit "
                        "(Duration.of_seconds, of_minutes, of_hours)")
    return other


def _number(value: object) -> float:
    if isinstance(value, Duration | bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a plain number, not {type(value).__name__}")
    return float(value)

"""Cumulative adoption curves through the public points.

Between two points growth is exponential (a straight line on a log scale), so every point
is met exactly. After the last point, activations follow a logistic curve starting with
the last segment's growth rate and tending to the ceiling; practitioners grow by a fixed
number each month up to theirs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

from scenarios.models.rollout.params import Curve, PractitionerCurve

DAYS_PER_MONTH = 365.25 / 12


def _segments(curve: Curve) -> list[tuple[dt.date, float]]:
    return sorted(curve.points.items())


def _interpolated(points: list[tuple[dt.date, float]], day: dt.date) -> float:
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if d0 <= day <= d1:
            fraction = (day - d0).days / (d1 - d0).days
            return v0 * (v1 / v0) ** fraction
    first_day, first = points[0]
    (d0, v0), (d1, v1) = points[0], points[1]
    rate = math.log(v1 / v0) / (d1 - d0).days
    return first * math.exp(rate * (day - first_day).days)  # before the first point


def activations(curve: Curve, day: dt.date) -> float:
    """Insured who had activated the app by ``day``."""
    points = _segments(curve)
    last_day, last = points[-1]
    if day <= last_day:
        return _interpolated(points, day)
    (d0, v0) = points[-2]
    rate = math.log(last / v0) / (last_day - d0).days
    # logistic through (last_day, last) whose initial relative growth is ``rate``
    k = curve.ceiling
    growth = rate / (1 - last / k)
    elapsed = (day - last_day).days
    return k / (1 + (k / last - 1) * math.exp(-growth * elapsed))


def practitioners(curve: PractitionerCurve, day: dt.date) -> float:
    """Professionals billing with the app by ``day``."""
    points = _segments(curve)
    last_day, last = points[-1]
    if day <= last_day:
        return _interpolated(points, day)
    months = (day - last_day).days / DAYS_PER_MONTH
    return min(curve.ceiling, last + curve.monthly_increase * months)

"""Timing requirements judged from trace timestamps against the catalogue's budgets.

The measured value is recorded as a measurement with the budget as its upper limit (the
``measure`` fixture), so every writer shows it beside the verdict and a value over the budget
fails the test; the rig's ``calibration`` may add a known fixed delay of the bench to a budget
(``<requirement id>_ms``, e.g. a USB reader's own latency measured once).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from apcv.profile.catalogue import load_catalogue
from apcv.trace.events import TraceEvent
from harness.rig import RigConfig


def budget_ms(requirement_id: str, rig: RigConfig | None = None) -> float:
    """The budget of a timing requirement, plus the rig's calibration for it."""
    requirement = load_catalogue().by_id()[requirement_id]
    if requirement.budget_ms is None:
        raise ValueError(f"{requirement_id} is not a timing requirement")
    extra = rig.calibration.get(f"{requirement_id}_ms", 0.0) if rig is not None else 0.0
    return requirement.budget_ms + extra


def exchanges(events: Sequence[TraceEvent]) -> list[tuple[float, float]]:
    """(command time, response time) of each APDU answered in a trace, in seconds."""
    pairs, pending = [], None
    for event in events:
        if event.kind == "command":
            pending = event.timestamp
        elif event.kind == "response" and pending is not None:
            pairs.append((pending, event.timestamp))
            pending = None
    return pairs


def judge(requirement_id: str, measured_ms: Sequence[float], rig: RigConfig | None,
          measure: Callable[..., object], statistic: str = "max") -> tuple[float, float]:
    """Measure ``statistic`` of ``measured_ms`` (max, median or p95) against the requirement's
    budget as the upper limit; return (value, budget)."""
    if not measured_ms:
        raise ValueError(f"{requirement_id}: nothing was measured")
    ordered = sorted(measured_ms)
    value = {"max": ordered[-1], "median": statistics.median(ordered),
             "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]}[statistic]
    budget = budget_ms(requirement_id, rig)
    measure(f"{requirement_id} {statistic}", round(value, 3), unit="ms", high=budget, samples=measured_ms)
    return value, budget

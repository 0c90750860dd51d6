"""The ensemble's targets, checked on a matrix: what ``qr-bench`` prints under the table.

- on every condition, the ensemble reads at least as often as the best single library;
- on every mild condition, it reads 95 % of the frames or more;
- on every mild condition, its median decode time at 1280×720 is 30 ms or less.
"""

from __future__ import annotations

from dataclasses import dataclass

from apcv.imaging.decoders import LIBRARIES
from harness.qr_bench.matrix import Matrix

MILD_READ_RATE = 0.95
MILD_MEDIAN_MS = 30.0


@dataclass(frozen=True)
class Target:
    """One target: what it asks, whether the run met it, and the figures behind the verdict."""

    title: str
    met: bool
    detail: str


def check_targets(matrix: Matrix) -> list[Target]:
    """The targets the run can judge (they need the ensemble; the first also every library)."""
    if "ensemble" not in matrix.decoders:
        return []
    targets = []
    singles = [d for d in matrix.decoders if d in LIBRARIES]
    if set(singles) == set(LIBRARIES):
        behind = []
        for condition in matrix.conditions:
            best = max(matrix.cell(condition.name, d).reads for d in singles)
            if matrix.cell(condition.name, "ensemble").reads < best:
                behind.append(condition.name)
        targets.append(Target("ensemble reads at least as often as the best single decoder on every "
                              "condition", not behind, f"behind on {', '.join(behind)}" if behind
                              else f"{len(matrix.conditions)} conditions"))
    mild = [c.name for c in matrix.conditions if c.level == "mild"]
    if mild:
        cells = [matrix.cell(name, "ensemble") for name in mild]
        low = [f"{c.condition} {c.read_rate:.0%}" for c in cells if c.read_rate < MILD_READ_RATE]
        worst = min(c.read_rate for c in cells)
        targets.append(Target(f"ensemble reads {MILD_READ_RATE:.0%} or more on every mild condition",
                              not low, ", ".join(low) if low else f"lowest {worst:.0%}"))
        slow = [f"{c.condition} {c.median_ms:.1f} ms" for c in cells if c.median_ms > MILD_MEDIAN_MS]
        slowest = max(cells, key=lambda c: c.median_ms)
        targets.append(Target(f"ensemble median decode time ≤ {MILD_MEDIAN_MS:g} ms on every mild "
                              "condition (1280×720)", not slow, ", ".join(slow) if slow else
                              f"slowest {slowest.condition} {slowest.median_ms:.1f} ms"))
    return targets

"""The load run's per-second chart: requests, failures and p95 each second, each fault's window
shaded where the fault plan put it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the timeline chart needs the [load] group's matplotlib")

from scenarios.load.timeline import Bucket
from scenarios.load.timeline_plot import FAULT_GID, FaultWindow, draw_timeline, fault_windows

STARTED = 1_800_000_000.0


def shaded(figure) -> dict[str, tuple[float, float]]:
    """The shaded windows drawn on the chart: label -> (first second, last second)."""
    windows = {}
    for patch in figure.axes[0].patches:
        gid = patch.get_gid() or ""
        if gid.startswith(FAULT_GID):
            windows[gid.removeprefix(FAULT_GID)] = (patch.get_x(), patch.get_x() + patch.get_width())
    return windows


def buckets() -> dict[int, Bucket]:
    timeline = {}
    for second in range(20):
        bucket = Bucket()
        for _ in range(10):
            bucket.add(5.0 + second, "503" if 3 <= second < 5 else None)
        timeline[int(STARTED) + second] = bucket
    return timeline


def test_every_fault_window_is_shaded_where_it_was_on(tmp_path: Path) -> None:
    events = [{"label": "5xx@3s+2s", "started_at": STARTED + 3.0, "ended_at": STARTED + 5.0},
              {"label": "slow-db@11s+3s", "started_at": STARTED + 11.02, "ended_at": STARTED + 14.1}]
    windows = fault_windows(events, STARTED)
    assert windows == [FaultWindow("5xx@3s+2s", 3.0, 5.0),
                       FaultWindow("slow-db@11s+3s", pytest.approx(11.02), pytest.approx(14.1))]
    figure = draw_timeline(buckets(), windows, STARTED)
    drawn = shaded(figure)
    assert drawn == {"5xx@3s+2s": pytest.approx((3.0, 5.0)), "slow-db@11s+3s": pytest.approx((11.02, 14.1))}
    path = tmp_path / "timeline.svg"
    figure.savefig(path, format="svg")
    svg = path.read_text()
    assert 'id="fault:5xx@3s+2s"' in svg and 'id="fault:slow-db@11s+3s"' in svg


def test_a_run_without_faults_shades_nothing() -> None:
    assert shaded(draw_timeline(buckets(), [], STARTED)) == {}

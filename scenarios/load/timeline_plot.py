"""The run's per-second timeline as a chart (matplotlib, SVG): requests and failures each second,
the 95th percentile response time, and every injected fault's window shaded and named.

Seconds count from the start of the timed phase (``started.json``), as the fault plan's
``NAME@AT+FOR`` does, so a shaded window starts at its fault's AT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scenarios.load.collect import STARTED_FILE, TIMELINE_FILE
from scenarios.load.timeline import Bucket, percentile, read_timeline

PLOT_FILE = "timeline.svg"
FAULT_GID = "fault:"
"""Prefix of a shaded window's SVG id (``fault:5xx@3s+2s``), for readers and tests."""
FAULT_COLOURS = ("#d55e00", "#0072b2", "#cc79a7", "#e69f00", "#009e73")
"""Okabe–Ito colours (colour-blind safe), one per fault in turn."""


@dataclass(frozen=True)
class FaultWindow:
    """A fault's window on the chart: its label, and when it was on, in seconds of the timed phase."""

    label: str
    start_s: float
    end_s: float


def fault_windows(events: list[dict], started_at: float) -> list[FaultWindow]:
    """The windows of the injected faults (``faults.json`` rows), relative to ``started_at``."""
    return [FaultWindow(e["label"], e["started_at"] - started_at, e["ended_at"] - started_at) for e in events]


def draw_timeline(buckets: dict[int, Bucket], windows: list[FaultWindow], started_at: float):
    """The figure: requests/s and failures/s per second, p95 ms on a second axis, faults shaded."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4), layout="constrained")
    axes = figure.add_subplot()
    seconds = sorted(buckets)
    x = [second - started_at for second in seconds]
    axes.step(x, [buckets[s].requests for s in seconds], where="post", color="#444444", label="requests/s")
    axes.step(x, [buckets[s].failures for s in seconds], where="post", color="#d55e00", linestyle="--",
              label="failures/s")
    axes.set_xlabel("seconds since the timed phase began")
    axes.set_ylabel("requests per second")
    axes.set_ylim(bottom=0)
    latency = axes.twinx()
    p95 = [percentile(buckets[s].times, 0.95) for s in seconds]
    latency.plot(x, [float("nan") if v is None else v for v in p95], color="#0072b2", linewidth=1,
                 label="p95 ms")
    latency.set_ylabel("p95 response time (ms)")
    latency.set_ylim(bottom=0)
    for index, window in enumerate(windows):
        # a kill lasts until the service answers again: at least a visible sliver
        end = max(window.end_s, window.start_s + 0.2)
        axes.axvspan(window.start_s, end, color=FAULT_COLOURS[index % len(FAULT_COLOURS)], alpha=0.2,
                     label=f"fault {window.label}", gid=FAULT_GID + window.label)
    lines, labels = axes.get_legend_handles_labels()
    more_lines, more_labels = latency.get_legend_handles_labels()
    figure.legend(lines + more_lines, labels + more_labels, loc="outside lower center", fontsize="small",
                  ncols=min(4, len(labels) + len(more_labels)))
    axes.set_title("What the users saw, second by second")
    return figure


def plot_timeline(report_dir: Path, events: list[dict]) -> Path | None:
    """Write ``timeline.svg`` from the run's timeline and fault events; None when the timed phase
    never started (no second to draw)."""
    started = report_dir / STARTED_FILE
    buckets = read_timeline(report_dir / TIMELINE_FILE)
    if not started.exists() or not buckets:
        return None
    started_at = float(json.loads(started.read_text())["at"])
    path = report_dir / PLOT_FILE
    draw_timeline(buckets, fault_windows(events, started_at), started_at).savefig(path, format="svg")
    return path

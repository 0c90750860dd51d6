"""PNG plots of waiting-room comparisons (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from scenarios.models.replications import MixSummary
from scenarios.models.waiting_room import QUEUE_STEP_S


def plot_waiting_room(summaries: list[MixSummary], title: str, start_hour: float,
                      directory: Path) -> list[Path]:
    """Identification time per week (with intervals) and queue length over the day, one PNG each."""
    directory.mkdir(parents=True, exist_ok=True)
    labels = [s.mix for s in summaries]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    weekly = [s.identification_per_week_s.scaled(1 / 3600) for s in summaries]
    errors = [[w.mean - w.low if w.has_interval else 0.0 for w in weekly],  # type: ignore[operator]
              [w.high - w.mean if w.has_interval else 0.0 for w in weekly]]  # type: ignore[operator]
    axes.barh(labels, [w.mean for w in weekly], xerr=errors, color="#3b7dd8", capsize=4)
    axes.set_xlabel("hours per week spent identifying patients (95 % interval)")
    axes.set_title(title)
    figure.tight_layout()
    identification = directory / "identification_per_week.png"
    figure.savefig(identification, dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for summary in summaries:
        hours = [start_hour + i * QUEUE_STEP_S / 3600 for i in range(len(summary.queue_profile))]
        axes.plot(hours, summary.queue_profile, label=summary.mix)
    axes.set_xlabel("hour of day")
    axes.set_ylabel("patients waiting (mean over days)")
    axes.set_title(f"{title}: queue length over the day")
    axes.legend(fontsize="small")
    figure.tight_layout()
    queue = directory / "queue_over_day.png"
    figure.savefig(queue, dpi=100)
    plt.close(figure)
    return [identification, queue]

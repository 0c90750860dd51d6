"""PNG plots of the rollout (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from scenarios.models.rollout.model import RolloutDay
from scenarios.models.rollout.review_sizing import ReviewSizing


def plot_rollout(days: list[RolloutDay], hourly: dict[int, float], sizings: list[ReviewSizing],
                 directory: Path) -> list[Path]:
    """Adoption over time, operators needed (Erlang C and SimPy), the hourly backend profile; one PNG each."""
    directory.mkdir(parents=True, exist_ok=True)
    dates = [day.date for day in days]
    outputs: list[Path] = []
    charts = [
        ("adoption.png", "rollout: insured and practitioners (log scale)",
         [("insured with the app", [d.activations for d in days]),
          ("practitioners billing with it", [d.practitioners for d in days])], True),
        ("operators.png", "identity-check operators needed",
         [("Erlang C, busiest hour (mean wait)", [d.operators for d in days])], False),
    ]
    for name, title, series, log in charts:
        figure, axes = plt.subplots(figsize=(8, 4.5))
        for label, values in series:
            axes.plot(dates, values, label=label)
        if name == "operators.png" and sizings:
            statistic = sizings[0].target_statistic
            axes.plot([s.date for s in sizings], [s.operators for s in sizings], "o",
                      label=f"SimPy, per shift ({statistic} wait ≤ {sizings[0].target_wait.minutes:g} min)")
        if log:
            axes.set_yscale("log")
        axes.set_title(title)
        axes.legend()
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(directory / name, dpi=100)
        plt.close(figure)
        outputs.append(directory / name)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.bar(list(hourly), list(hourly.values()), color="#3b7dd8")
    axes.set_xlabel("hour of day")
    axes.set_ylabel("backend requests per second")
    axes.set_title(f"backend load on {days[-1].date.isoformat()}")
    figure.tight_layout()
    figure.savefig(directory / "backend_hourly.png", dpi=100)
    plt.close(figure)
    outputs.append(directory / "backend_hourly.png")
    return outputs

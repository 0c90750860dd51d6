"""PNG plots of the rollout (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from scenarios.models.rollout.model import RolloutDay


def plot_rollout(days: list[RolloutDay], hourly: dict[int, float], directory: Path) -> list[Path]:
    """Adoption over time, operators needed, and the hourly backend profile; one PNG each."""
    directory.mkdir(parents=True, exist_ok=True)
    dates = [day.date for day in days]
    outputs: list[Path] = []
    charts = [
        ("adoption.png", "rollout: insured and practitioners (log scale)",
         [("insured with the app", [d.activations for d in days]),
          ("practitioners billing with it", [d.practitioners for d in days])], True),
        ("operators.png", "identity-check operators needed (busiest hour, Erlang C)",
         [("operators", [d.operators for d in days])], False),
    ]
    for name, title, series, log in charts:
        figure, axes = plt.subplots(figsize=(8, 4.5))
        for label, values in series:
            axes.plot(dates, values, label=label)
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

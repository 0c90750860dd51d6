"""Outputs of a hardware-in-the-loop run: measured beside modelled read times as a PNG and a page.

A run is a list of entries, one per adoption mix, as ``apcv-hil waiting-room --realtime``
prints them in JSON: ``mix``, ``served``, ``reads`` (rows of :func:`hil.compare_reads`) and
``traces`` (paths of the saved JSONL and pcapng traces).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from scenarios.models.identification import Mix
from scenarios.models.report import ModelReport, ReportTable, number

PLOT = "rig_reads.png"


def trace_stem(mix: Mix) -> str:
    """File name stem of a mix's traces: ``card-50-nfc-50``."""
    return re.sub(r"[^a-z0-9]+", "-", mix.label.lower()).strip("-")


def plot_rig_reads(entries: list[dict], directory: Path) -> Path:
    """Bars of modelled and measured mean read time per mix and method (log scale)."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [(f"{entry['mix']}\n{row['method']}", row) for entry in entries for row in entry["reads"]]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    positions = range(len(rows))
    axes.bar([p - 0.2 for p in positions], [r["modelled_mean_s"] for _, r in rows], width=0.4,
             label="modelled", color="#9e9e9e")
    axes.bar([p + 0.2 for p in positions], [r["measured_mean_s"] or 0 for _, r in rows], width=0.4,
             label="measured on the rig", color="#3b7dd8")
    axes.set_xticks(list(positions), [label for label, _ in rows], fontsize="small")
    axes.set_yscale("log")
    axes.set_ylim(top=10 * max([r["modelled_mean_s"] for _, r in rows], default=1))  # room for the legend
    axes.set_ylabel("mean read time (s, log scale)")
    axes.set_title("reads: measured on the rig vs modelled")
    axes.legend()
    figure.tight_layout()
    path = directory / PLOT
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def reads_table(entries: list[dict]) -> ReportTable:
    """One row per mix and method: reads, modelled and measured means, measured p95, failed reads."""
    def seconds(value: float | None) -> str:
        return "-" if value is None else number(value, 4)

    columns = ["mix", "method", "reads", "modelled mean s", "measured mean s", "measured p95 s", "failed"]
    rows = [[entry["mix"], row["method"], str(row["reads"]), seconds(row["modelled_mean_s"]),
             seconds(row["measured_mean_s"]), seconds(row["measured_p95_s"]), str(row["failed"])]
            for entry in entries for row in entry["reads"]]
    return ReportTable("reads", "Reads on the rig", columns, rows)


def hil_report(facts: dict[str, str], entries: list[dict], plots: list[Path], directory: Path) -> ModelReport:
    """The page of one run; trace links are relative to ``directory``."""
    links = [os.path.relpath(path, directory) for entry in entries for path in entry["traces"].values()]
    return ModelReport("Hardware in the loop", facts, [reads_table(entries)], plots, links)

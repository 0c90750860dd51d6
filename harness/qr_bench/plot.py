"""The heat map of a matrix: read rate per condition (rows) and decoder (columns), PNG."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from harness.qr_bench.matrix import Matrix


def heat_map_png(matrix: Matrix) -> bytes:
    """The heat map as PNG bytes: colour is the read rate, each cell says rate and median ms."""
    rows = [c.name for c in matrix.conditions]
    rates = np.array([[matrix.cell(r, d).read_rate for d in matrix.decoders] for r in rows])
    figure, axes = plt.subplots(figsize=(1.7 * len(matrix.decoders) + 2.5, 0.34 * len(rows) + 1.6))
    image = axes.imshow(rates, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(matrix.decoders)), matrix.decoders)
    axes.set_yticks(range(len(rows)), rows)
    axes.xaxis.tick_top()
    for y, row in enumerate(rows):
        for x, decoder in enumerate(matrix.decoders):
            cell = matrix.cell(row, decoder)
            axes.text(x, y, f"{cell.read_rate:.0%}  {cell.median_ms:.1f} ms", ha="center", va="center",
                      fontsize=7.5, color="white" if not 0.15 <= cell.read_rate <= 0.85 else "black")
    figure.colorbar(image, ax=axes, label="read rate", fraction=0.04)
    axes.set_title(f"QR read rate and median decode time, {matrix.frames} frames per cell, 1280×720",
                   fontsize=9, pad=24)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def write_heat_map(matrix: Matrix, path: Path) -> Path:
    """Write the heat map PNG to ``path`` (its folder created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(heat_map_png(matrix))
    return path

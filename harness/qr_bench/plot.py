"""The heat map of a matrix: read rate per condition (rows) and decoder (columns), PNG."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps

from harness.qr_bench.matrix import Matrix

COLOURMAP = "cividis"
"""Read rate 0 → dark blue, 1 → yellow: even in lightness, readable by people with a red-green
colour vision deficiency (the old red-yellow-green one was not)."""


def fill(rate: float) -> tuple[float, float, float, float]:
    """The heat map's colour (RGBA) for a read rate in [0, 1]."""
    return colormaps[COLOURMAP](rate)


def ink(rate: float) -> str:
    """Black or white, whichever reads better on :func:`fill` of ``rate`` (WCAG relative luminance)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue, _ = fill(rate)
    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def heat_map_png(matrix: Matrix) -> bytes:
    """The heat map as PNG bytes: colour is the read rate, each cell says rate and median ms."""
    rows = [c.name for c in matrix.conditions]
    rates = np.array([[matrix.cell(r, d).read_rate for d in matrix.decoders] for r in rows])
    figure, axes = plt.subplots(figsize=(1.7 * len(matrix.decoders) + 2.5, 0.34 * len(rows) + 1.6))
    image = axes.imshow(rates, cmap=COLOURMAP, vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(matrix.decoders)), matrix.decoders)
    axes.set_yticks(range(len(rows)), rows)
    axes.xaxis.tick_top()
    for y, row in enumerate(rows):
        for x, decoder in enumerate(matrix.decoders):
            cell = matrix.cell(row, decoder)
            axes.text(x, y, f"{cell.read_rate:.0%}  {cell.median_ms:.1f} ms", ha="center", va="center",
                      fontsize=7.5, color=ink(cell.read_rate))
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

"""Charts of the HTML report, drawn by matplotlib as inline SVG (text kept as text).

Only distributions are charted: a measurement that kept at least :data:`MIN_DISTRIBUTION`
samples gets a histogram with its p50, p95 and max marked and its limit as a line. A value
against its limit is text and a CSS bar in the page, not a chart. matplotlib comes with the
``[models]`` group: without it the page keeps the same figures in words.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

MIN_DISTRIBUTION = 10  # fewer samples make a histogram of one or two bars: the text says it better
COLOURS = {"bars": "#4477aa", "marks": "#222222", "limit": "#cc3311"}  # Paul Tol's bright scheme


@dataclass(frozen=True)
class Spread:
    """The p50, p95 and max of a set of samples, and how many there were."""

    count: int
    p50: float
    p95: float
    max: float

    def describe(self, unit: str) -> str:
        """``p50 2.5 ms · p95 3.1 ms · max 4 ms (40 samples)``."""
        unit = f" {unit}" if unit else ""
        return (f"p50 {self.p50:.3g}{unit} · p95 {self.p95:.3g}{unit} · max {self.max:.3g}{unit} "
                f"({self.count} samples)")


def spread(samples: Sequence[float]) -> Spread | None:
    """p50/p95/max of the finite ``samples`` (nearest-rank percentiles), None without any."""
    data = sorted(x for x in samples if math.isfinite(x))
    if not data:
        return None

    def rank(q: float) -> float:
        return data[max(0, math.ceil(q * len(data)) - 1)]

    return Spread(len(data), rank(0.5), rank(0.95), data[-1])


def distribution_svg(samples: Sequence[float], *, label: str, unit: str = "",
                     low: float | None = None, high: float | None = None) -> Markup | None:
    """A histogram of ``samples`` with p50/p95/max and the limits marked; None under
    :data:`MIN_DISTRIBUTION` finite samples."""
    data = [x for x in samples if math.isfinite(x)]
    stats = spread(data)
    if stats is None or stats.count < MIN_DISTRIBUTION:
        return None
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:  # an install without the [models] group: the page gives p50/p95/max in words
        return None

    figure = Figure(figsize=(4.2, 1.7), dpi=72)
    draw_histogram(figure.subplots(), data, stats, label=label, unit=unit, low=low, high=high)
    figure.tight_layout(pad=0.3)
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "apcv-hil"}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    # inline in HTML: no XML prolog, no namespace declarations (the HTML parser knows svg and
    # xlink), no RDF metadata; the page keeps no web address
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    return Markup(svg.replace("<svg ", f'<svg class="chart" role="img" aria-label="{escape(label)}" ', 1))


def draw_histogram(axes, data: Sequence[float], stats: Spread, *, label: str, unit: str = "",
                   low: float | None = None, high: float | None = None) -> None:
    """On matplotlib ``axes``: the histogram of ``data``, its p50, p95 and max as lines (named in
    the legend with their values) and the limits given."""
    axes.hist(data, bins=min(30, max(8, stats.count // 4)), color=COLOURS["bars"])
    for name, value, style in (("p50", stats.p50, ":"), ("p95", stats.p95, "--"), ("max", stats.max, "-")):
        axes.axvline(value, color=COLOURS["marks"], linestyle=style, linewidth=1, label=f"{name} {value:.3g}")
    for name, limit in (("low", low), ("high", high)):
        if limit is not None:
            axes.axvline(limit, color=COLOURS["limit"], linewidth=2, label=f"{name} limit {limit:.3g}")
    axes.set_xlabel(unit or label, fontsize=8)
    axes.set_ylabel("count", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.ticklabel_format(axis="x", style="plain", useOffset=False)
    axes.legend(fontsize=7, frameon=False, loc="upper right")
    axes.spines[["top", "right"]].set_visible(False)

"""Small inline SVG charts for the HTML report: no script, no external file, drawn by any browser.

- :func:`histogram_svg`: how a set of times spreads (APDU turnarounds of a requirement's tests),
  with the requirement's budget as a line when it has one;
- :func:`measurement_svg`: one measurement across tests, a bar per test coloured by its
  verdict, the limits as dashed lines.

Every bar is a ``<rect class="bar">`` with a positive height, so a test can tell a drawn
chart from an empty one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 140
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 14, 30


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _svg(label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _axes(y_max: float, unit: str, x_left: str, x_right: str) -> list[str]:
    bottom, plot_right = HEIGHT - BOTTOM, WIDTH - RIGHT
    return [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{plot_right}" y2="{bottom}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_fmt(y_max))}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{bottom}" text-anchor="end">0</text>',
        f'<text class="tick" x="{LEFT}" y="{bottom + 14}">{escape(x_left)}</text>',
        f'<text class="tick" x="{plot_right}" y="{bottom + 14}" text-anchor="end">{escape(x_right)}</text>',
        f'<text class="unit" x="{(LEFT + plot_right) / 2}" y="{HEIGHT - 3}" text-anchor="middle">'
        f"{escape(unit)}</text>",
    ]


def histogram_svg(values: Sequence[float], *, label: str, unit: str = "ms", budget: float | None = None,
                  bins: int = 12) -> Markup | None:
    """A histogram of ``values`` (None when there are none)."""
    data = [v for v in values if math.isfinite(v)]
    if not data:
        return None
    low, high = min(data), max(data + ([budget] if budget is not None else []))
    span = (high - low) or max(abs(high), 1e-3)
    width = span / bins
    counts = [0] * bins
    for value in data:
        counts[min(int((value - low) / width), bins - 1)] += 1
    top = max(counts)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axes(top, f"{unit} ({len(data)} values)", _fmt(low), _fmt(low + span))
    bar_w = plot_w / bins
    for index, count in enumerate(counts):
        if count:
            h = max(plot_h * count / top, 1.0)
            x = LEFT + index * bar_w
            start = low + index * width
            body.append(f'<rect class="bar" x="{x + 1:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                        f'width="{bar_w - 2:.1f}" height="{h:.1f}"><title>{count} between '
                        f"{escape(_fmt(start))} and {escape(_fmt(start + width))} {escape(unit)}"
                        "</title></rect>")
    if budget is not None:
        x = LEFT + plot_w * (budget - low) / span
        body.append(f'<line class="limit" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}">'
                    f"<title>budget {escape(_fmt(budget))} {escape(unit)}</title></line>")
    return _svg(label, body)


def measurement_svg(points: Sequence[tuple[str, float, bool]], *, label: str, unit: str = "",
                    low: float | None = None, high: float | None = None) -> Markup | None:
    """One bar per ``(test, value, passed)``, the limits as dashed lines (None without points)."""
    data = [(name, value, ok) for name, value, ok in points if math.isfinite(value)]
    if not data:
        return None
    limits = [v for v in (low, high) if v is not None]
    top = max([abs(v) for _, v, _ in data] + limits) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axes(top, f"{unit} ({len(data)} tests)" if unit else f"{len(data)} tests", "", "")
    bar_w = plot_w / len(data)
    for index, (name, value, ok) in enumerate(data):
        h = max(plot_h * abs(value) / top, 1.0)
        x = LEFT + index * bar_w
        body.append(f'<rect class="bar {"pass" if ok else "fail"}" x="{x + 0.5:.1f}" '
                    f'y="{HEIGHT - BOTTOM - h:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}">'
                    f"<title>{escape(name)}: {escape(_fmt(value))} {escape(unit)}</title></rect>")
    for kind, limit in (("low", low), ("high", high)):
        if limit is not None:
            y = HEIGHT - BOTTOM - plot_h * abs(limit) / top
            body.append(f'<line class="limit" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}">'
                        f"<title>{kind} limit {escape(_fmt(limit))} {escape(unit)}</title></line>")
    return _svg(label, body)

"""``apcv-hil read --count N --plot FILE``: the histogram of each step's read times, to a file.

One panel per step of the presentation (detect, select, session, ..., total), each with its
p50, p95 and max marked as the table prints them (nearest rank). matplotlib draws it (the
``[models]`` group); the file's suffix picks the format: ``.svg``, ``.png`` or ``.pdf``.
"""

from __future__ import annotations

import math
from pathlib import Path

from harness.report.charts import MIN_DISTRIBUTION, draw_histogram, spread

FORMATS = ("svg", "png", "pdf")
COLUMNS = 3


def check_plot(path: Path, count: int) -> None:
    """Refuse a plot that cannot be drawn, before any read: :class:`ValueError` saying why."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the file's suffix picks the format: {', '.join('.' + f for f in FORMATS)}")
    if count < MIN_DISTRIBUTION:
        raise ValueError(f"a distribution needs --count {MIN_DISTRIBUTION} or more (got {count})")
    if not path.parent.is_dir():
        raise ValueError(f"{path}: no folder {path.parent}")
    import matplotlib  # noqa: F401  (missing: one line naming the [models] group, before any read)


def plot_read_times(timings: list[dict[str, float]], path: Path, title: str) -> Path:
    """Write the histograms of ``timings`` (one dict of step -> ms per read) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    steps = list(timings[0])
    rows = math.ceil(len(steps) / COLUMNS)
    figure = Figure(figsize=(4.2 * COLUMNS, 2.4 * rows), layout="constrained")
    figure.suptitle(title)
    panels = figure.subplots(rows, COLUMNS, squeeze=False).flat
    for step, axes in zip(steps, panels, strict=False):
        values = [t[step] for t in timings]
        stats = spread(values)
        assert stats is not None  # at least MIN_DISTRIBUTION reads, each timed
        draw_histogram(axes, values, stats, label=step, unit="ms")
        axes.set_title(step, fontsize=9)
    for axes in list(panels):
        axes.set_visible(False)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "apcv-hil"}):
        figure.savefig(path, format=path.suffix.lower().lstrip("."), metadata={"Date": None} if
                       path.suffix.lower() == ".svg" else None)
    return path

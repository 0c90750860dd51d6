"""The HTML report of a model run (``index.html`` beside the PNG plots).

One self-contained page with the look of the harness test report (its template extends the
harness's ``base.html.j2`` through :func:`harness.report.html.page_environment`): inline CSS,
the plots embedded as base64 PNG, nothing fetched. Every text is passed through
:func:`harness.report.mask_text` before rendering, so no NIR reaches the page; trace links are
relative to the page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import PackageLoader

from harness.report.files import write_atomic
from harness.report.html import page_environment
from harness.report.masking import mask_text
from scenarios.models.stats import Estimate

FILENAME = "index.html"


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: an id (``key``), a caption, column names and rows of text cells."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""

    def masked(self) -> ReportTable:
        """A copy with every text masked."""
        return ReportTable(self.key, mask_text(self.caption), [mask_text(c) for c in self.columns],
                           [[mask_text(cell) for cell in row] for row in self.rows], mask_text(self.note))


@dataclass(frozen=True)
class ModelReport:
    """What the page shows: a title, facts about the run, tables, plots and links to files."""

    title: str
    facts: dict[str, str] = field(default_factory=dict)
    tables: list[ReportTable] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def masked(self) -> ModelReport:
        """A copy with every text masked."""
        return ModelReport(mask_text(self.title), {mask_text(k): mask_text(v) for k, v in self.facts.items()},
                           [t.masked() for t in self.tables], self.images, [mask_text(x) for x in self.links])


@dataclass(frozen=True)
class _Image:
    name: str
    data: str


def render_report(report: ModelReport) -> str:
    """The page as text (masked, images inlined)."""
    env = page_environment(PackageLoader("scenarios.models", "templates"))
    images = [_Image(path.name, base64.b64encode(path.read_bytes()).decode("ascii"))
              for path in report.images]
    return env.get_template("model_report.html.j2").render(report=report.masked(), images=images)


def write_report(report: ModelReport, directory: Path) -> Path:
    """Write ``index.html`` into ``directory``; returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_report(report))


def number(value: float, digits: int = 2) -> str:
    """A figure for a report cell: fixed decimals, thousands separated."""
    return f"{value:,.{digits}f}"


def interval_cells(estimate: Estimate, digits: int = 2) -> list[str]:
    """Report cells ``mean, low, high``; without an interval, ``n/a (reason)`` in the low cell."""
    if not estimate.has_interval:
        return [number(estimate.mean, digits), f"n/a ({estimate.reason})", "n/a"]
    return [number(estimate.mean, digits), number(estimate.low, digits),  # type: ignore[arg-type]
            number(estimate.high, digits)]  # type: ignore[arg-type]

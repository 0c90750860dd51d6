"""HTML writer (``index.html``): one self-contained page, organised by requirement id.

The page is rendered from the package template ``templates/report.html.j2`` with autoescaping on; CSS
is inline and nothing is fetched, so the file can be mailed or archived as is. Trace
links are relative to the report directory.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import RunRecord

FILENAME = "index.html"
TEMPLATE = "report.html.j2"


def _number(value: str | float) -> str:
    """Render a property value: floats with 6 significant digits, anything else as is."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["href"] = lambda path: quote(path, safe="/")
    return env


def render_html(record: RunRecord) -> str:
    """The ``index.html`` page for ``record`` (masked), as text."""
    record = mask_record(record)
    anchors: dict[str, str] = {}
    for index, result in enumerate(record.results, start=1):
        anchors.setdefault(result.nodeid, f"test-{index}")
    return _environment().get_template(TEMPLATE).render(
        record=record,
        counts=record.counts(),
        requirements=record.by_requirement(),
        anchors=anchors,
    )


def write_html(record: RunRecord, directory: Path) -> Path:
    """Write ``index.html`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_html(record))

"""HTML writer (``index.html``): one self-contained page a person reads, organised by requirement.

Failures come first; a filter bar narrows tests and requirements by verdict, role and
requirement; the requirement matrix splits the plan into mandatory and optional requirements,
each with a histogram of its APDU turnarounds; every measurement is charted with its limits;
every test shows its faults, measurements and trace as an APDU table (command names, status
word meanings, times) beside the pcapng and JSON-lines files; a failed scan's captured frame
is embedded. CSS, script and charts (inline SVG) are in the page, nothing is fetched, so the
file can be mailed or archived as is. Trace links are relative to the report directory.

:func:`page_environment` gives every apcv-hil page (the models' reports too) the same look:
their templates extend ``base.html.j2``.
"""

from __future__ import annotations

import base64
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from harness.report.charts import histogram_svg, measurement_svg
from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import NO_REQUIREMENT, RequirementInfo, RunRecord, TestResult
from harness.report.trace_rows import turnarounds_ms
from harness.report.verdict import plan_verdict

FILENAME = "index.html"
TEMPLATE = "report.html.j2"
OUTCOME_ORDER = {"failed": 0, "error": 1, "skipped": 2, "passed": 3}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAX_EMBEDDED_BYTES = 4 * 1024 * 1024


def _number(value: str | float) -> str:
    """Render a property value: floats with 6 significant digits, anything else as is."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def duration(seconds: float) -> str:
    """A duration a person reads: ``850 µs``, ``12.3 ms``, ``1.204 s``."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.3f} s"


def page_environment(*loaders: BaseLoader) -> Environment:
    """The Jinja environment of apcv-hil pages: the harness's templates (``base.html.j2``)
    and ``loaders`` (a package's own templates extending it), autoescaped."""
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("harness.report", "templates")]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["duration"] = duration
    env.filters["href"] = lambda path: quote(path, safe="/")
    return env


@dataclass
class TestView:
    """A result with what the page needs beside it."""

    result: TestResult
    anchor: str
    roles: list[str]
    images: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, data URI or None when the file cannot be embedded)."""


@dataclass
class RequirementRow:
    """A line of the requirement matrix."""

    rid: str
    info: RequirementInfo
    verdict: str
    tests: list[TestView]
    chart: Markup | None
    timing: str = ""
    """The median of what the chart shows, in words."""


@dataclass
class MeasurementChart:
    """Every value of one measurement name across tests."""

    name: str
    unit: str
    limits: str
    chart: Markup | None
    failed: int


def _data_uri(directory: Path | None, path: str) -> str | None:
    kind = IMAGE_TYPES.get(Path(path).suffix.lower())
    if directory is None or kind is None:
        return None
    target = directory / path
    try:
        if target.stat().st_size > MAX_EMBEDDED_BYTES:
            return None
        return f"data:{kind};base64,{base64.b64encode(target.read_bytes()).decode('ascii')}"
    except OSError:
        return None


def _tests(record: RunRecord, directory: Path | None) -> list[TestView]:
    views, seen = [], set()
    for index, result in enumerate(record.results, start=1):
        roles = sorted({role for rid in result.requirement_ids
                        for role in (record.requirements[rid].roles if rid in record.requirements else [])})
        anchor = f"test-{index}" if result.nodeid not in seen else f"test-{index}-again"
        seen.add(result.nodeid)
        images = [(path, _data_uri(directory, path)) for path in result.attachments]
        views.append(TestView(result, anchor, roles, images))
    return sorted(views, key=lambda view: OUTCOME_ORDER[view.result.outcome])


def _matrix(record: RunRecord, tests: list[TestView]) -> dict[str, list[RequirementRow]]:
    by_nodeid = {view.result.nodeid: view for view in tests}
    levels: dict[str, list[RequirementRow]] = {"mandatory": [], "optional": [], "outside": [], "untagged": []}
    for rid, group in record.by_requirement().items():
        info = record.requirements.get(rid) or RequirementInfo(title="")
        views = [by_nodeid[result.nodeid] for result in group.results]
        times = [t for view in views for t in turnarounds_ms(view.result.trace)]
        what = "APDU turnaround"
        if not times:
            times, what = [view.result.duration_s * 1000 for view in views], "test duration"
        chart = histogram_svg(times, label=f"{rid}: {what}", budget=info.budget_ms)
        timing = f"{what} median {statistics.median(times):.3g} ms ({len(times)})" if times else ""
        if rid == NO_REQUIREMENT:
            level = "untagged"
        elif rid not in record.requirements:
            level = "outside"  # named by a test, not in this run's plan
        else:
            level = "optional" if info.level == "optional" else "mandatory"
        levels[level].append(RequirementRow(rid, info, group.verdict, views, chart, timing))
    return levels


def _measurement_charts(tests: list[TestView]) -> list[MeasurementChart]:
    named: dict[str, list] = {}
    for view in tests:
        for measurement in view.result.measurements:
            named.setdefault(measurement.name, []).append((view.result.name, measurement))
    charts = []
    for name, pairs in sorted(named.items()):
        first = pairs[-1][1]
        chart = measurement_svg([(test, m.value, m.passed) for test, m in pairs], label=name,
                                unit=first.unit, low=first.low, high=first.high)
        charts.append(MeasurementChart(name, first.unit, first.limits(), chart,
                                       sum(not m.passed for _, m in pairs)))
    return charts


def render_html(record: RunRecord, directory: Path | None = None) -> str:
    """The ``index.html`` page for ``record`` (masked), as text; images the results attached
    are embedded from ``directory`` (the report directory) when given."""
    record = mask_record(record)
    tests = _tests(record, directory)
    roles = sorted({role for info in record.requirements.values() for role in info.roles})
    return page_environment().get_template(TEMPLATE).render(
        record=record,
        counts=record.counts(),
        tests=tests,
        matrix=_matrix(record, tests),
        measurements=_measurement_charts(tests),
        plan=plan_verdict(record),
        roles=roles,
    )


def write_html(record: RunRecord, directory: Path) -> Path:
    """Write ``index.html`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_html(record, Path(directory)))

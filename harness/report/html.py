"""HTML writer (``index.html``): one self-contained page a person reads in a minute.

The first screen holds the verdict (of the plan, or of the run's mandatory requirements), the
device under test and the mandatory requirements not passed with their reason. Then the
requirement table — one line each, sortable by clicking a heading, filtered by verdict, role
and a search box, its tests and APDU timings folded under each line; then every measurement
as its value against its limit, in words and as a bar to scale, with a distribution chart
(matplotlib SVG) where it kept enough samples; then the tests, failures open and the rest
folded, each with its faults, measurements and trace as an APDU table beside the pcapng and
JSON-lines files (a failed scan's captured frame embedded). CSS, script and charts are in the
page, nothing is fetched, so the file can be mailed or archived as is. Trace links are
relative to the report directory.

:func:`page_environment` gives every apcv-hil page (the models' reports too) the same look:
their templates extend ``base.html.j2``.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from harness.report.charts import distribution_svg, spread
from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import NO_REQUIREMENT, Measurement, RequirementInfo, RunRecord, TestResult
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


def inline_code(text: str) -> Markup:
    """Escape ``text`` and show its `backticked` words as code, as the catalogue writes them."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


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
    env.filters["inline_code"] = inline_code
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
    """A line of the requirement table, and its folded detail."""

    rid: str
    info: RequirementInfo
    verdict: str
    tests: list[TestView]
    reason: str = ""
    """Why it did not pass (the first failure's message, the skip reason), empty when it passed."""
    timing: str = ""
    """APDU turnarounds of its tests as p50/p95/max, in words."""


@dataclass
class MeasurementRow:
    """One measurement of one test: its value against its limit, as text and as a bar to scale."""

    measurement: Measurement
    test: TestView
    scale: tuple[float, float] | None
    """(value, limit) in percent of a scale holding both, for a bar and its limit mark."""
    spread: str = ""
    chart: Markup | None = None


@dataclass
class Headline:
    """The first screen: the verdict in one word, its sentence, and what blocks it."""

    word: str
    tone: str
    sentence: str
    blocking: list[RequirementRow]
    dut: str

    def blocking_by_reason(self) -> list[tuple[str, str, list[RequirementRow]]]:
        """(verdict, reason, requirements) with one line per reason: eight requirements not
        judged because the rig has no billing program are one line, not eight (the reason is
        grouped without the name of the test that gave it)."""
        grouped: dict[tuple[str, str], list[RequirementRow]] = {}
        for row in self.blocking:
            grouped.setdefault((row.verdict, _without_test(row)), []).append(row)
        return [(verdict, reason, rows) for (verdict, reason), rows in grouped.items()]


def _without_test(row: RequirementRow) -> str:
    """``test_x skipped: no billing program`` → ``skipped: no billing program``."""
    for view in row.tests:
        if row.reason.startswith(view.result.name + " "):
            return row.reason.removeprefix(view.result.name + " ")
        if row.reason.startswith(view.result.name + ": "):
            return row.reason.removeprefix(view.result.name + ": ")
    return row.reason


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
        turnarounds = spread([t for view in views for t in turnarounds_ms(view.result.trace)])
        timing = f"APDU turnaround {turnarounds.describe('ms')}" if turnarounds else ""
        if rid == NO_REQUIREMENT:
            level = "untagged"
        elif rid not in record.requirements:
            level = "outside"  # named by a test, not in this run's plan
        else:
            level = "optional" if info.level == "optional" else "mandatory"
        levels[level].append(RequirementRow(rid, info, group.verdict, views, group.reason, timing))
    return levels


def _to_scale(m: Measurement) -> tuple[float, float | None] | None:
    """(bar, mark) in percent of a scale holding the value and its limit: the upper limit at the
    right end when it is the larger, a lower limit with room past it. None without a limit to
    draw against (no limit, or only ``≥ 0``)."""
    limit = m.high if m.high is not None else m.low
    if limit is None or (m.high is None and limit == 0):
        return None
    value = abs(m.value) if math.isfinite(m.value) else 0.0
    scale = max(value, abs(limit)) * (1.0 if m.high is not None else 1.25) or 1.0
    return 100 * value / scale, 100 * abs(limit) / scale


def _measurements(tests: list[TestView]) -> list[MeasurementRow]:
    rows = []
    for view in tests:
        for m in view.result.measurements:
            stats = spread(m.samples) if len(m.samples) > 1 else None
            chart = distribution_svg(m.samples, label=f"{m.name} ({view.result.name})", unit=m.unit,
                                     low=m.low, high=m.high)
            rows.append(MeasurementRow(m, view, _to_scale(m), stats.describe(m.unit) if stats else "", chart))
    return sorted(rows, key=lambda row: (row.measurement.passed, row.measurement.name))


def _headline(record: RunRecord, matrix: dict[str, list[RequirementRow]]) -> Headline:
    """The verdict of the plan (:func:`plan_verdict`: the role's, or the requirements a run
    without one named) in one word, counted in a sentence, with what blocks it."""
    rows = {row.rid: row for level in matrix.values() for row in level}
    dut = ", ".join(f"{key} {value}" for key, value in sorted(record.dut.items())) or \
        f"not declared (rig {record.rig_name})"
    plan = plan_verdict(record)
    blocking = [rows[rid] for rid in plan.blocking() if rid in rows]
    failed = sum(verdict == "failed" for verdict in plan.mandatory.values())
    passed = len(plan.mandatory) - len(plan.blocking())
    whose = f"of the {record.role} plan" if record.role else "checked by this run"
    sentence = (f"{passed} of {len(plan.mandatory)} mandatory requirements {whose} passed, "
                f"{failed} failed, {len(plan.blocking()) - failed} not judged or not applicable")
    if plan.untagged_failures:
        sentence += f"; {len(plan.untagged_failures)} test(s) tied to no requirement failed"
    if plan.interrupted:
        word, tone = "INTERRUPTED", "failed"
    elif record.role:
        word, tone = ("CERTIFIED", "passed") if plan.certified else ("NOT CERTIFIED", "failed")
    else:
        word, tone = ("PASSED", "passed") if plan.certified else ("NOT PASSED", "failed")
    return Headline(word, tone, sentence, blocking, dut)


def render_html(record: RunRecord, directory: Path | None = None) -> str:
    """The ``index.html`` page for ``record`` (masked), as text; images the results attached
    are embedded from ``directory`` (the report directory) when given."""
    record = mask_record(record)
    tests = _tests(record, directory)
    roles = sorted({role for info in record.requirements.values() for role in info.roles})
    matrix = _matrix(record, tests)
    return page_environment().get_template(TEMPLATE).render(
        record=record,
        counts=record.counts(),
        tests=tests,
        matrix=matrix,
        measurements=_measurements(tests),
        headline=_headline(record, matrix),
        roles=roles,
    )


def write_html(record: RunRecord, directory: Path) -> Path:
    """Write ``index.html`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_html(record, Path(directory)))

"""Run every output writer on one record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.report.html import write_html
from harness.report.json_writer import write_json
from harness.report.junit import write_junit
from harness.report.record import RunRecord
from harness.report.traceability import write_traceability

WRITERS: dict[str, Callable[[RunRecord, Path], Path]] = {
    "junit": write_junit,
    "json": write_json,
    "html": write_html,
    "traceability": write_traceability,
}


def write_all(record: RunRecord, directory: Path) -> dict[str, Path]:
    """Write JUnit XML, JSON, HTML and the traceability CSV into ``directory``; paths by writer."""
    return {name: writer(record, Path(directory)) for name, writer in WRITERS.items()}

"""Traceability matrix writer (``traceability.csv``): requirement → tests → verdict → measurements.

One row per requirement and test that checks it (a requirement no test checked has one row
with no test), in the order of the requirement matrix; spreadsheet-ready UTF-8 CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import RequirementInfo, RunRecord, TestResult

FILENAME = "traceability.csv"
COLUMNS = ("requirement", "title", "level", "kind", "roles", "requirement_verdict", "test", "outcome",
           "duration_s", "measurements", "faults")


def _measurements(result: TestResult) -> str:
    return "; ".join(m.describe() for m in result.measurements)


def render_traceability(record: RunRecord) -> str:
    """The CSV text for ``record`` (masked)."""
    record = mask_record(record)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rid, group in record.by_requirement().items():
        info = record.requirements.get(rid) or RequirementInfo(title="")
        head = [rid, info.title, info.level, info.kind, " ".join(info.roles), group.verdict]
        if not group.results:
            writer.writerow([*head, "", "not tested", "", "", ""])
        for result in group.results:
            writer.writerow([*head, result.nodeid, result.outcome, f"{result.duration_s:.6f}",
                             _measurements(result), "; ".join(result.faults)])
    return out.getvalue()


def write_traceability(record: RunRecord, directory: Path) -> Path:
    """Write ``traceability.csv`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_traceability(record))

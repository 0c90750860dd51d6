"""JSON writer (``results.json``): the masked record plus a summary, for machines.

The file reads back with :meth:`RunRecord.from_dict`, which ignores the ``summary`` key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import RunRecord
from harness.report.verdict import plan_verdict

FILENAME = "results.json"


def summarize(record: RunRecord) -> dict[str, Any]:
    """Counts per outcome, total, duration, the verdict of every requirement (and the reason of
    each that did not pass), and the run's verdict with its exit status."""
    groups = record.by_requirement()
    return {
        "total": len(record.results),
        **record.counts(),
        "duration_s": record.duration_s,
        "interrupted": record.interrupted,
        "requirements": {rid: group.verdict for rid, group in groups.items()},
        "reasons": {rid: group.reason for rid, group in groups.items() if group.reason},
        "verdict": plan_verdict(record).to_dict(),
    }


def render_json(record: RunRecord) -> str:
    """The ``results.json`` document for ``record`` (masked), as text."""
    record = mask_record(record)
    document = {**record.to_dict(), "summary": summarize(record)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_json(record: RunRecord, directory: Path) -> Path:
    """Write ``results.json`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_json(record))

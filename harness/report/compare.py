"""Regressions between two runs: requirements whose verdict or measurements changed.

A run is a report directory, a certification bundle (its ``report/``) or a ``results.json``.
A measurement changed when it appeared or went, its verdict flipped, or its value moved by
more than a relative tolerance (10 % by default) — timings always jitter a little.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from apcv.input_files import read_text
from harness.report.record import Measurement, RecordError, RunRecord

MAX_RESULTS_BYTES = 256 * 1024 * 1024
DEFAULT_TOLERANCE = 0.10


@dataclass(frozen=True)
class Change:
    """One difference: ``what`` is ``verdict``, ``requirement`` or a measurement ``name (test)``."""

    requirement: str
    what: str
    before: str
    after: str

    def line(self) -> str:
        """``APCV-NFC-001  verdict: passed → failed``."""
        return f"{self.requirement}  {self.what}: {self.before} → {self.after}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


def results_path(run: str | Path) -> Path:
    """The ``results.json`` of a run given as a file, a report directory or a bundle."""
    path = Path(run)
    for candidate in (path, path / "results.json", path / "report" / "results.json"):
        if candidate.is_file():
            return candidate
    raise RecordError(f"{run}: no results.json there (give a report directory, a bundle or a results.json)")


def load_run(run: str | Path) -> RunRecord:
    """The run record of ``run``; RecordError naming the file when it does not read back."""
    path = results_path(run)
    text = read_text(path, limit=MAX_RESULTS_BYTES, what="results file", error=RecordError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}: not a readable results.json: {exc}") from None
    try:
        return RunRecord.from_dict(data)
    except RecordError as exc:
        raise RecordError(f"{path}: {exc}") from None


def _measurements(record: RunRecord) -> dict[str, dict[str, Measurement]]:
    found: dict[str, dict[str, Measurement]] = {}
    for rid, group in record.by_requirement().items():
        for result in group.results:
            for measurement in result.measurements:
                found.setdefault(rid, {})[f"{measurement.name} ({result.name})"] = measurement
    return found


def _value(measurement: Measurement | None) -> str:
    if measurement is None:
        return "absent"
    unit = f" {measurement.unit}" if measurement.unit else ""
    return f"{measurement.value:.4g}{unit} ({'passed' if measurement.passed else 'failed'})"


def _moved(before: Measurement, after: Measurement, tolerance: float) -> bool:
    if before.passed != after.passed:
        return True
    scale = max(abs(before.value), abs(after.value))
    return scale > 0 and abs(after.value - before.value) / scale > tolerance


def compare_runs(before: RunRecord, after: RunRecord, tolerance: float = DEFAULT_TOLERANCE) -> list[Change]:
    """Every requirement whose verdict or measurement differs from ``before`` to ``after``."""
    verdicts = [{rid: g.verdict for rid, g in record.by_requirement().items()} for record in (before, after)]
    measured = [_measurements(record) for record in (before, after)]
    changes: list[Change] = []
    for rid in sorted(verdicts[0].keys() | verdicts[1].keys()):
        old, new = verdicts[0].get(rid), verdicts[1].get(rid)
        if old is None or new is None:
            changes.append(Change(rid, "requirement", old or "absent", new or "absent"))
            continue
        if old != new:
            changes.append(Change(rid, "verdict", old, new))
        pairs = measured[0].get(rid, {}), measured[1].get(rid, {})
        for name in sorted(pairs[0].keys() | pairs[1].keys()):
            a, b = pairs[0].get(name), pairs[1].get(name)
            if a is None or b is None or _moved(a, b, tolerance):
                changes.append(Change(rid, name, _value(a), _value(b)))
    return changes

"""Regressions between two runs, fit to gate CI: what changed, and only what clearly changed.

A run is a report directory, a certification bundle (its ``report/``) or a ``results.json``.
Always flagged: a requirement whose verdict changed, that appeared or went, a measurement that
appeared or went or crossed its limit. A measurement that stayed within its limits is flagged
only when its median moved by more than the tolerance relative to the baseline (``before``)
**and** the move is statistically clear: both runs kept at least :data:`MIN_SAMPLES` samples
of it and a two-sided Mann–Whitney U test (scipy) rejects "same distribution" at ``alpha``.
A move beyond the tolerance that is not clear (too few samples, or p ≥ alpha) is listed apart
and never flagged: one reading of a sub-millisecond step jitters by more than any tolerance.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from apcv.input_files import read_text
from harness.report.record import Measurement, RecordError, RunRecord

MAX_RESULTS_BYTES = 256 * 1024 * 1024
DEFAULT_TOLERANCE = 1.00  # a median must double (or halve): timings on a shared machine swing
DEFAULT_ALPHA = 0.01
MIN_SAMPLES = 5  # with 5 and 5 samples the smallest two-sided Mann–Whitney p is 0.008


@dataclass(frozen=True)
class Change:
    """One difference: ``what`` is ``verdict``, ``requirement`` or a measurement ``name (test)``;
    ``detail`` says by how much and how sure (``+850 %, Mann–Whitney p = 0.0002``)."""

    requirement: str
    what: str
    before: str
    after: str
    detail: str = ""

    def line(self) -> str:
        """``APCV-NFC-001  verdict: passed → failed``."""
        detail = f"  ({self.detail})" if self.detail else ""
        return f"{self.requirement}  {self.what}: {self.before} → {self.after}{detail}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


@dataclass
class Comparison:
    """The changes that gate (``changes``), the moves that were not clear enough to
    (``unclear``), and how many measurements were compared."""

    changes: list[Change] = field(default_factory=list)
    unclear: list[Change] = field(default_factory=list)
    compared: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"changes": [c.to_dict() for c in self.changes],
                "unclear": [c.to_dict() for c in self.unclear], "compared": self.compared}


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


def _samples(measurement: Measurement) -> list[float]:
    values = measurement.samples or [measurement.value]
    return [float(x) for x in values if math.isfinite(x)]


def _value(measurement: Measurement | None) -> str:
    if measurement is None:
        return "absent"
    unit = f" {measurement.unit}" if measurement.unit else ""
    state = "passed" if measurement.passed else "failed"
    if len(measurement.samples) > 1:
        median = statistics.median(_samples(measurement) or [math.nan])
        return f"median {median:.4g}{unit} of {len(measurement.samples)} ({state})"
    return f"{measurement.value:.4g}{unit} ({state})"


def _relative(before: list[float], after: list[float]) -> float:
    """The move of the median, relative to the baseline's; inf from a zero baseline."""
    if not before or not after:
        return math.inf
    base, now = statistics.median(before), statistics.median(after)
    if base == now:
        return 0.0
    return (now - base) / abs(base) if base else math.copysign(math.inf, now - base)


def _p_value(before: list[float], after: list[float]) -> float:
    from scipy.stats import mannwhitneyu  # loaded only when a move needs judging

    return float(mannwhitneyu(before, after, alternative="two-sided").pvalue)


def _judge(rid: str, name: str, a: Measurement, b: Measurement, tolerance: float, alpha: float,
           into: Comparison) -> None:
    """Flag a measurement's move into ``into.changes``, or list it in ``into.unclear``."""
    change = Change(rid, name, _value(a), _value(b))
    if a.passed != b.passed:
        into.changes.append(change)
        return
    before, after = _samples(a), _samples(b)
    moved = _relative(before, after)
    if abs(moved) <= tolerance:
        return
    size = "+inf %" if math.isinf(moved) else f"{moved:+.0%}".replace("%", " %")
    if min(len(before), len(after)) < MIN_SAMPLES:
        into.unclear.append(Change(rid, name, change.before, change.after,
                                   f"{size}; too few samples to judge ({len(before)} and {len(after)}, "
                                   f"{MIN_SAMPLES} needed)"))
        return
    p = _p_value(before, after)
    judged = Change(rid, name, change.before, change.after, f"{size}, Mann–Whitney p = {p:.2g}")
    (into.changes if p < alpha else into.unclear).append(judged)


def compare_runs(before: RunRecord, after: RunRecord, tolerance: float = DEFAULT_TOLERANCE,
                 alpha: float = DEFAULT_ALPHA) -> Comparison:
    """What changed from ``before`` (the baseline) to ``after``; see the module's rules."""
    verdicts = [{rid: g.verdict for rid, g in record.by_requirement().items()} for record in (before, after)]
    measured = [_measurements(record) for record in (before, after)]
    found = Comparison()
    for rid in sorted(verdicts[0].keys() | verdicts[1].keys()):
        old, new = verdicts[0].get(rid), verdicts[1].get(rid)
        if old is None or new is None:
            found.changes.append(Change(rid, "requirement", old or "absent", new or "absent"))
            continue
        if old != new:
            found.changes.append(Change(rid, "verdict", old, new))
        pairs = measured[0].get(rid, {}), measured[1].get(rid, {})
        for name in sorted(pairs[0].keys() | pairs[1].keys()):
            a, b = pairs[0].get(name), pairs[1].get(name)
            if a is None or b is None:
                found.changes.append(Change(rid, name, _value(a), _value(b)))
                continue
            found.compared += 1
            _judge(rid, name, a, b, tolerance, alpha, found)
    found.changes, found.unclear = _merged(found.changes), _merged(found.unclear)
    return found


def _merged(changes: list[Change]) -> list[Change]:
    """One line per measurement: a test checking two requirements is named once with both ids."""
    merged: dict[tuple[str, str, str, str], list[str]] = {}
    for change in changes:
        key = (change.what, change.before, change.after, change.detail)
        merged.setdefault(key, []).append(change.requirement)
    return [Change(", ".join(rids), *key) for key, rids in merged.items()]

"""NIR masking: no report, log line or trace name written by the harness holds a whole NIR.

Every spelling :mod:`apcv.nir_spellings` knows (packed, grouped with spaces, dots or dashes,
without its key, percent-encoded) is masked, whatever its key (a NIR with a typo in its key must
not show either), keeping its first 5 characters and its separators. A run only starts where no
digit (nor a decimal fraction's ``0.``) precedes it, so float timings such as
``0.1234567890123456`` stay readable.
"""

from __future__ import annotations

from dataclasses import replace

from apcv.nir_spellings import mask_nirs
from harness.report.record import Measurement, RequirementInfo, RunRecord, TestResult, TraceRow


def mask_text(text: str) -> str:
    """Mask every NIR spelling in ``text``, keeping its first 5 characters and its separators."""
    return mask_nirs(text, strict=False)


def mask_value(value: str | float) -> str | float:
    """Mask a property value; a number that reads as a NIR becomes a masked string."""
    if isinstance(value, str):
        return mask_text(value)
    masked = mask_text(str(value))
    return value if masked == str(value) else masked


def _mask_result(result: TestResult) -> TestResult:
    return replace(
        result,
        nodeid=mask_text(result.nodeid),
        name=mask_text(result.name),
        requirement_ids=[mask_text(rid) for rid in result.requirement_ids],
        message=mask_text(result.message),
        longrepr=None if result.longrepr is None else mask_text(result.longrepr),
        traces=[mask_text(trace) for trace in result.traces],
        faults=[mask_text(fault) for fault in result.faults],
        properties={mask_text(k): mask_value(v) for k, v in result.properties.items()},
        measurements=[_mask_measurement(m) for m in result.measurements],
        trace=[_mask_row(row) for row in result.trace],
        attachments=[mask_text(path) for path in result.attachments],
    )


def _mask_measurement(measurement: Measurement) -> Measurement:
    return Measurement(mask_text(measurement.name), measurement.value, mask_text(measurement.unit),
                       measurement.low, measurement.high, list(measurement.samples))


def _mask_row(row: TraceRow) -> TraceRow:
    return replace(row, name=mask_text(row.name), meaning=mask_text(row.meaning),
                   detail=mask_text(row.detail))


def _mask_requirement(info: RequirementInfo) -> RequirementInfo:
    return replace(info, title=mask_text(info.title))


def mask_record(record: RunRecord) -> RunRecord:
    """A copy of ``record`` with every text field masked; writers render this copy."""
    return replace(
        record,
        run_id=mask_text(record.run_id),
        rig_name=mask_text(record.rig_name),
        rig_file=mask_text(record.rig_file),
        profile=mask_text(record.profile),
        environment={mask_text(k): mask_text(v) for k, v in record.environment.items()},
        results=[_mask_result(result) for result in record.results],
        requirements={mask_text(k): _mask_requirement(v) for k, v in record.requirements.items()},
        faults_active=[mask_text(fault) for fault in record.faults_active],
        role=mask_text(record.role),
        dut={mask_text(k): mask_text(v) for k, v in record.dut.items()},
        stopped=mask_text(record.stopped),
    )

"""Reports: one :class:`RunRecord` per run, rendered by output writers (JUnit, JSON, HTML).

Every writer masks NIRs (:func:`mask_text`) before writing anything.
"""

from harness.report.html import write_html
from harness.report.json_writer import write_json
from harness.report.junit import write_junit
from harness.report.masking import mask_record, mask_text
from harness.report.record import (
    RecordError,
    RequirementVerdict,
    RunRecord,
    TestResult,
    build_environment,
)
from harness.report.writers import write_all

__all__ = [
    "RecordError",
    "RequirementVerdict",
    "RunRecord",
    "TestResult",
    "build_environment",
    "mask_record",
    "mask_text",
    "write_all",
    "write_html",
    "write_json",
    "write_junit",
]

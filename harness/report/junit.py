"""JUnit XML writer (``junit.xml``) for CI servers: Jenkins, GitLab, GitHub annotations.

The layout follows what pytest's ``--junitxml`` produces, so every consumer that reads
pytest output reads this: ``<testsuites>`` holding one ``<testsuite>``, a ``<testcase>``
per result with ``<failure>``, ``<error>`` or ``<skipped>``, and trace files listed as
``[[ATTACHMENT|path]]`` lines in ``<system-out>`` (the Jenkins and GitLab convention).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report.files import write_atomic
from harness.report.masking import mask_record
from harness.report.record import RunRecord, TestResult
from harness.report.verdict import plan_verdict

FILENAME = "junit.xml"

# characters XML 1.0 forbids even when escaped (ANSI escapes in tracebacks, NULs in dumps)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _ILLEGAL_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """``(classname, name)`` of a pytest node id, the way pytest's JUnit XML writes them.

    ``scenarios/e2e/test_qr.py::TestScan::test_blur[low]`` gives
    ``("scenarios.e2e.test_qr.TestScan", "test_blur[low]")``.
    """
    *parents, name = nodeid.split("::")
    if not parents:
        return "", name
    module = parents[0].removesuffix(".py").replace("/", ".").replace("\\", ".")
    return ".".join([module, *parents[1:]]), name


def _properties(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    if items:
        element = ET.SubElement(parent, "properties")
        for name, value in items:
            ET.SubElement(element, "property", name=_xml_safe(name), value=_xml_safe(value))


def _testcase(suite: ET.Element, result: TestResult) -> None:
    classname, name = split_nodeid(result.nodeid)
    case = ET.SubElement(
        suite, "testcase", classname=_xml_safe(classname), name=_xml_safe(name),
        time=f"{result.duration_s:.3f}",
    )
    _properties(
        case,
        [("requirement", rid) for rid in result.requirement_ids]
        + [("fault", fault) for fault in result.faults]
        + [(f"measurement.{m.name}", m.describe()) for m in result.measurements]
        + [(key, str(value)) for key, value in result.properties.items()],
    )
    tag = {"failed": "failure", "error": "error", "skipped": "skipped"}.get(result.outcome)
    if tag:
        detail = ET.SubElement(case, tag, message=_xml_safe(result.message))
        if tag != "skipped":
            detail.text = _xml_safe(result.longrepr or result.message)
    if result.traces:
        out = ET.SubElement(case, "system-out")
        out.text = _xml_safe("".join(f"[[ATTACHMENT|{trace}]]\n" for trace in result.traces))


def render_junit(record: RunRecord) -> str:
    """The JUnit XML document for ``record`` (masked), as text."""
    record = mask_record(record)
    counts = record.counts()
    totals = {
        "tests": str(len(record.results)),
        "failures": str(counts["failed"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
        "time": f"{record.duration_s:.3f}",
    }
    root = ET.Element("testsuites", name=_xml_safe(f"apcv-hil {record.run_id}"), **totals)
    suite = ET.SubElement(
        root, "testsuite", name=_xml_safe(f"apcv-hil.{record.profile}.{record.rig_name}"), **totals,
        timestamp=record.started_at.isoformat(timespec="seconds"),
    )
    _properties(
        suite,
        [("run_id", record.run_id), ("rig", record.rig_name), ("rig_file", record.rig_file),
         ("profile", record.profile), ("interrupted", str(record.interrupted).lower()),
         ("verdict", plan_verdict(record).summary())]
        + ([("stopped", record.stopped)] if record.stopped else [])
        + [(f"dut.{key}", value) for key, value in sorted(record.dut.items())]
        + sorted(record.environment.items())
        + [("fault_active", fault) for fault in record.faults_active],
    )
    for result in record.results:
        _testcase(suite, result)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def write_junit(record: RunRecord, directory: Path) -> Path:
    """Write ``junit.xml`` into ``directory`` (created if missing); returns its path."""
    return write_atomic(Path(directory) / FILENAME, render_junit(record))

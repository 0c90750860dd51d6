"""Collects test outcomes into one RunRecord and writes the reports at the end.

The report is built in a staging folder and put in place at the end (:mod:`harness.report.place`):
an interrupted run is marked so and goes beside the last complete report, never over it.
A test's duration is the sum of its set-up, call and tear-down (the bench opens its links
and presents the devices in the set-up); its measurements, active faults, trace (as rows and
as files) and attachments are taken from the item's stash when it is torn down.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.pytest_plugin.keys import (
    BLAME_KEY,
    CHECKED_KEY,
    DUT_IDENTITY_KEY,
    FAULTS_KEY,
    MEASUREMENTS_KEY,
    TRACE_KEY,
    exercises_dut,
)
from harness.pytest_plugin.requirements import requirement_infos
from harness.report import RunRecord, TestResult, build_environment, write_all
from harness.report.json_writer import write_json
from harness.report.place import begin, discard, publish
from harness.report.trace_rows import trace_rows
from harness.rig import RigConfig

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def checked_apart(item: pytest.Item) -> list[str]:
    """The requirement ids whose checks passed in ``item`` before the failure blamed on another."""
    blamed = item.stash.get(BLAME_KEY, "")
    return [i for i in item.stash.get(CHECKED_KEY, []) if i != blamed] if blamed else []


class ReportCollector:
    """A pytest plugin object: one per run that writes a report directory."""

    def __init__(self, directory: Path, rig: RigConfig, role: str = "", *, record_only: bool = False) -> None:
        self.final = directory
        self.record_only = record_only
        """Write ``results.json`` alone: no HTML, JUnit, CSV nor traces (a caller that reads the
        verdict and throws the folder away, as the variant matrix does)."""
        self.directory = begin(directory)
        self.where = directory
        """Where the report went once the session ended (beside ``final`` when interrupted)."""
        self.rig = rig
        self.role = role
        self.started = datetime.now(UTC)
        self.results: dict[str, TestResult] = {}
        self.durations: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self.durations[item.nodeid] = self.durations.get(item.nodeid, 0.0) + report.duration
        if report.when == "call" or report.outcome != "passed":
            self._record(item, report)
        if report.when == "teardown":
            self._finish(item)

    def _record(self, item: pytest.Item, report: pytest.TestReport) -> None:
        if report.when != "call" and item.nodeid in self.results:
            if report.outcome == "failed":  # a teardown error after a result
                self.results[item.nodeid].outcome = "error"
            return
        if report.skipped:
            outcome, message = "skipped", _skip_reason(report)
        elif report.failed:
            outcome = "failed" if report.when == "call" else "error"
            message = _first_line(report)
        else:
            outcome, message = "passed", ""
        ids = [i for m in item.iter_markers("apcv_requirement") for i in m.args]
        self.results[item.nodeid] = TestResult(
            nodeid=item.nodeid,
            name=item.name,
            outcome=outcome,
            requirement_ids=ids,
            message=message,
            longrepr=report.longreprtext or None,
            properties={str(k): v if isinstance(v, float | int) else str(v)
                        for k, v in item.user_properties},
            counts_for_dut=exercises_dut(item, self.role),
            blamed=item.stash.get(BLAME_KEY, "") if outcome == "failed" else "",
            checked=checked_apart(item) if outcome == "failed" else [],
        )

    def _finish(self, item: pytest.Item) -> None:
        result = self.results.get(item.nodeid)
        if result is None:
            return
        result.duration_s = self.durations.get(item.nodeid, 0.0)
        result.measurements = list(item.stash.get(MEASUREMENTS_KEY, []))
        result.faults = list(item.stash.get(FAULTS_KEY, []))
        recorder = item.stash.get(TRACE_KEY, None)
        if recorder is None or not recorder.events or self.record_only:
            return
        module = Path(item.nodeid.split("::")[0]).stem
        digest = hashlib.sha1(item.nodeid.encode()).hexdigest()[:6]
        stem = f"{module}__{_UNSAFE.sub('_', item.name).strip('_')[:60]}_{digest}"
        paths = recorder.save(self.directory / "traces", stem)
        relative = {kind: str(path.relative_to(self.directory)) for kind, path in paths.items()}
        result.traces = [relative.pop("jsonl"), relative.pop("pcapng")]
        result.attachments = list(relative.values())
        result.trace = trace_rows(recorder.events)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        results = list(self.results.values())
        if exitstatus in (pytest.ExitCode.NO_TESTS_COLLECTED, pytest.ExitCode.USAGE_ERROR):
            discard(self.final)  # nothing ran: the last report stays as it was
            return
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        # a run stopped by the plugin (the device gone, unreachable) or by -x: the rest is not judged
        reasons = (session.shouldfail, session.shouldstop)
        stopped = next((str(why) for why in reasons if isinstance(why, str)), "")
        if interrupted:
            stopped = "interrupted before its end"
        record = RunRecord(
            run_id=uuid.uuid4().hex[:12],
            rig_name=self.rig.name,
            rig_file=self.rig.path,
            profile=self.rig.profile,
            started_at=self.started,
            finished_at=datetime.now(UTC),
            environment=build_environment(_links(self.rig)),
            results=results,
            requirements=requirement_infos(self.role or None),
            faults_active=list(dict.fromkeys(f for result in results for f in result.faults)),
            role=self.role,
            dut=dict(session.config.stash.get(DUT_IDENTITY_KEY, {})),
            interrupted=interrupted,
            stopped=stopped,
        )
        if self.record_only:
            write_json(record, self.directory)
        else:
            write_all(record, self.directory)
        self.where = publish(self.final, complete=not interrupted)


def _links(rig: RigConfig) -> dict[str, str]:
    roles = rig.roles
    links = {"reader": roles.reader.link}
    for name in ("phone", "card", "scanner", "display"):
        role = getattr(roles, name)
        if role is not None:
            links[name] = role.link
    return links


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")


def _first_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).splitlines()[0] if crash.message else ""
    return (report.longreprtext or "").strip().splitlines()[-1:][0] if report.longreprtext else ""

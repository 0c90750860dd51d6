"""The one plan runner: ``run``, ``certify`` and ``variants`` run a plan (or suites) through it.

A :class:`PlanRequest` says what to run on which rig and where its report goes; :func:`run_plan`
runs it with pytest, in this process (a command showing its own progress) or in a separate one
(plans run side by side), reads the record the report plugin wrote, and judges it with the one
verdict function, :func:`harness.report.verdict.plan_verdict`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from apcv.errors import ApcvError
from harness.pcsc.private import private_stack_argv
from harness.report import RunRecord
from harness.report.place import interrupted_dir
from harness.report.verdict import PlanVerdict, plan_verdict
from scenarios.cli.inner_pytest import HARNESS_PLUGIN, SCENARIOS_DIR, run_pytest
from scenarios.conformance.forked import run_forked
from scenarios.conformance.plans import plan_dir

SEPARATE_TIMEOUT_S = 600
DEFAULT_SUITES = ("conformance", "e2e")
_SEPARATE_OPTIONS = ("-q", "-p", "no:cacheprovider", "-p", HARNESS_PLUGIN, "-o", "addopts=", "--rootdir",
                     str(SCENARIOS_DIR.parent))


class PlanRunError(ApcvError):
    """The plan did not get to run its tests (nothing matched, a usage error, no results); the
    message says why."""


@dataclass(frozen=True)
class PlanRequest:
    """What to run: ``role``'s plan, or ``suites`` (all of them by default) on a rig without one."""

    rig: str | Path
    report_dir: Path
    role: str | None = None
    suites: tuple[str, ...] = ()
    operator: str = "skip"
    keyword: str | None = None
    exitfirst: bool = False
    record_only: bool = False
    """Write the run's record (``results.json``) alone, not the report around it."""

    def pytest_args(self) -> list[str]:
        """The pytest arguments of this run (the plugin's options included)."""
        if self.role is not None and not self.suites:
            args = [str(plan_dir(self.role)), "--apcv-role", self.role]
        else:
            args = [str(SCENARIOS_DIR / suite) for suite in (self.suites or DEFAULT_SUITES)]
        args += ["--apcv-rig", str(self.rig), "--apcv-operator", self.operator,
                 "--apcv-report", str(self.report_dir), "-p", "no:asyncio"]
        if self.keyword:
            args += ["-k", self.keyword]
        if self.exitfirst:
            args.append("-x")
        if self.record_only:
            args.append("--apcv-record-only")
        return args


@dataclass
class PlanRun:
    """What a run gave: pytest's exit code, its record, where the report went, and the verdict."""

    exit_code: int
    record: RunRecord
    report: Path
    verdict: PlanVerdict
    output: str = ""
    duration_s: float = 0.0
    role: str = field(init=False)

    def __post_init__(self) -> None:
        self.role = self.record.role

    @property
    def verdicts(self) -> dict[str, str]:
        """Every requirement's verdict, by id."""
        return {rid: group.verdict for rid, group in self.record.by_requirement().items()}

    @property
    def failed(self) -> set[str]:
        """Requirement ids a test that acted on the device failed."""
        return {rid for rid, group in self.record.by_requirement().items() if group.verdict == "failed"}

    @property
    def failed_tests(self) -> tuple[str, ...]:
        """Node ids of the tests that failed or errored (which check caught a variant)."""
        return tuple(sorted({r.nodeid for r in self.record.results if r.outcome in ("failed", "error")}))

    def mandatory_not_passed(self) -> list[str]:
        """The plan's mandatory requirements that did not pass."""
        return list(self.verdict.blocking())


def run_plan(request: PlanRequest, *, plugins: list[object] | None = None,
             separate_process: bool = False, forked: bool = False, private_pcsc: bool = False) -> PlanRun:
    """Run ``request`` and judge it. PlanRunError when it did not get to run its tests.
    ``forked`` (with ``separate_process``): the process is forked from a server that imported the
    plan's modules once (:mod:`scenarios.conformance.forked`). ``private_pcsc`` (with
    ``separate_process``): the process gets its own loopback and its own pcscd
    (:mod:`harness.pcsc.private`; the caller checked that it can be made)."""
    started = time.perf_counter()
    output = ""
    if separate_process and forked:
        code, output = run_forked([*request.pytest_args(), *_SEPARATE_OPTIONS], private_pcsc=private_pcsc,
                                  timeout_s=SEPARATE_TIMEOUT_S)
    elif separate_process:
        code, output = _separate(request.pytest_args(), private_pcsc)
    else:
        code = int(run_pytest(request.pytest_args(), plugins=list(plugins or [])))
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        if request.keyword:
            raise PlanRunError(f"no scenario matches -k {request.keyword!r}")
        raise PlanRunError(f"no scenario found in {', '.join(request.suites or DEFAULT_SUITES)}")
    if code == pytest.ExitCode.USAGE_ERROR and request.keyword:
        raise PlanRunError(f"-k {request.keyword!r} is not a valid pytest -k expression")
    interrupted = code == pytest.ExitCode.INTERRUPTED
    report = interrupted_dir(request.report_dir) if interrupted else request.report_dir
    results = report / "results.json"
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED) \
            or not results.is_file():
        raise PlanRunError(f"the scenarios on {request.rig} could not run (pytest exit code {code})"
                           + (f": {output[-1500:]}" if output else ""))
    record = RunRecord.from_dict(json.loads(results.read_text(encoding="utf-8")))
    return PlanRun(code, record, report, plan_verdict(record), output, time.perf_counter() - started)


def _separate(args: list[str], private_pcsc: bool) -> tuple[int, str]:
    """Run pytest in a separate process with only our plugin (a third of the start-up)."""
    argv = [sys.executable, "-m", "pytest", *args, *_SEPARATE_OPTIONS]
    if private_pcsc:
        argv = private_stack_argv(argv)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=SEPARATE_TIMEOUT_S, check=False,
                          env=env)
    return done.returncode, (done.stdout + done.stderr)[-4000:]

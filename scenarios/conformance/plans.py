"""Conformance plans per device-under-test role, and running one as a separate pytest.

A role's plan is the catalogue's requirements binding the role; its tests live in
``scenarios/conformance/<role>/``. A requirement passes when at least one of its tests
passed and none failed; it fails when any failed; it is untested otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from apcv.errors import ApcvError
from apcv.profile.catalogue import ROLES, load_catalogue
from harness.rig import RigError

PLAN_TIMEOUT_S = 600
COMPLETED = (0, 1)
"""pytest's exit codes of a run that ran its tests: all passed, some failed."""
PLUGIN = "harness.pytest_plugin.plugin"


def plan_dir(role: str) -> Path:
    """The folder of ``role``'s conformance tests (a RigError when the role has no plan here)."""
    folder = Path(str(files("scenarios.conformance"))) / role.replace("-", "_")
    if role not in ROLES or not folder.is_dir():
        have = ", ".join(sorted(r for r in ROLES if (folder.parent / r.replace("-", "_")).is_dir()))
        raise RigError(f"no conformance plan for role '{role}' (plans: {have})")
    return folder


@dataclass
class PlanOutcome:
    """What one run of a role's plan gave, by requirement id."""

    role: str
    exit_code: int
    verdicts: dict[str, str] = field(default_factory=dict)
    output: str = ""
    duration_s: float = 0.0
    failed_tests: tuple[str, ...] = ()
    """Node ids of the tests that failed or errored (which check caught a variant)."""

    @property
    def failed(self) -> set[str]:
        """Requirement ids with a failed or erroring test."""
        return {ident for ident, verdict in self.verdicts.items() if verdict == "failed"}

    def mandatory_not_passed(self) -> list[str]:
        """Mandatory requirements of the role that did not pass (failed, skipped or untested)."""
        return [r.id for r in load_catalogue().plan(self.role)
                if r.level == "mandatory" and self.verdicts.get(r.id) != "passed"]


def requirement_verdicts(results: list[dict]) -> dict[str, str]:
    """Per requirement id: failed if any of its tests failed, passed if one passed, else skipped."""
    verdicts: dict[str, str] = {}
    for result in results:
        outcome = "failed" if result["outcome"] in ("failed", "error") else result["outcome"]
        for ident in result.get("requirement_ids", []):
            current = verdicts.get(ident)
            if current == "failed" or outcome == "failed":
                verdicts[ident] = "failed"
            elif current == "passed" or outcome == "passed":
                verdicts[ident] = "passed"
            else:
                verdicts[ident] = outcome
    return verdicts


class PlanRunError(ApcvError):
    """A plan run was stopped (a usage error, an interruption) or left no readable results;
    the message holds the exit code and the end of its output."""


def run_plan(role: str, rig_file: str | Path, report_dir: Path, *, operator: str = "skip") -> PlanOutcome:
    """Run ``role``'s plan on the rig in a separate pytest process; read its results.json.
    PlanRunError when the run did not get to run its tests."""
    args = [sys.executable, "-m", "pytest", str(plan_dir(role)), "-q", "-p", "no:cacheprovider",
            "-p", PLUGIN,
            "-o", "addopts=", "--rig", str(rig_file), "--operator", operator,
            "--apcv-report", str(report_dir), "--rootdir", str(plan_dir(role).parents[2])]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # only our plugin: a third of the start-up
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=PLAN_TIMEOUT_S, check=False, env=env)
    outcome = PlanOutcome(role, done.returncode, output=(done.stdout + done.stderr)[-4000:],
                          duration_s=time.perf_counter() - started)
    results = report_dir / "results.json"
    if done.returncode not in COMPLETED or not results.is_file():
        raise PlanRunError(f"the {role} plan on {rig_file} stopped (exit {done.returncode}): "
                           f"{outcome.output[-1500:]}")
    tests = json.loads(results.read_text())["results"]
    outcome.verdicts = requirement_verdicts(tests)
    outcome.failed_tests = tuple(sorted({t["nodeid"] for t in tests if t["outcome"] in ("failed", "error")}))
    return outcome

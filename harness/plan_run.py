"""Run a role's conformance plan in a child pytest process, against the reference or a faulty
variant, and read back the verdict of every requirement from the run's ``results.json``.

This is how the variant matrix shows that a plan can fail: each variant's run must fail on the
requirement the variant breaks, and the reference's run must pass every mandatory one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from apcv.errors import ApcvError

VARIANT_ENV = "APCV_VARIANT"
"""Names the faulty variant a child run tests (until rigs name it in their ``dut`` block)."""
OUTPUT_TAIL = 4000
PLUGIN = "harness.pytest_plugin.plugin"
COMPLETED = (0, 1)
"""pytest's exit codes of a run that ran its tests: all passed, some failed."""


class PlanRunError(ApcvError):
    """A plan run was stopped (a usage error, an interruption) or left no readable ``results.json``;
    the message holds the exit code and the tail of its output."""


@dataclass(frozen=True)
class PlanRun:
    """One run of a plan: against which variant, how it ended, and the verdict per requirement."""

    variant: str | None
    exit_code: int
    verdicts: dict[str, str]
    """Requirement id -> passed, failed or skipped (every id of the catalogue)."""
    duration_s: float
    output: str
    """The last characters pytest printed."""

    @property
    def failed(self) -> set[str]:
        """Ids of the requirements that failed."""
        return {rid for rid, verdict in self.verdicts.items() if verdict == "failed"}


def run_plan(plan: Path, report_dir: Path, *, variant: str | None = None, rig: str = "software",
             timeout: float = 300.0) -> PlanRun:
    """Run the tests under ``plan`` with ``pytest --rig RIG --apcv-report REPORT_DIR`` in a child process.

    The child loads the apcv-hil plugin alone: the other installed pytest plugins (hypothesis,
    schemathesis, Faker, Locust...) take no part in a plan and cost a second or two of start-up.
    """
    env = {**os.environ, VARIANT_ENV: variant or "", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", str(plan), "-q", "-p", PLUGIN, "-p", "no:cacheprovider",
               "--rig", rig, "--apcv-report", str(report_dir)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    duration = time.perf_counter() - started
    output = (done.stdout + done.stderr)[-OUTPUT_TAIL:]
    if done.returncode not in COMPLETED:
        raise PlanRunError(f"plan {plan} ({variant or 'reference'}) stopped with exit code "
                           f"{done.returncode}: {output}")
    try:
        results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
        verdicts = dict(results["summary"]["requirements"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PlanRunError(f"plan {plan} ({variant or 'reference'}) wrote no readable results.json "
                           f"({exc}); exit code {done.returncode}: {output}") from None
    return PlanRun(variant, done.returncode, verdicts, duration, output)


def run_matrix(plan: Path, report_root: Path, variants: Iterable[str | None], *, workers: int = 2,
               rig: str = "software") -> dict[str | None, PlanRun]:
    """Run ``plan`` against each variant (None: the reference), ``workers`` runs at a time; each
    run reports into ``report_root/<variant or reference>``."""
    names = list(variants)

    def one(variant: str | None) -> PlanRun:
        return run_plan(plan, report_root / (variant or "reference"), variant=variant, rig=rig)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))

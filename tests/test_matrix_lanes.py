"""How the variant matrix runs its plans (scenarios.conformance.matrix): forked, each PC/SC plan
on a PC/SC stack of its own and side by side where namespaces can be made, else those plans one
after another on the machine's one virtual reader. The plans themselves run in
tests/test_variant_matrix.py; here a recording stands in for the plan runner."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.report import RunRecord
from harness.report.verdict import plan_verdict
from scenarios.conformance import matrix
from scenarios.conformance.runner import PlanRequest, PlanRun

PCSC_ROLES = ["practice-software", "reader"]


class Recorder:
    """Stands in for run_plan: notes each call, and how many PC/SC plans ran at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, bool]]] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, request: PlanRequest, **options: bool) -> PlanRun:
        with self.lock:
            self.calls.append((Path(request.rig).stem, options))
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        now = datetime.now(UTC)
        record = RunRecord("run", "rig", str(request.rig), "APCV-R1", now, now, role=request.role or "")
        return PlanRun(0, record, request.report_dir, plan_verdict(record))


def test_pcsc_plans_run_side_by_side_each_on_its_own_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(matrix, "run_plan", recorder)
    monkeypatch.setattr(matrix, "private_stack_problem", lambda: None)
    result = matrix.run_matrix(PCSC_ROLES, jobs=4)
    assert len(recorder.calls) == len(PCSC_ROLES) + len(result.verdicts)
    assert all(options == {"separate_process": True, "forked": True, "private_pcsc": True}
               for _, options in recorder.calls)
    assert recorder.most > 1


def test_without_namespaces_pcsc_plans_take_turns_on_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(matrix, "run_plan", recorder)
    monkeypatch.setattr(matrix, "private_stack_problem", lambda: "not root")
    matrix.run_matrix(PCSC_ROLES, jobs=4)
    assert all(not options["private_pcsc"] for _, options in recorder.calls)
    assert recorder.most == 1


def test_the_longest_plans_start_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """PC/SC plans (a program started per test) are submitted before the in-process ones."""
    recorder = Recorder()
    monkeypatch.setattr(matrix, "run_plan", recorder)
    monkeypatch.setattr(matrix, "private_stack_problem", lambda: None)
    matrix.run_matrix(["card", "reader"], jobs=1)
    names = [name for name, _ in recorder.calls]
    first_card = next(i for i, name in enumerate(names) if "card" in name and "reader" not in name)
    assert first_card == sum(1 for name in names if name.startswith("reader-terminal"))

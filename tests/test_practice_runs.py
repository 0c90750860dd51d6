"""Billing programs on a bench of their own: one that breaks its contract (the test says how, with its
output, and the bench is torn down), a windowed one a person operates (judged by the audit log), a
command-line one taking QR codes typed on its standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.dut.control import OperatorAbsent, PromptControl
from harness.practice.dut import BillingDut
from harness.practice.runner import RunningBilling, fill_template
from harness.practice.world import PracticeWorld
from harness.rig import load_rig
from scenarios.cli.inner_pytest import HARNESS_PLUGIN
from scenarios.conformance.plans import plan_dir
from simulators.practice.contract import ContractError

pytestmark = pytest.mark.slow  # runs pytest or a program in a subprocess

PY = sys.executable


@pytest.fixture(scope="module")
def world(pcscd, tmp_path_factory) -> PracticeWorld:
    bench = PracticeWorld(load_rig("practice-software"), tmp_path_factory.mktemp("bad-dut"))
    yield bench
    bench.close()


def _with_bill(world: PracticeWorld, command: str, timeout: float):
    dut = world.config.dut
    control = dut.control.model_copy(update={"actions": {"bill": command}, "timeout": timeout})
    return world.config.model_copy(update={"dut": dut.model_copy(update={"control": control})})


@pytest.mark.parametrize(("command", "timeout", "says", "output"), [
    ("no-such-billing-program --reader {reader}", 10, "'no-such-billing-program' was not found", None),
    (f"{PY} -c \"print('Billed: 25 EUR')\"", 10, "not one JSON object", "Billed: 25 EUR"),
    (f"{PY} -c \"import sys; print('card reader error', file=sys.stderr); sys.exit(4)\"", 10,
     "exited with 4 and printed nothing", "card reader error"),
    (f"{PY} -c \"import time; print('reading', flush=True); time.sleep(60)\" {{reader}}", 1,
     "did not finish within 1 s", "reading"),
    (f"{PY} -c pass {{card}}", 10, "unknown placeholder {card}", None),
])
def test_a_broken_program_is_told_apart(world, command, timeout, says, output):
    recorded: dict[str, object] = {}
    dut = BillingDut(world, None, recorded.__setitem__, world.dut_folder)
    dut.config = _with_bill(world, command, timeout)
    world.tap("parent")
    try:
        with pytest.raises(ContractError, match=says.replace("{", r"\{").replace("}", r"\}")):
            dut.bill()
    finally:
        world.remove()
    if output is not None:
        assert output in str(recorded["dut run 1 stdout"]) + str(recorded["dut run 1 stderr"])


def _alive(marker: str) -> list[int]:
    """Processes whose command line names ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_report_says_why_and_the_bench_is_torn_down(tmp_path):
    rig = tmp_path / "garbage-dut.yaml"
    text = (Path(load_rig("practice-software").path).read_text(encoding="utf-8")
            .replace("apcv-hil practice bill", f"{PY} -c \"print('Billed: 25 EUR')\" apcv-hil practice bill"))
    rig.write_text(text.replace("name: practice-software", "name: garbage-dut"), encoding="utf-8")
    base = tmp_path / "base"
    done = subprocess.run(
        [PY, "-m", "pytest", str(plan_dir("practice-software")), "-q", "-p", "no:cacheprovider",
         "-p", HARNESS_PLUGIN, "-o", "addopts=", "--apcv-rig", str(rig),
         "--apcv-report", str(tmp_path / "report"),
         "--basetemp", str(base), "-k", "test_phone_tap_is_billed or test_card_is_read"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 1, done.stdout[-2000:]
    results = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    failed = [r for r in results if r["outcome"] in ("failed", "error")]
    assert len(failed) == 2, results
    for result in failed:
        assert "the billing program under test: standard output is not one JSON object" in result["message"]
        assert "Billed: 25 EUR" in result["message"]
    assert _alive(str(base)) == [], "processes of the bench outlived the session"


class _PersonAtTheBench:
    """Answers the harness's prompts: asked to bill, runs the reference billing program (as a person
    would click through a windowed one), then presses Enter."""

    def __init__(self, world: PracticeWorld) -> None:
        self.world = world
        read, self._write = os.pipe()
        self.stdin = os.fdopen(read, "r")
        self.said: list[str] = []

    def write(self, text: str) -> None:
        self.said.append(text)
        if ">>> In the billing program" in text:
            template = load_rig("practice-software").dut.control.actions["bill"]
            argv = fill_template(template, self.world.placeholders(0, 1234))
            RunningBilling(argv, 30, self.world.dut_folder, with_stdin=False).finish()
        if text.startswith("\n>>>"):
            os.write(self._write, b"\n")

    def flush(self) -> None:
        return


def test_a_person_operating_the_program_is_asked_and_judged_by_the_audit_log(world):
    person = _PersonAtTheBench(world)
    dut = BillingDut(world, PromptControl(10, present=True, stdin=person.stdin, stdout=person), print,
                     world.dut_folder)
    dut.config = world.config.model_copy(update={"dut": world.config.dut.model_copy(
        update={"control": world.config.dut.control.model_copy(update={"kind": "prompt"})})})
    world.tap("parent")
    try:
        billing = dut.bill(amount=1234, who="the card holder")
        absent = BillingDut(world, PromptControl(10, present=False), print, world.dut_folder)
        absent.config = dut.config
        with pytest.raises(OperatorAbsent, match="run with --operator prompt"):
            absent.bill()
    finally:
        world.remove()
    assert any("bill act G for 1234 cents for the card holder" in line for line in person.said)
    assert billing.result is None and billing.run is None
    assert [e["operation"] for e in billing.audit] == ["verify-nfc", "rights", "claim"]
    assert billing.presented_at is not None and billing.claim_acknowledged_at() >= billing.presented_at


def test_a_command_line_program_takes_the_qr_typed_on_its_standard_input(world):
    dut = BillingDut(world, None, print, world.dut_folder)
    wedge = world.config.dut.model_copy(update={"qr_input": "stdin"})
    dut.config = world.config.model_copy(update={"dut": wedge})
    child = world.cast.parent.beneficiaries[0].identity.nir
    billing = dut.bill(qr=world.qr_of("parent", child), amount=700)
    assert billing.result is not None and billing.result.outcome == "billed", billing.output()
    assert billing.result.source == "qr" and "--scanner -" in " ".join(billing.run.argv)
    assert [e["operation"] for e in billing.audit] == ["verify-qr", "rights", "claim"]

"""Reader terminals on a bench: the reference terminal certifies through each output channel, a
terminal that says nothing or breaks the contract is told apart, and a transport-only reader gets
"not applicable" for the reader's logic, never "passed"."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.rig import RigError, find_rig, load_rig, parse_rig
from harness.roles.checks import check_dut
from harness.terminal.channels import CommandOutput, HttpOutput, SerialOutput
from harness.terminal.contract import ReadShown, ReportError
from harness.terminal.dut import ReaderTerminal, TerminalSilent
from scenarios.cli.inner_pytest import HARNESS_PLUGIN
from scenarios.conformance.plans import plan_dir
from scenarios.conformance.runner import PlanRequest, run_plan

PY = sys.executable
LOGIC = ("APCV-RDR-001", "APCV-RDR-002", "APCV-RDR-003", "APCV-RDR-004", "APCV-RDR-005")
READ = json.dumps({"outcome": "read", "patient": {"name": "Louis Gallet"}})


def _rig_data(**dut_changes) -> dict:
    data = yaml.safe_load(find_rig("reader-terminal").read_text(encoding="utf-8"))
    data["dut"].update(dut_changes)
    return data


def _rig_file(folder: Path, name: str, **dut_changes) -> Path:
    data = _rig_data(**dut_changes)
    data["name"] = name
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_reference_terminal_certifies(pcscd, tmp_path: Path) -> None:
    done = subprocess.run([PY, "-m", "harness.cli", "certify", "--rig", "rigs/reader-terminal.yaml", "--role",
                           "reader", "--out", str(tmp_path / "bundle")], capture_output=True, text=True,
                          timeout=900, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    verdict = json.loads((tmp_path / "bundle" / "verdict.json").read_text())
    assert verdict["certified"] and all(verdict["mandatory"][r] == "passed" for r in LOGIC)


@pytest.mark.parametrize("kind", ["serial", "http"])
def test_the_reference_terminal_reports_on_a_serial_port_and_an_http_callback(pcscd, tmp_path: Path,
                                                                            kind: str) -> None:
    rig = _rig_file(tmp_path, f"terminal-{kind}", output={"kind": kind, "timeout": 20})
    done = subprocess.run([PY, "-m", "pytest", str(plan_dir("reader") / "test_reader_terminal.py"), "-q",
                           "-p", "no:cacheprovider", "-p", HARNESS_PLUGIN, "-o", "addopts=",
                           "--apcv-rig", str(rig),
                           "-k", "shows_the_holder or locked"], capture_output=True, text=True, timeout=600,
                          check=False, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout[-3000:]


def test_a_transport_only_reader_is_not_applicable_for_the_logic(pcscd, tmp_path: Path) -> None:
    data = yaml.safe_load(find_rig("pcsc-vpcd").read_text(encoding="utf-8"))
    data["dut"] = {"role": "reader"}
    rig = tmp_path / "transport.yaml"
    rig.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = run_plan(PlanRequest(rig, tmp_path / "report", "reader"), separate_process=True)
    for requirement in LOGIC:
        assert done.verdicts[requirement] == "not_applicable", requirement
        assert done.verdict.reasons[requirement].startswith("this reader has no verification logic")
    assert done.verdicts["APCV-RDR-010"] == "passed"


def _terminal(tmp_path: Path, channel, command: str, timeout: float = 5) -> ReaderTerminal:
    config = parse_rig(_rig_data(control={"kind": "command", "timeout": 10, "actions": {"read": command}},
                                 output={"kind": "command", "timeout": timeout}), "t.yaml")
    return ReaderTerminal(config, channel, tmp_path / "root.pem", tmp_path, None, lambda *_: None)


def _writing(code: str) -> str:
    quoted = shlex.quote(f"import sys; {code}").replace("{", "{{").replace("}", "}}")  # braces: placeholders
    return f"{PY} -c {quoted} {{output}}"


def test_each_channel_carries_the_report(tmp_path: Path) -> None:
    command = _writing(f"print({READ!r})")
    assert isinstance(_terminal(tmp_path, CommandOutput(), command).read().report, ReadShown)
    serial = SerialOutput()
    try:
        to_port = _writing(f"open(sys.argv[1], 'w').write({READ!r} + chr(10))")
        assert isinstance(_terminal(tmp_path, serial, to_port).read().report, ReadShown)
    finally:
        serial.close()
    http = HttpOutput()
    try:
        post = _writing(f"import httpx; httpx.post(sys.argv[1], content={READ!r})")
        assert isinstance(_terminal(tmp_path, http, post).read().report, ReadShown)
    finally:
        http.close()


@pytest.mark.parametrize(("code", "error", "says"), [
    ("pass", TerminalSilent, "reported nothing on its command output - within 1 s (the read command exited "
                             "with 0)"),
    ("print('patient: Louis Gallet')", ReportError, "not one JSON object"),
    ("print('{\"outcome\": \"read\", \"patient\": {\"name\": \"L\", \"nir\": \"108041306443131\"}}')",
     ReportError, "field patient.nir"),
    (f"print({READ!r}); sys.exit(1)", ReportError, "reported 'read' but exited with 1 (expected 0)"),
])
def test_a_terminal_that_is_silent_or_breaks_the_contract_is_told_apart(tmp_path: Path, code, error, says):
    with pytest.raises(error, match=None) as caught:
        _terminal(tmp_path, CommandOutput(), _writing(code), timeout=1).read()
    assert says in str(caught.value)


def test_a_silent_serial_terminal_is_named(tmp_path: Path) -> None:
    serial = SerialOutput()
    try:
        with pytest.raises(TerminalSilent, match=f"serial output {serial.address} within 1 s"):
            terminal = _terminal(tmp_path, serial, _writing("pass"), timeout=1)
            terminal.output = terminal.output.model_copy(update={"kind": "serial"})
            terminal.read()
    finally:
        serial.close()


@pytest.mark.parametrize(("dut", "says"), [
    ({"control": {"kind": "command", "actions": {"tap": "x"}}}, "kind command with actions.read"),
    ({"control": {"kind": "api", "url": "tcp://127.0.0.1:1"}}, "kind command with actions.read"),
    ({"control": {"kind": "command", "actions": {"read": "x"}}, "output": {"kind": "prompt"}},
     "needs control kind prompt"),
    ({"output": None, "variant": "reader-no-card-fallback"}, "the reader's variants are terminal programs"),
    ({"output": {"kind": "smoke"}}, "dut.output.kind"),
    ({"output": {"kind": "serial", "timeout": 0}}, "dut.output.timeout"),
])
def test_a_terminal_rig_that_cannot_run_is_named(dut: dict, says: str) -> None:
    with pytest.raises(RigError, match=None) as caught:
        check_dut(parse_rig(_rig_data(**dut), "t.yaml"))
    assert says in str(caught.value)


def test_the_reference_terminal_and_its_variants_pass_the_checks() -> None:
    check_dut(load_rig("reader-terminal"))
    check_dut(parse_rig(_rig_data(variant="reader-shows-holder-for-beneficiary"), "t.yaml"))

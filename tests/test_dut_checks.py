"""A rig's device under test is checked before anything runs: one clear error naming the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.dut.launch import LaunchedDut, LaunchError
from harness.rig import RigError, parse_rig
from harness.roles.checks import check_dut

SOFTWARE_DIR = Path(__file__).resolve().parents[1] / "rigs"
SOFTWARE = yaml.safe_load((SOFTWARE_DIR / "software.yaml").read_text())


def rig_with(dut: dict, **roles) -> object:
    data = {**SOFTWARE, "dut": dut, "roles": {**SOFTWARE["roles"], **roles}}
    return parse_rig({k: v for k, v in data.items()}, "test.yaml")


def test_reference_and_variants_pass_the_checks() -> None:
    check_dut(rig_with({"role": "phone"}))
    check_dut(rig_with({"role": "phone", "variant": "phone-miscounts-61xx"}))
    check_dut(rig_with({"role": "scanner", "variant": "scanner-wrong-terminator"}))
    check_dut(rig_with({"role": "scanner", "control": {"kind": "command"}},
                       scanner={"link": "serial:///dev/ttyACM0"}, display={"link": "screen:"}))


@pytest.mark.parametrize(("dut", "roles", "message"), [
    ({"role": "phone", "variant": "phone-flies"}, {}, "unknown phone variant 'phone-flies'"),
    ({"role": "reader", "variant": "phone-miscounts-61xx"}, {}, "unknown reader variant"),
    ({"role": "reader", "variant": "reader-no-card-fallback"}, {},
     "the reader's variants are terminal programs"),
    ({"role": "phone"}, {"phone": None}, "role 'phone' cannot be reached"),
    ({"role": "backend"}, {"backend": None}, "needs roles.backend"),
    ({"role": "reader"}, {"phone": {"link": "sim:bench", "simulated": False}}, "simulated: true"),
    ({"role": "phone", "control": {"kind": "command", "actions": {"tap": "true"}}},
     {"phone": {"link": "sim:bench", "simulated": False}},
     "no command for lock, unlock, enter_code, biometric, reactivate"),
    ({"role": "phone", "control": {"kind": "api"}}, {"phone": {"link": "sim:bench", "simulated": False}},
     "kind api needs url"),
    ({"role": "phone", "variant": "phone-miscounts-61xx"},
     {"phone": {"link": "sim:bench", "simulated": False}}, "real device here"),
    ({"role": "scanner", "variant": "scanner-eats-codes"}, {}, "unknown scanner variant 'scanner-eats"),
    ({"role": "scanner"}, {"scanner": None}, "needs roles.scanner"),
    ({"role": "scanner"}, {"display": None}, "needs roles.display"),
    ({"role": "scanner"}, {"phone": {"link": "sim:bench", "simulated": False}}, "the phone whose codes"),
    ({"role": "scanner", "variant": "scanner-wrong-terminator"},
     {"scanner": {"link": "wedge:stdin"}}, "the scanner is a real device here"),
])
def test_a_dut_that_cannot_run_is_named(dut: dict, roles: dict, message: str) -> None:
    with pytest.raises(RigError, match=message):
        check_dut(rig_with(dut, **roles))


@pytest.mark.parametrize(("dut", "message"), [
    ({"role": "robot"}, "dut.role"),
    ({"role": "phone", "control": {"kind": "command", "actions": {"dance": "x"}}}, "unknown action dance"),
    ({"role": "phone", "surprise": 1}, "dut.surprise: unknown key"),
])
def test_bad_dut_blocks_are_rig_errors(dut: dict, message: str) -> None:
    with pytest.raises(RigError, match=message):
        rig_with(dut)


@pytest.mark.slow  # starts a subprocess
def test_run_refuses_an_unknown_variant_before_running(tmp_path: Path) -> None:
    rig = tmp_path / "bad.yaml"
    rig.write_text(yaml.safe_dump({**SOFTWARE, "dut": {"role": "phone", "variant": "nope"}}))
    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--rig", str(rig), "--report",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "unknown phone variant 'nope'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.slow  # starts a subprocess
def test_launch_failures_carry_the_output() -> None:
    with pytest.raises(LaunchError, match=r"exited with 3; its last lines: boom$"):
        LaunchedDut((sys.executable, "-c", "print('boom'); raise SystemExit(3)"))
    with pytest.raises(LaunchError, match=r"gave no 'ready:' line within 0\.5 s; its last lines: nothing$"):
        LaunchedDut((sys.executable, "-c", "import time; time.sleep(30)"), timeout=0.5)
    with pytest.raises(LaunchError, match="cannot start '/no/such'"):
        LaunchedDut(("/no/such",))


@pytest.mark.slow  # starts a subprocess
def test_launched_process_is_stopped() -> None:
    launched = LaunchedDut((sys.executable, "-u", "-c", "print('ready: up'); import time; time.sleep(60)"))
    launched.stop()
    assert launched.process.returncode is not None
    assert "ready: up" in launched.output()


PRACTICE = yaml.safe_load((SOFTWARE_DIR / "practice-software.yaml").read_text())


def practice_rig(dut: dict | None = None, **roles) -> object:
    data = {**PRACTICE, "dut": {**PRACTICE["dut"], **(dut or {})}, "roles": {**PRACTICE["roles"], **roles}}
    return parse_rig({k: v for k, v in data.items() if v is not None}, "practice.yaml")


def test_billing_program_rigs_pass_the_checks() -> None:
    check_dut(practice_rig())
    check_dut(practice_rig({"variant": "practice-ignores-lock"}))
    check_dut(practice_rig({"control": {"kind": "prompt"}, "qr_input": "keyboard"}))


@pytest.mark.parametrize(("dut", "roles", "message"), [
    ({}, {"reader": {"link": "sim:bench"}}, "reads through PC/SC"),
    ({}, {"phone": {"link": "sim:bench"}}, "on vpcd://HOST:PORT"),
    ({}, {"backend": {"link": "embedded:"}}, "roles.backend http://127.0.0.1:PORT"),
    ({"control": {"kind": "command", "actions": {"tap": "true"}}}, {}, "actions.bill"),
    ({"control": {"kind": "api", "url": "tcp://127.0.0.1:1"}}, {}, "kind command with actions.bill"),
    ({"variant": "practice-flies"}, {}, "unknown practice-software variant"),
    ({"variant": "practice-ignores-lock", "control": {"kind": "command", "actions": {"bill": "acme-bill"}}},
     {}, "real device here"),
])
def test_a_billing_program_that_cannot_run_is_named(dut: dict, roles: dict, message: str) -> None:
    with pytest.raises(RigError, match=message):
        check_dut(practice_rig(dut, **roles))


def test_qr_input_is_one_of_the_known_ways() -> None:
    with pytest.raises(RigError, match="qr_input"):
        practice_rig({"qr_input": "telepathy"})


def test_a_launched_dut_is_ready_when_its_port_answers_and_its_exit_is_noticed(tmp_path) -> None:
    """A device that logs elsewhere is ready once its readiness port accepts a connection; once it
    exits the harness says so at once, with its code."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = (f"import socket, time; s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); "
              "time.sleep(1.5); raise SystemExit(7)")
    launched = LaunchedDut((sys.executable, "-c", script), timeout=20, ready_port=f"tcp://127.0.0.1:{port}")
    assert launched.exit_problem() is None
    launched.process.wait(10)
    assert launched.exit_problem() == "device process exited with code 7"
    launched.stop()
    never = (sys.executable, "-c", "import time; time.sleep(30)")
    with pytest.raises(LaunchError, match=rf"no 'ready:' line and tcp://127.0.0.1:{port} did not accept"):
        LaunchedDut(never, timeout=0.5, ready_port=f"tcp://127.0.0.1:{port}")

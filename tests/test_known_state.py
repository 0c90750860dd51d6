"""Before each test of a phone under test the bench checks the phone is back in its known state
(on the reader, the apCV application selectable, the app unlocked), resets it through its control
when it is not, and stops the run when it still is not: the following tests are not judged, with
the reason, instead of failing one after another on a locked phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.rig import RIGS_DIR

STAYS_LOCKED = """
from simulators.phone.unlock import AppLock
AppLock.unlock_with_code = lambda self, code: None  # the act is taken, the app stays locked
AppLock.unlock_with_biometrics = lambda self, matching=True: None
from harness.cli import cli
cli(["simulate", "phone", "--link", "vpcd://127.0.0.1:35963", "--seed", "2", "--locked",
     "--control", "tcp://127.0.0.1:35990"])
"""
"""A phone process whose app, once locked, stays locked whatever its control does (unlock, a code,
biometrics, re-activation): it starts locked, as a test that locked it would have left it."""


def _run(tmp_path: Path, launch: list[str], keyword: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    data = yaml.safe_load((RIGS_DIR / "phone-dut.yaml").read_text(encoding="utf-8"))
    data["dut"]["launch"] = launch
    data["roles"].pop("scanner")
    rig = tmp_path / "phone-dut.yaml"
    rig.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--rig", str(rig), "--role", "phone",
                           "-k", keyword, "--report", str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path, check=False)
    return done, json.loads((tmp_path / "r" / "results.json").read_text())


@pytest.mark.skipif(not os.path.exists("/usr/sbin/pcscd"), reason="pcscd is not installed")
def test_a_phone_that_stays_locked_stops_the_run_instead_of_failing_every_test(tmp_path: Path) -> None:
    done, record = _run(tmp_path, [sys.executable, "-u", "-c", STAYS_LOCKED], "select or session")
    assert done.returncode == 1, done.stdout + done.stderr
    reason = ("the device did not return to its known state: the app is locked "
              "(ESTABLISH SESSION answered 6982)")
    assert record["stopped"] == reason
    assert [r["outcome"] for r in record["results"]] == ["skipped"]
    assert record["results"][0]["message"] == reason
    assert set(record["summary"]["verdict"]["mandatory"].values()) == {"not_judged"}


@pytest.mark.skipif(not os.path.exists("/usr/sbin/pcscd"), reason="pcscd is not installed")
def test_a_locked_phone_is_unlocked_through_its_control_before_the_test(tmp_path: Path) -> None:
    """The reference phone process started locked: the bench unlocks it through its control
    channel before the first test, and the tests run on it."""
    launch = [sys.executable, "-u", "-m", "harness.cli", "simulate", "phone", "--link", "vpcd://127.0.0.1:35963",
              "--seed", "2", "--locked", "--control", "tcp://127.0.0.1:35990"]
    done, record = _run(tmp_path, launch, "presentation_in_a_session or reselect_restarts")
    assert done.returncode == 1, done.stdout + done.stderr  # the rest of the plan was not run
    assert not record["stopped"], record["stopped"]
    assert {r["outcome"] for r in record["results"]} == {"passed"} and len(record["results"]) == 2

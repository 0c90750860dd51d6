"""The phone as a device under test on rigs/phone-dut.yaml: our phone simulator as a process of
its own, its lock driven through its control channel (enter_code, biometric, reactivate), its
QR screen kept in a picture file that a ``frames:`` camera films, its framing errors of 0 and 1
byte sent over the rig's raw link (nfcpy's UDP link to the same process). ``certify`` certifies
it, every mandatory requirement judged on the process, and a faulty one is refused."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.rig import RIGS_DIR

pytestmark = [pytest.mark.skipif(shutil.which("pcscd") is None, reason="pcscd is not installed"),
              pytest.mark.slow]  # certify runs the launched phone's plan in a subprocess, with pcscd
LOCK_AND_SCREEN = ("APCV-NFC-031", "APCV-QR-001", "APCV-QR-002", "APCV-QR-003", "APCV-QR-004",
                   "APCV-QR-008")
TINY_APDUS = ("APCV-NFC-050", "APCV-NFC-055")
"""Judged in part by framing errors of 0 and 1 byte, which PC/SC and vpcd cannot carry: they go
through the rig's ``roles.reader.raw_link``."""


def certify(rig: Path, out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "harness.cli", "certify", "--rig", str(rig), "--role", "phone",
               "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def judged_on_the_dut(report: Path) -> dict[str, list[str]]:
    """Requirement -> outcomes of its tests, from a report folder's results."""
    results = json.loads((report / "results.json").read_text())["results"]
    outcomes: dict[str, list[str]] = {}
    for result in results:
        for ident in result["requirement_ids"]:
            outcomes.setdefault(ident, []).append(result["outcome"])
    return outcomes


def test_the_phone_process_certifies(tmp_path: Path) -> None:
    """Every mandatory requirement passes on the process, the framing errors of 0 and 1 byte
    included: their commands went through the raw link to the same process."""
    rig = _rig_variant(tmp_path, [])
    done = certify(rig, tmp_path / "bundle")
    verdict = json.loads((tmp_path / "bundle" / "verdict.json").read_text())
    assert done.returncode == 0 and verdict["certified"], done.stdout[-3000:] + done.stderr[-3000:]
    assert verdict["blocking"] == {} and set(verdict["mandatory"].values()) == {"passed"}
    outcomes = judged_on_the_dut(tmp_path / "bundle" / "report")
    for ident in (*LOCK_AND_SCREEN, *TINY_APDUS):
        assert "passed" in outcomes[ident] and "failed" not in outcomes[ident], (ident, outcomes[ident])
    assert outcomes["APCV-NFC-031"].count("passed") >= 5  # the code, the block, biometrics: on the process
    raw_link = yaml.safe_load(rig.read_text())["roles"]["reader"]["raw_link"]
    for case in ("empty", "one_byte"):
        trace = next((tmp_path / "bundle" / "report" / "traces").glob(f"*framing_errors*_{case}_*.jsonl"))
        records = [json.loads(line) for line in trace.read_text().splitlines()]
        tiny = [r for r in records if r["kind"] == "command" and len(bytes.fromhex(r["data"])) < 2]
        assert len(tiny) == 1 and tiny[0]["link"] == raw_link, (case, records)
        assert len(bytes.fromhex(tiny[0]["data"])) == (0 if case == "empty" else 1)


def test_without_a_listener_on_the_raw_link_the_tiny_frames_are_not_passed(tmp_path: Path) -> None:
    """The framing cases of 0 and 1 byte pass only when the phone process answers them: with the
    process off the raw link's port, they are not passed (the others still are)."""
    rig = _rig_variant(tmp_path, [])
    data = yaml.safe_load(rig.read_text())
    data["roles"]["reader"]["raw_link"] = f"nfc://udp:127.0.0.1:{_free_udp_port()}"
    rig.write_text(yaml.safe_dump(data))
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", "scenarios/conformance/phone/test_phone_framing.py", "-q",
               "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts=", "--apcv-rig", str(rig),
               "--apcv-operator", "skip", "--apcv-report", str(report), "-k", "6700"]
    subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    results = json.loads((report / "results.json").read_text())["results"]
    by_case = {r["nodeid"].rsplit("[", 1)[1].rstrip("]"): r["outcome"] for r in results}
    assert by_case["empty"] != "passed" and by_case["one byte"] != "passed", by_case
    assert by_case["truncated header"] == "passed", by_case


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rig_variant(tmp_path: Path, launch_extra: list[str], scanner: str | None = None) -> Path:
    data = yaml.safe_load((RIGS_DIR / "phone-dut.yaml").read_text())
    screen = f"frames:{tmp_path}/screen.pgm"  # its own screen file: tests on other workers run at once
    launch = [screen if str(arg).startswith("frames:") else arg for arg in data["dut"]["launch"]]
    data["dut"]["launch"] = [*launch, *launch_extra]
    data["roles"]["scanner"]["link"] = scanner if scanner is not None else f"{screen}?decoder=zbar"
    target = tmp_path / "phone-dut-variant.yaml"
    target.write_text(yaml.safe_dump(data))
    return target


def run_plan_file(rig: Path, plan_file: str, report: Path) -> dict[str, str]:
    """Run one file of the phone plan on ``rig`` (a separate pytest, as the plan runs); the
    verdict of each requirement it touches (passed, failed, skipped)."""
    command = [sys.executable, "-m", "pytest", f"scenarios/conformance/phone/{plan_file}", "-q", "-p",
               "no:cacheprovider", "-p", "no:randomly", "-o", "addopts=", "--apcv-rig", str(rig),
               "--apcv-operator", "skip", "--apcv-report", str(report)]
    subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    verdicts: dict[str, str] = {}
    for ident, outcomes in judged_on_the_dut(report).items():
        verdicts[ident] = ("failed" if {"failed", "error"} & set(outcomes)
                           else "passed" if "passed" in outcomes else "skipped")
    return verdicts


def test_a_phone_process_that_opens_its_lock_to_any_code_fails_the_lock(tmp_path: Path) -> None:
    rig = _rig_variant(tmp_path, ["--variant", "phone-presents-while-locked"])
    verdicts = run_plan_file(rig, "test_phone_lock.py", tmp_path / "report")
    assert verdicts["APCV-NFC-031"] == "failed"


def test_a_screen_the_camera_cannot_see_leaves_the_qr_requirements_not_judged(tmp_path: Path) -> None:
    rig = _rig_variant(tmp_path, [], scanner=f"frames:{tmp_path}/no-such-folder/screen.pgm")
    verdicts = run_plan_file(rig, "test_phone_qr.py", tmp_path / "report")
    for ident in ("APCV-QR-001", "APCV-QR-002", "APCV-QR-003", "APCV-QR-004", "APCV-QR-008"):
        assert verdicts[ident] == "skipped", (ident, verdicts)
    results = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    assert all("the camera cannot see the screen" in r["message"] for r in results), \
        [r["message"] for r in results]

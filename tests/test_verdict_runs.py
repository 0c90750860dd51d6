"""The exit status is the verdict: ``apcv-hil run`` and ``certify`` end with the verdict line on
stdout; a skipped mandatory requirement is not judged (exit 1); an interrupted run exits 130,
its partial report marked and put beside the last complete one, never over it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.rig import RIGS_DIR

pytestmark = pytest.mark.slow  # apcv-hil run, certify and rigs check in subprocesses (plans, pcscd)

SOFTWARE = RIGS_DIR / "software.yaml"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd, check=False)


def test_a_skipped_mandatory_requirement_is_not_judged_and_the_run_exits_1(tmp_path: Path) -> None:
    rig = tmp_path / "no-tiny.yaml"
    rig.write_text(SOFTWARE.read_text(encoding="utf-8").replace("features: [nfc-hce, tiny-apdus]",
                                                                "features: [nfc-hce]"), encoding="utf-8")
    done = _cli("run", "--rig", str(rig), "--role", "phone", "-k", "framing_errors or select_apcv",
                "--report", str(tmp_path / "report"), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("verdict: NOT PASSED (not certified: "), lines
    assert any(line.startswith("  APCV-NFC-050 not judged: test_framing_errors_answer_6700[empty] skipped: "
                               "rig 'software' lacks feature tiny-apdus") for line in lines), lines
    assert "  APCV-NFC-010 not judged: no test checked it" in lines
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert results["summary"]["verdict"]["exit_status"] == 1
    assert results["summary"]["requirements"]["APCV-NFC-001"] == "passed"
    assert results["dut"]["role"] == "phone" and results["dut"]["link.atr"]


def _ctrl_c_answered() -> None:
    """In the child: Ctrl-C back to its default (a test run started in the background ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_run_exits_130_and_keeps_the_last_complete_report(tmp_path: Path) -> None:
    report = tmp_path / "latest"
    first = _cli("run", "--role", "phone", "--report", str(report), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ("verdict: PASSED (certified: all 36 mandatory requirements of the phone plan "
                            "passed)\n")
    complete = (report / "results.json").read_text()
    process = subprocess.Popen([sys.executable, "-m", "harness.cli", "run", "--role", "phone", "--report",
                                str(report)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_ctrl_c_answered)
    traces = tmp_path / ".latest.partial" / "traces"
    deadline = time.monotonic() + 300
    while not (traces.is_dir() and len(list(traces.glob("*.jsonl"))) >= 3):
        assert process.poll() is None and time.monotonic() < deadline, "the run never got going"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert out.splitlines()[0].startswith("verdict: INTERRUPTED (interrupted, not certified: ")
    assert (report / "results.json").read_text() == complete
    partial = json.loads((tmp_path / "latest.interrupted" / "results.json").read_text())
    assert partial["interrupted"] is True and partial["summary"]["verdict"]["exit_status"] == 130
    assert 0 < len(partial["results"]) < 60
    assert "interrupted before its end" in partial["summary"]["reasons"].values()
    assert "INTERRUPTED" in (tmp_path / "latest.interrupted" / "index.html").read_text()
    junit = (tmp_path / "latest.interrupted" / "junit.xml").read_text()
    assert '<property name="interrupted" value="true"' in junit
    assert not (tmp_path / ".latest.partial").exists()


@pytest.mark.skipif(not os.path.exists("/usr/sbin/pcscd"), reason="pcscd is not installed")
def test_certify_launches_the_phone_before_probing_it(tmp_path: Path) -> None:
    """The phone-dut rig's phone is a process the rig launches: certify starts it, probes it, runs
    the plan (its framing cases of 0 and 1 byte through the rig's raw link) and certifies it."""
    out = tmp_path / "bundle"
    done = _cli("certify", "--rig", str(RIGS_DIR / "phone-dut.yaml"), "--role", "phone", "--out", str(out),
                "--operator", "skip", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("verdict: PASSED (certified: all ")
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["exit_status"] == 0 and verdict["mandatory"]["APCV-NFC-050"] == "passed"
    dut = json.loads((out / "dut.json").read_text())
    assert dut["declared.model"] == "reference phone simulator" and dut["link.atr"]
    results = json.loads((out / "report" / "results.json").read_text())
    assert results["dut"] == dut and results["summary"]["verdict"]["certified"] is True


@pytest.mark.skipif(not os.path.exists("/usr/sbin/pcscd"), reason="pcscd is not installed")
def test_rigs_check_does_what_run_does_before_its_first_test(tmp_path: Path) -> None:
    """pcscd started as run starts it, the DUT launched and probed: a rig run can use is valid."""
    done = _cli("rigs", "check", str(RIGS_DIR / "phone-dut.yaml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("dut.launch: ready (apcv-hil simulate phone ")
    assert lines[2].startswith("phone under test: reached (atr 3B80800101, ")
    assert lines[-1] == "ok"


def test_certify_writes_each_report_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from harness.cli import cli
    from harness.report import writers

    written: list[Path] = []
    json_writer = writers.WRITERS["json"]

    def counting(record, directory: Path) -> Path:
        written.append(directory)
        return json_writer(record, directory)

    monkeypatch.setitem(writers.WRITERS, "json", counting)
    result = CliRunner().invoke(cli, ["certify", "--rig", "software", "--role", "card", "--out",
                                      str(tmp_path / "bundle")])
    assert result.exit_code == 0, result.output
    assert len(written) == 1
    assert json.loads((tmp_path / "bundle" / "report" / "results.json").read_text())["dut"]["role"] == "card"


def test_a_silent_device_gets_one_recovery_then_the_run_stops(tmp_path: Path) -> None:
    """A phone that never answers: the first test that meets the silence has the phone taken away
    and presented again, the second silence stops the run; all in seconds, the rest not judged."""
    rig = tmp_path / "mute.yaml"
    text = SOFTWARE.read_text(encoding="utf-8")
    assert text.count('link: "sim:bench"') >= 1
    rig.write_text(text.replace('link: "sim:bench"', 'link: "sim:bench?fault=mute@1"', 1), encoding="utf-8")
    done = _cli("run", "--rig", str(rig), "--role", "phone", "--report", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    record = json.loads((tmp_path / "r" / "results.json").read_text())
    skipped = [r["message"] for r in record["results"] if r["outcome"] == "skipped"]
    assert skipped[0].endswith("it was taken away and presented again")
    assert skipped[1].startswith("the device under test stopped answering again")
    assert record["stopped"] == skipped[1] and len(record["results"]) == 2
    assert set(record["summary"]["verdict"]["mandatory"].values()) == {"not_judged"}


def test_a_launched_device_that_exits_stops_the_run_at_once(tmp_path: Path) -> None:
    rig = tmp_path / "short-lived.yaml"
    script = "print('ready: up'); import time; time.sleep(0.3); raise SystemExit(3)"
    launch = f'[{sys.executable}, -u, -c, "{script}"]'
    rig.write_text(SOFTWARE.read_text(encoding="utf-8") + f"dut:\n  role: phone\n  launch: {launch}\n",
                   encoding="utf-8")
    done = _cli("run", "--rig", str(rig), "--report", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    record = json.loads((tmp_path / "r" / "results.json").read_text())
    assert record["stopped"] == "device process exited with code 3 (last lines: ready: up)"
    # noticed before the next test (which is then not judged) or right after the test it died in
    assert record["results"][-1]["message"] in (record["stopped"], "") and len(record["results"]) < 60
    reasons = record["summary"]["verdict"]["reasons"].values()
    assert "device process exited with code 3 (last lines: ready: up)" in reasons


def test_a_plan_run_loads_no_other_package_s_pytest_plugin(tmp_path: Path) -> None:
    """A pytest plugin another installed package registers never reaches a plan run (it could
    change what the plan judges, and loading them all cost each run ~1.6 s of CPU)."""
    other = tmp_path / "other-packages"
    info = other / "noisy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: noisy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nnoisy = noisy_plugin\n")
    (other / "noisy_plugin.py").write_text("raise RuntimeError('the noisy plugin was loaded')\n")
    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--rig", str(SOFTWARE), "--role",
                           "card", "--report", str(tmp_path / "report")], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path, check=False,
                          env={**os.environ, "PYTHONPATH": str(other)})
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "noisy" not in done.stdout + done.stderr

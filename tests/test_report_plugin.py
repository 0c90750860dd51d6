"""The pytest plugin fills the run record: whole-test durations, measurements that decide a
verdict, faults active per test, trace rows, a failed scan's frame, and a role's plan."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from plugin_runs import SCENARIOS, run_plugin, software_rig

pytestmark = pytest.mark.slow  # runs pytest or a program in a subprocess


def by_name(results: dict) -> dict[str, dict]:
    return {r["name"]: r for r in results["results"]}

def test_durations_count_set_up_call_and_tear_down(plugin_run: dict) -> None:
    read = by_name(plugin_run)["test_read_within_limits"]
    assert read["outcome"] == "passed" and read["duration_s"] >= 0.05


def test_measurements_are_recorded_and_decide_the_verdict(plugin_run: dict) -> None:
    tests = by_name(plugin_run)
    [total] = tests["test_read_within_limits"]["measurements"]
    assert (total["name"], total["unit"], total["passed"], total["high"]) == ("total_ms", "ms", True, 60_000)
    failed = tests["test_out_of_limits"]
    assert failed["outcome"] == "failed"
    assert failed["message"] == ("Failed: measurement out of limits: turnaround_ms = 72 ms (limit ≤ 50 ms): "
                                 "FAILED")
    assert [(m["name"], m["passed"]) for m in failed["measurements"]] == [("turnaround_ms", False),
                                                                          ("kept_after", True)]
    assert plugin_run["summary"]["requirements"]["APCV-NFC-002"] == "failed"


def test_trace_rows_name_the_commands(plugin_run: dict) -> None:
    rows = by_name(plugin_run)["test_read_within_limits"]["trace"]
    names = [row["name"] for row in rows if row["kind"] == "command"]
    assert names[:3] == ["SELECT", "ESTABLISH SESSION (APCV-R1)", "GET PRESENTATION (APCV-R1)"]
    answers = [row for row in rows if row["kind"] == "response"]
    assert answers[0]["sw"] == "9000" and answers[0]["meaning"] == "success"
    assert all(row["elapsed_ms"] >= 0 for row in answers)


def test_a_failed_scan_keeps_the_frame_the_camera_saw(plugin_run: dict) -> None:
    scan = by_name(plugin_run)["test_failed_scan"]
    assert scan["outcome"] == "failed" and "no QR payload within 0.3 s" in scan["message"]
    [frame] = scan["attachments"]
    assert frame.endswith(".failed-scan.png")
    assert any("attached failed-scan.png" in row["detail"] for row in scan["trace"])


def test_faults_of_the_links_are_recorded_per_test(tmp_path: Path) -> None:
    rig = software_rig(phone="sim:bench?latency=2&fault=corrupt@40")
    results = run_plugin(tmp_path, rig, "-k", "within_limits or card_tagged")
    tests = by_name(results)
    assert tests["test_read_within_limits"]["faults"] == ["phone link: latency 2 ms, corrupt at APDU 40"]
    assert tests["test_card_tagged"]["faults"] == []
    assert results["faults_active"] == ["phone link: latency 2 ms, corrupt at APDU 40"]
    html = (tmp_path / "report" / "index.html").read_text()
    assert "Faults active: phone link: latency 2 ms, corrupt at APDU 40" in html


def test_a_role_plan_runs_only_its_requirements_tests(tmp_path: Path) -> None:
    results = run_plugin(tmp_path, software_rig(), "--apcv-role", "card")
    assert [r["name"] for r in results["results"]] == ["test_card_tagged"]
    assert results["role"] == "card"
    assert set(results["requirements"]) == {f"APCV-CARD-00{n}" for n in range(1, 5)}


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_scenarios.py").write_text(SCENARIOS)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "test_scenarios.py", "--apcv-role", "toaster"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 4 and "--apcv-role: unknown role 'toaster'" in done.stderr

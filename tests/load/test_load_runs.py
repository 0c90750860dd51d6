"""Real load runs: ``apcv-hil load`` with Locust against live backends, bounded to a few seconds each.

Each run checks what the report folder holds (Locust's CSV and HTML, our summary), the
verdict and exit code, the audit, and that no full NIR leaked into any report file.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.report import mask_text
from scenarios.load.slo import ENDPOINTS
from simulators.backend.process import ServerProcess

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
TEXT_REPORTS = ("*.csv", "*.json", "*.jsonl", "*.md", "*.log", "*.html")


def apcv_load(report: Path, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "apcv-hil"), "load", "--report", str(report), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, check=False)


def results(report: Path) -> dict:
    return json.loads((report / "summary.json").read_text())


def assert_no_full_nir(report: Path) -> None:
    for pattern in TEXT_REPORTS:
        for path in report.glob(pattern):
            text = path.read_text(errors="replace")
            assert mask_text(text) == text, f"a full NIR in {path.name}"


def endpoint_counts(report: Path) -> dict[str, int]:
    with (report / "locust_stats.csv").open() as stream:
        return {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(stream)}


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``apcv-hil backend serve`` with no seeded people, as in the README."""
    database = tmp_path_factory.mktemp("plain-backend") / "backend.sqlite3"
    with ServerProcess(f"sqlite:///{database}") as server:
        yield server


def test_an_embedded_run_meets_a_lenient_slo_and_its_report_says_what_happened(tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text("error_rate: 0.02\nmin_throughput_rps: 2\nevery_endpoint: {p99_ms: 3000}\n")
    report = tmp_path / "report"
    done = apcv_load(report, "--target", "embedded", "--users", "8", "--user-rate", "2", "--duration", "8s",
                     "--people", "300", "--slo", str(slo))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS" in done.stdout
    for name in ("locust_stats.csv", "locust_failures.csv", "locust_stats_history.csv", "locust.html",
                 "summary.md", "summary.json", "plan.json"):
        assert (report / name).exists(), name
    data = results(report)
    assert data["verdict"] == "pass" and data["audit"]["clean"]
    summary = data["summary"]
    names = {e["name"] for e in summary["endpoints"]}
    assert {"/v1/rights/[nir]", "/v1/claims", "/v1/receipts"} <= names
    assert names <= set(ENDPOINTS)  # an SLO file can name every endpoint the users call
    assert names & {"/v1/verifications", "/v1/verifications/qr"}
    for entry in summary["endpoints"]:
        assert entry["p50_ms"] <= entry["p95_ms"] <= entry["p99_ms"]
    assert summary["total"]["rps"] > 2 and summary["total"]["failures"] == 0
    assert summary["generator_cpu_s"] > 0 and 0 < summary["generator_cpu_share"] < 1
    assert summary["server_cpu_s"] > 0
    assert data["audit"]["acknowledged_claims"] > 0
    assert all(c["passed"] for c in data["slo"]) and len(data["slo"]) >= 3
    assert_no_full_nir(report)


def test_an_slo_the_run_cannot_meet_fails_it_with_exit_code_1(tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text("min_throughput_rps: 100000\nevery_endpoint: {p50_ms: 0.001}\n")
    report = tmp_path / "report"
    done = apcv_load(report, "--target", "embedded", "--users", "3", "--duration", "5s", "--people", "300",
                     "--slo", str(slo))
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FAIL" in done.stdout and "not met: throughput req/s (at least)" in done.stdout
    data = results(report)
    assert data["verdict"] == "fail" and data["audit"]["clean"]
    assert not any(c["passed"] for c in data["slo"])


def test_a_two_worker_run_shares_the_users_and_hands_every_record_to_the_master(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = apcv_load(report, "--target", "embedded", "--workers", "2", "--shape", "step", "--steps", "2",
                     "--users", "10", "--user-rate", "2", "--duration", "8s", "--people", "300")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = results(report)
    processes = data["summary"]["generator"]
    assert sorted((p["role"], p["slot"]) for p in processes if p["role"] == "worker") == \
        [("worker", 0), ("worker", 1)]
    assert [p["role"] for p in processes].count("master") == 1
    assert all(p["cpu_s"] > 0 for p in processes if p["role"] == "worker")
    # Locust's totals and our timeline counted the same requests: nothing was lost at the end
    timeline = [json.loads(line) for line in (report / "timeline.jsonl").read_text().splitlines()]
    assert sum(row[1] for row in timeline) == endpoint_counts(report)["Aggregated"] > 0
    claims = json.loads((report / "summary.json").read_text())["audit"]["acknowledged_claims"]
    assert claims > 0 and data["audit"]["clean"]
    logs = {path.name for path in report.glob("locust-*.log")}
    assert logs == {"locust-master.log", "locust-worker-0.log", "locust-worker-1.log"}
    assert_no_full_nir(report)


def test_faults_under_load_are_reported_and_the_audit_stays_clean(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = apcv_load(report, "--target", "embedded", "--users", "10", "--user-rate", "3", "--duration", "16s",
                     "--people", "300", "--fault", "5xx@3s+2s", "--fault", "kill-worker@7s",
                     "--fault", "slow-db@11s+3s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = results(report)
    effects = {e["fault"].split("@")[0]: e for e in data["summary"]["faults"]}
    assert set(effects) == {"5xx", "kill-worker", "slow-db"}
    outage = effects["5xx"]
    assert outage["failures"] > 0 and set(outage["errors"]) == {"503 injected_outage"}
    assert "supervisor started worker" in effects["kill-worker"]["detail"]
    slow = effects["slow-db"]
    assert slow["p95_during_ms"] > slow["p95_before_ms"]
    assert "write lock" in slow["detail"]
    audit = data["audit"]
    assert audit["clean"], audit["problems"]
    assert audit["acknowledged_claims"] > 0 and "every acknowledged claim stored" in audit["checked"]
    markdown = (report / "summary.md").read_text()
    assert "## Faults: what the users saw" in markdown and "503 injected_outage" in markdown
    assert_fault_windows_shaded_as_planned(report, {"5xx": (3, 2), "kill-worker": (7, 0), "slow-db": (11, 3)})
    assert_no_full_nir(report)


def assert_fault_windows_shaded_as_planned(report: Path, plan: dict[str, tuple[float, float]]) -> None:
    """timeline.svg, shown in summary.md, shades each fault from its AT for its FOR (the injector
    starts a fault within a second of its time; a kill lasts until the service answers again)."""
    from scenarios.load.timeline_plot import FAULT_GID, PLOT_FILE, fault_windows

    svg = (report / PLOT_FILE).read_text()
    assert f"]({PLOT_FILE})" in (report / "summary.md").read_text()
    started = json.loads((report / "started.json").read_text())["at"]
    events = json.loads((report / "faults.json").read_text())
    windows = {w.label.split("@")[0]: w for w in fault_windows(events, started)}
    assert set(windows) == set(plan)
    for name, (at, length) in plan.items():
        window = windows[name]
        assert f'id="{FAULT_GID}{window.label}"' in svg
        assert at <= window.start_s < at + 1, (name, window)
        if length:
            assert window.end_s - window.start_s == pytest.approx(length, abs=0.6), (name, window)


def test_killing_a_single_process_backend_starts_it_again_on_the_same_database(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = apcv_load(report, "--target", "embedded", "--backend-workers", "1", "--users", "6",
                     "--user-rate", "3", "--duration", "9s", "--people", "300", "--fault", "kill-worker@3s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = results(report)
    [effect] = data["summary"]["faults"]
    assert effect["detail"].startswith("killed the single-process server (SIGKILL) and started it again")
    assert data["audit"]["clean"], data["audit"]["problems"]
    assert data["summary"]["server_cpu_s"] is None  # the killed server's CPU went with it


def test_an_http_target_gets_its_own_people_and_an_audit_through_the_api(plain_server: ServerProcess,
                                                                        tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = apcv_load(report, "--target", plain_server.url, "--users", "6", "--user-rate", "2",
                     "--duration", "6s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = results(report)
    assert data["people"] == "people registered through the API (PUT /v1/insured)"
    assert data["audit"]["clean"]
    assert any(c.startswith("every acknowledged claim stored (") for c in data["audit"]["checked"])
    assert data["summary"]["server_cpu_s"] is None  # not ours to measure


def test_the_readme_locust_recipe_is_bounded_and_succeeds(plain_server: ServerProcess,
                                                          tmp_path: Path) -> None:
    """The README recipe: a plain backend, plain locust with our shape; it ends at --run-time, no failures."""
    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "locust"), "-f", "scenarios/load/locustfile.py,scenarios/load/shapefile.py", "--headless",
         "--host", plain_server.url, "--apcv-shape", "step", "--users", "6", "--run-time", "6s",
         "--csv", str(tmp_path / "run"), "--only-summary"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 60
    with (tmp_path / "run_stats.csv").open() as stream:
        rows = {row["Name"]: row for row in csv.DictReader(stream)}
    assert int(rows["Aggregated"]["Request Count"]) > 0
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    assert mask_text(done.stderr) == done.stderr


def test_a_worker_joins_with_the_printed_command_and_its_material_comes_from_the_master(
        tmp_path: Path) -> None:
    """--remote-workers: the master waits; the printed command (run here, on loopback, from another
    folder) joins it and receives the plan and its material over Locust's channel."""
    report = tmp_path / "report"
    run = subprocess.Popen([str(BIN / "apcv-hil"), "load", "--report", str(report), "--target", "embedded",
                            "--workers", "1", "--remote-workers", "1", "--users", "4", "--duration", "5s",
                            "--people", "300", "--master-bind-host", "127.0.0.1"],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert run.stderr is not None
        command = ""
        for line in run.stderr:
            if "other machine(s)" in line:
                command = line.split(", run: ", 1)[1].strip()
                break
        assert command.startswith("apcv-hil load-worker --master 127.0.0.1:"), command
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        remote = subprocess.run([str(BIN / "apcv-hil"), *command.split()[1:]], cwd=elsewhere,
                                capture_output=True, text=True, timeout=90, check=False)
        assert remote.returncode == 0, remote.stderr[-2000:]
        assert run.wait(timeout=90) == 0
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    summary = results(report)["summary"]
    slots = sorted(p["slot"] for p in summary["generator"] if p["role"] == "worker")
    assert slots == [0, 1]
    assert summary["total"]["requests"] > 0


def test_sigterm_in_the_timed_phase_prints_the_partial_results_and_one_line(tmp_path: Path) -> None:
    """SIGTERM (a CI job cancelled, a container stopped) ends the run like Ctrl-C: no traceback,
    what ran so far summarised, one line saying the results are partial, exit status 130."""
    import signal

    report = tmp_path / "report"
    command = [str(BIN / "apcv-hil"), "load", "--report", str(report), "--target", "embedded", "--users", "4",
               "--user-rate", "3", "--duration", "120s", "--people", "300"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = []
        while not any(line.startswith("running ") for line in said):
            line = process.stderr.readline()
            assert line, "".join(said)
            said.append(line)
        deadline = time.monotonic() + 60
        while not (report / "started.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    err = "".join(said) + err
    assert process.returncode == 130, out + err
    assert "Traceback" not in err + out
    last = err.strip().splitlines()[-1]
    assert last.startswith("apcv-hil: error: interrupted (SIGTERM after ") and "of the 120 s run" in last, err
    assert last.endswith("the results above are partial")
    data = results(report)
    assert data["interrupted"].startswith("SIGTERM after ") and data["verdict"] == "fail"
    assert data["summary"]["total"]["requests"] > 0
    assert "FAIL (interrupted: SIGTERM" in (report / "summary.md").read_text()
    assert "load run" in out and "audit:" in out

"""``apcv-hil load`` refuses bad input with one clear line before any load is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import cli
from simulators.backend.process import ServerProcess, free_port


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["load", *args])


def assert_refused(result: Result, report: Path, *fragments: str) -> None:
    """Exit 2 with one 'error:' line naming the problem (after any progress lines), no Locust started."""
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("apcv-hil: error: ")]
    assert len(errors) == 1 and result.stderr.strip().endswith(errors[0]), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert not list(report.glob("locust*")), "Locust was started"


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``apcv-hil backend serve`` as a newcomer starts it: no insured people in its database."""
    database = tmp_path_factory.mktemp("plain-backend") / "backend.sqlite3"
    with ServerProcess(f"sqlite:///{database}") as server:
        yield server


@pytest.mark.parametrize(("args", "fragments"), [
    (["--target", "embedded", "--shape", "ramp"], ["unknown shape 'ramp'", "step", "rollout"]),
    (["--target", "embedded", "--users", "0"], ["--users 0 is out of range"]),
    (["--target", "embedded", "--users", "10000000"], ["--users 10000000 is out of range"]),
    (["--target", "embedded", "--spawn-rate", "0"], ["--spawn-rate 0 is out of range"]),
    (["--target", "embedded", "--users", "50000", "--user-rate", "50"], ["lower --users or --user-rate"]),
    (["--target", "embedded", "--duration", "forever"], ["--duration 'forever' is not a duration"]),
    (["--target", "embedded", "--duration", "2s"], ["2 s is out of range"]),
    (["--target", "embedded", "--workers", "100"], ["--workers 100 is out of range"]),
    (["--target", "embedded", "--users", "1", "--workers", "2"], ["fewer than the 2 Locust workers"]),
    (["--target", "embedded", "--date", "31/12/2026"], ["--date '31/12/2026' is not a date"]),
    (["--target", "embedded", "--mix", "doctors=1"], ["--mix 'doctors=1'"]),
    (["--target", "embedded", "--fault", "unplug"], ["unknown fault 'unplug'"]),
    (["--target", "embedded", "--people", "0"], ["--people 0 is out of range"]),
    (["--target", "embedded", "--people-file", "people.jsonl"], ["--people-file"]),
    (["--target", "http://127.0.0.1:8600", "--fault", "5xx"], ["--fault needs --target embedded"]),
    (["--target", "ftp://127.0.0.1"], ["must be 'embedded' or an http(s)://host:port URL"]),
    (["--target", "http://127.0.0.1:99999"], ["the port is not a number"]),
    (["--target", "http://127.0.0.1:8600/v1"], ["without a path"]),
])
def test_bad_options_are_refused_before_anything_starts(tmp_path: Path, args: list[str],
                                                       fragments: list[str]) -> None:
    report = tmp_path / "report"
    assert_refused(invoke(*args, "--report", str(report)), report, *fragments)
    assert not report.exists()


@pytest.mark.parametrize(("text", "fragment"), [
    ("error_rate: [0.1", "not valid YAML"),
    ("endpoints: {/v1/teapot: {p95_ms: 10}}", "no user calls '/v1/teapot'"),
    ("p95: 100", "p95: unknown key"),
])
def test_a_malformed_slo_file_is_refused_before_anything_starts(tmp_path: Path, text: str,
                                                               fragment: str) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(text)
    report = tmp_path / "report"
    assert_refused(invoke("--target", "embedded", "--slo", str(slo), "--report", str(report)), report,
                   f"SLO file {slo}", fragment)
    assert not report.exists()


def test_an_unreachable_target_is_named(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = tmp_path / "report"
    assert_refused(invoke("--target", url, "--report", str(report)), report, f"target {url} is unreachable")


@pytest.mark.slow  # serves the backend in a subprocess
def test_a_plain_backend_serve_that_was_not_seeded_is_named_not_404_after_404(plain_server: ServerProcess,
                                                                             tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = invoke("--target", plain_server.url, "--people", "500", "--report", str(report))
    assert_refused(result, report, "does not know the insured person", "404 unknown_nir",
                   "--seed-population 500", "a plain 'backend serve' holds no insured people")


@pytest.mark.slow  # serves the backend in a subprocess
def test_a_target_with_another_caller_directory_is_named(plain_server: ServerProcess, tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = invoke("--target", plain_server.url, "--seed", "7", "--report", str(report))
    assert_refused(result, report, "operator:review-1", "give the target's own --seed")


@pytest.mark.slow  # serves the backend in a subprocess
def test_a_bad_line_of_a_people_file_is_named(plain_server: ServerProcess, tmp_path: Path) -> None:
    people = tmp_path / "people.jsonl"
    people.write_text('{"identity": {"nir": "1"}}\n')
    report = tmp_path / "report"
    result = invoke("--target", plain_server.url, "--people-file", str(people), "--report", str(report))
    assert_refused(result, report, f"{people}, line 1: not an insured record")


SIGTERM_WHILE_PREPARING = """
import os, signal, sys
import scenarios.load.settings as settings

def terminated_while_reading(text):  # SIGTERM arrives while the command prepares, before any run
    os.kill(os.getpid(), signal.SIGTERM)
    return 60.0

settings.parse_duration = terminated_while_reading
from harness.cli import main
sys.argv = ["apcv-hil", "load", "--target", "embedded", "--duration", "60s", "--report", sys.argv[1]]
main()
"""


def test_sigterm_before_the_run_is_one_line_not_a_silent_kill(tmp_path) -> None:
    """The run's own handler comes late (after the imports and checks): SIGTERM before it used
    to kill the command silently (exit -15)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_PREPARING, str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr == "apcv-hil: error: interrupted\n" and done.stdout == ""

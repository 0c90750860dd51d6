"""``apcv-hil national-day``: replications with intervals, the same days on Dask, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.identification import Mix
from scenarios.models.national_day import national_day, run_national, summarise_national

SMALL = {"gp": 60, "pharmacy": 11, "hospital": 3}
MIX = Mix.parse("card=50,qr=30,nfc=20")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_replications_give_intervals_per_kind_and_for_the_country() -> None:
    code, out, _ = _run("national-day", "--replications", "4", "--scale", "0.002", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["practices"] == {"gp": 120, "pharmacy": 22, "hospital": 1}
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert list(kinds) == ["gp", "pharmacy", "hospital", "all"]
    for name in ("gp", "pharmacy"):
        visits = kinds[name]["visits"]
        assert 0 < visits["low"] < visits["mean"] < visits["high"]
        p95 = kinds[name]["wait_p95_s"]
        assert 0 <= p95["low"] <= p95["mean"] <= p95["high"]
    assert kinds["all"]["visits"]["mean"] == pytest.approx(sum(kinds[n]["visits"]["mean"] for n in SMALL))
    assert kinds["all"]["wait_p95_s"] is None


def test_one_replication_says_it_has_no_interval() -> None:
    code, out, _ = _run("national-day", "--replications", "1", "--scale", "0.002")
    assert code == 0
    assert "no interval: one replication" in out and "±" not in out


def test_replications_are_independent_and_reproducible() -> None:
    first, second = (national_day(MIX, 3, r, SMALL) for r in (0, 1))
    assert first.kinds["gp"].visits != second.kinds["gp"].visits
    assert national_day(MIX, 3, 1, SMALL) == second


def test_dask_gives_the_same_days_as_this_process() -> None:
    distributed = pytest.importorskip("distributed", reason="Dask runs need the [models] group's distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = run_national(MIX, 3, seed=4, practices=SMALL, dask=cluster.scheduler_address)
    assert on_dask == run_national(MIX, 3, seed=4, practices=SMALL)
    assert [s.name for s in summarise_national(on_dask)] == ["gp", "pharmacy", "hospital", "all"]


@pytest.mark.parametrize(("args", "message"), [
    (("--replications", "0"), "apcv-hil: error: replications must be 1 to 1000"),
    (("--mix", "card=90"), "apcv-hil: error: mix 'card=90': shares add up to 90%"),
    (("--dask", "tcp://127.0.0.1:9"), "apcv-hil: error: cannot reach the Dask scheduler"),
    (("--timings", "/nonexistent.jsonl"), "apcv-hil: error: timing file /nonexistent.jsonl not found"),
])
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("national-day", "--scale", "0.001", *args)
    assert code != 0 and err.startswith(message), err


@pytest.mark.slow  # runs the command in a subprocess
def test_ctrl_c_stops_the_national_day_within_a_second() -> None:
    command = [str(Path(sys.executable).parent / "apcv-hil"), "national-day", "--replications", "1000"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "OMP_NUM_THREADS": "1"},
                               # as at a terminal, even when this test runs as a background job
                               # (which starts with Ctrl-C ignored, and the child would inherit it)
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        used = psutil.Process(process.pid)
        while sum(used.cpu_times()[:2]) < 4:  # imports done (about 1.5 s of CPU), replications under way
            assert process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        process.wait(timeout=10)
        stopped = time.perf_counter() - sent
    finally:
        process.kill()
        process.wait()
    assert stopped <= 1.0, f"stopped {stopped:.2f} s after Ctrl-C"
    assert b"Traceback" not in process.stderr.read()


@pytest.mark.slow  # runs the command and its worker processes
@pytest.mark.parametrize("command", [("waiting-room", "--replications", "1000", "--workers", "2"),
                                     ("rollout", "--until", "2030-01-01", "--review-replications", "50",
                                      "--workers", "2")])
def test_ctrl_c_stops_a_model_with_worker_processes_within_a_second(command: tuple[str, ...]) -> None:
    process = subprocess.Popen([str(Path(sys.executable).parent / "apcv-hil"), *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    parent = psutil.Process(process.pid)
    try:
        while len(parent.children()) < 2:  # the workers are up
            assert process.poll() is None
            time.sleep(0.2)
        time.sleep(2)  # and busy with the queued tasks
        workers = parent.children(recursive=True)
        process.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        process.wait(timeout=10)
        stopped = time.perf_counter() - sent
    finally:
        process.kill()
        process.wait()
    assert stopped <= 1.0, f"stopped {stopped:.2f} s after Ctrl-C"
    assert process.returncode == 130
    assert process.stderr.read().decode() == "apcv-hil: error: interrupted\n"
    _, alive = psutil.wait_procs(workers, timeout=1)
    running = [w for w in alive if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]  # zombie: ended
    assert not running, f"workers left running: {running}"

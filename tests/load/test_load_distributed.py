"""Workers on other machines need nothing by hand: the master sends the plan and the material.

The machines are network namespaces of our own (``ip netns``), joined by veth pairs on a
bridge in the master's, on a private /24 that exists only inside them: the backend and the
master in one, each worker in its own, started from the command the master prints, in an
empty private /tmp (its own mount namespace), so no folder is shared. Then the refusals:
a worker of another apcv-hil version, a worker of a plain ``locust --master``, a bad
``--master``: one line each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from simulators.backend.process import free_port

pytestmark = pytest.mark.slow  # Locust masters and workers in processes (some in network namespaces)

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
LOCUSTFILES = f"{REPO / 'scenarios/load/locustfile.py'},{REPO / 'scenarios/load/shapefile.py'}"
"""(Importing scenarios.load.distribute here would import Locust, whose gevent patching breaks pytest.)"""
SUBNET = "10.77.0"
BACKEND_PORT = 8600


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def machines() -> Iterator[dict[str, str]]:
    """Three network namespaces: ``master`` (10.77.0.1 on a bridge) and two workers (.2, .3)."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        pytest.skip("network namespaces need root, iproute2 and unshare")
    tag = f"{os.getpid() % 100000}"
    names = {"master": f"apcvm{tag}", "worker-1": f"apcvw1{tag}", "worker-2": f"apcvw2{tag}"}
    made: list[str] = []
    try:
        for name in names.values():
            _ip("netns", "add", name)
            made.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        master = names["master"]
        _ip("-n", master, "link", "add", "br0", "type", "bridge")
        _ip("-n", master, "addr", "add", f"{SUBNET}.1/24", "dev", "br0")
        _ip("-n", master, "link", "set", "br0", "up")
        for index, role in enumerate(("worker-1", "worker-2"), start=2):
            _ip("-n", master, "link", "add", f"to{index}", "type", "veth", "peer", "name", "eth0",
                "netns", names[role])
            _ip("-n", master, "link", "set", f"to{index}", "master", "br0", "up")
            _ip("-n", names[role], "addr", "add", f"{SUBNET}.{index}/24", "dev", "eth0")
            _ip("-n", names[role], "link", "set", "eth0", "up")
    except (subprocess.CalledProcessError, OSError) as exc:
        for name in made:
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
        said = (exc.stderr.decode(errors="replace").strip() if isinstance(exc, subprocess.CalledProcessError)
                else exc)
        pytest.skip(f"network namespaces are not available here: {said}")
    yield names
    for name in made:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


def _in(namespace: str, *command: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *command]


def _alone(namespace: str, *command: str) -> list[str]:
    """``command`` in ``namespace`` with an empty /tmp of its own, started from it."""
    return _in(namespace, "unshare", "--mount", "--propagation", "private", "sh", "-c",
               'mount -t tmpfs tmpfs /tmp && cd /tmp && exec "$@"', "worker", *command)


def _wait_backend(namespace: str, url: str) -> None:
    check = f"import httpx, sys; sys.exit(httpx.get('{url}/v1/health').status_code != 200)"
    deadline = time.monotonic() + 120
    while subprocess.run(_in(namespace, sys.executable, "-c", check), capture_output=True,
                         timeout=60).returncode:
        assert time.monotonic() < deadline, "the backend did not come up"
        time.sleep(0.5)


def _printed_command(run: subprocess.Popen) -> str:
    assert run.stderr is not None
    for line in run.stderr:
        if ", run: " in line:
            return line.split(", run: ", 1)[1].strip()
    raise AssertionError("the master printed no worker command")


def test_two_workers_in_other_namespaces_get_plan_and_material_from_the_master(
        machines: dict[str, str], tmp_path: Path) -> None:
    master = machines["master"]
    url = f"http://{SUBNET}.1:{BACKEND_PORT}"
    backend = subprocess.Popen(_in(master, str(BIN / "apcv-hil"), "backend", "serve", "--host", f"{SUBNET}.1",
                                   "--port", str(BACKEND_PORT), "--seed", "0",
                                   "--db", f"sqlite:///{tmp_path / 'b.sqlite3'}",
                                   "--no-access-log", "--log-level", "warning"),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[subprocess.Popen] = []
    run = None
    try:
        _wait_backend(master, url)
        report = tmp_path / "report"
        run = subprocess.Popen(_in(master, str(BIN / "apcv-hil"), "load", "--report", str(report),
                                   "--target", url, "--remote-workers", "2", "--users", "6",
                                   "--user-rate", "2", "--duration", "6s"),
                               cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        command = _printed_command(run)
        assert command.startswith(f"apcv-hil load-worker --master {SUBNET}.1:"), command  # its real address
        for role in ("worker-1", "worker-2"):
            argv = _alone(machines[role], str(BIN / "apcv-hil"), *command.split()[1:])
            workers.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True))
        for worker in workers:
            output, _ = worker.communicate(timeout=180)
            assert worker.returncode == 0, output[-3000:]
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, out[-2000:] + err[-3000:]
    finally:
        for process in [*workers, *([run] if run else []), backend]:
            if process.poll() is None:
                process.kill()
                process.wait()
    data = json.loads((report / "summary.json").read_text())
    summary = data["summary"]
    assert sorted(p["slot"] for p in summary["generator"] if p["role"] == "worker") == [0, 1]
    assert summary["total"]["requests"] > 0 and summary["total"]["failures"] == 0
    assert data["audit"]["clean"] and data["audit"]["acknowledged_claims"] > 0


def test_a_worker_of_another_version_is_named_in_one_line_by_worker_and_master(tmp_path: Path) -> None:
    other = tmp_path / "other-install"
    (other / "apcv_hil-0.0.1.dist-info").mkdir(parents=True)
    (other / "apcv_hil-0.0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: apcv-hil\n"
                                                                 "Version: 0.0.1\n")
    commands = metadata.entry_points(group="apcv_hil.commands")  # the same commands
    (other / "apcv_hil-0.0.1.dist-info" / "entry_points.txt").write_text(
        "[apcv_hil.commands]\n" + "".join(f"{ep.name} = {ep.value}\n" for ep in commands))
    run = subprocess.Popen([str(BIN / "apcv-hil"), "load", "--report", str(tmp_path / "report"),
                            "--target", "embedded", "--remote-workers", "1", "--users", "2",
                            "--duration", "5s", "--people", "200", "--master-bind-host", "127.0.0.1"],
                           cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        command = _printed_command(run)
        worker = subprocess.run([str(BIN / "apcv-hil"), *command.split()[1:]], capture_output=True, text=True,
                                timeout=120, check=False, env={**os.environ, "PYTHONPATH": str(other)},
                                cwd=tmp_path)  # not the checkout, whose apcv_hil.egg-info names 0.1.0
        _, err = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the master did not stop; the worker said: {worker.stderr[-2000:]}") from None
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    version = metadata.version("apcv-hil")
    expected = f"runs apcv-hil 0.0.1 and this master {version}: install apcv-hil {version} there"
    assert worker.returncode == 2
    lines = [ln for ln in worker.stderr.splitlines() if ln.startswith("apcv-hil: error: ")]
    assert len(lines) == 1 and expected in lines[0], worker.stderr[-2000:]
    assert run.returncode == 2
    assert err.strip().splitlines()[-1].startswith("apcv-hil: error: ") and expected in err, err[-2000:]
    assert "Traceback" not in err + worker.stderr


def test_a_worker_of_a_plain_locust_master_is_refused_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    master = subprocess.Popen([sys.executable, "-m", "locust", "-f", LOCUSTFILES, "--headless", "--master",
                               "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                               "--expect-workers", "1", "--host", "http://127.0.0.1:1", "--run-time", "5s"],
                              cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        worker = subprocess.run([str(BIN / "apcv-hil"), "load-worker", "--master", f"127.0.0.1:{port}"],
                                capture_output=True, text=True, timeout=120, check=False)
    finally:
        master.kill()
        master.wait()
    assert worker.returncode == 2
    assert "apcv-hil: error: this Locust master has no material for its workers: start distributed runs " \
           "with 'apcv-hil load --workers N'" in worker.stderr


def test_remote_workers_on_a_machine_with_only_loopback_is_one_line_before_anything_starts(
        tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("a network namespace of only loopback needs root and unshare")
    done = subprocess.run(["unshare", "--net", str(BIN / "apcv-hil"), "load", "--report", str(tmp_path / "r"),
                           "--target", "embedded", "--remote-workers", "1"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == ("apcv-hil: error: this machine has no address other machines can reach "
                                   "(only loopback): connect it to their network or give --master-bind-host "
                                   "ADDRESS"), done.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("value", ["nohost", "host:", ":5557", "host:70000", "host:port"])
def test_a_bad_master_address_is_one_line(value: str) -> None:
    result = CliRunner().invoke(cli, ["load-worker", "--master", value])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"apcv-hil: error: Invalid value for --master: {value!r} "
                                                   "is not HOST:PORT"), result.stderr

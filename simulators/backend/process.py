"""A backend server in a child process (``python -m simulators.backend.serve``) on a free loopback port.

Used by the live-server tests, the rigs and the throughput benchmark, which need the same keys in
every process: it serves the test keys of ``seed`` (0 unless told), or with ``seed=None`` the
backend's secret keys (:mod:`.keys`). mirakuru starts it in its own
process group, waits until ``/v1/health`` answers 200 (or the child exits, or time runs out), and
stops or kills the whole group, workers included.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

from mirakuru import HTTPExecutor
from mirakuru.exceptions import (
    AlreadyRunning,
    ProcessExitedWithError,
    ProcessFinishedWithError,
    TimeoutExpired,
)

from apcv.errors import ApcvError
from simulators.backend.forked_server import ChildExited, ForkedServer, can_fork
from simulators.backend.serve import ServeOptions
from simulators.backend.variants import policy_of


class ServerStartError(ApcvError):
    """The backend child process did not come up."""


def _processes() -> list[tuple[int, int]]:
    """(pid, parent pid) of every live process."""
    out = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            out.append((int(entry.name), int(stat[stat.rindex(")") + 2:].split()[1])))
    return out


def _is_spawned(pid: int) -> bool:
    """True for a multiprocessing child started by spawn (a uvicorn worker), not its resource tracker."""
    try:
        return b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of process group ``pgid``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # fields[0] is the state: pgrp is field 5 of stat
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _answers(url: str) -> bool:
    """Whether something accepts connections at ``url``'s address."""
    address = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((address[0], int(address[1])), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """The backend served by a child process; its output (warnings and errors) in a log file."""

    def __init__(self, db_url: str, *, workers: int = 1, seed_population: int = 0, port: int | None = None,
                 seed: int | None = 0, keys: str = "", variant: str | None = None, test_clock: bool = False,
                 startup_timeout: float = 180.0, log_level: str = "warning", population_seed: int = 0,
                 fault_file: str = "", audit: bool = False, access_log: bool = False,
                 allowed_hosts: tuple[str, ...] = ()) -> None:
        policy_of(variant)  # an unknown variant is refused here, naming the known ones
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options = ServeOptions(db_url=db_url, port=self.port, workers=workers, seed=seed, keys=keys,
                               seed_population=seed_population, population_seed=population_seed,
                               log_level=log_level, access_log=access_log, variant=variant,
                               test_clock=test_clock, fault_file=fault_file, audit=audit,
                               allowed_hosts=allowed_hosts)
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"apcv-backend-{self.port}.log"
        self._log = self.log_path.open("wb")
        self._forked: ForkedServer | None = None
        self._executor: HTTPExecutor | None = None
        if can_fork(options):
            self._start_forked(options, startup_timeout)
            return
        self._executor = HTTPExecutor([sys.executable, "-m", "simulators.backend.serve", options.to_json()],
                                      url=f"{self.url}/v1/health", status=200, method="GET",
                                      timeout=startup_timeout, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT)
        try:
            self._executor.start()
        except ProcessExitedWithError as exc:
            self._fail(f"backend exited with {exc.exit_code}: {self.log()[-500:]}")
        except TimeoutExpired:
            self._fail(f"backend did not answer on {self.url} within {startup_timeout:.0f} s")
        except AlreadyRunning:
            self._fail(f"port {self.port} already answers: another server holds it")

    def _start_forked(self, options: ServeOptions, startup_timeout: float) -> None:
        """Serve from a fork of this process (:mod:`.forked_server`): it imported the backend already."""
        if _answers(self.url):
            self._fail(f"port {self.port} already answers: another server holds it")
        self._forked = ForkedServer(options, self._log)
        try:
            self._forked.wait_healthy(startup_timeout)
        except ChildExited as exc:
            self._fail(f"backend exited with {exc.code}: {self.log()[-500:]}")
        except TimeoutError:
            self._fail(f"backend did not answer on {self.url} within {startup_timeout:.0f} s")

    def _fail(self, message: str) -> None:
        self.stop()
        raise ServerStartError(message)

    @property
    def pid(self) -> int | None:
        """The main server process's id while it runs (it leads the process group)."""
        if self._forked is not None:
            return self._forked.pid if self._forked.poll() is None else None
        process = self._executor.process if self._executor is not None else None
        return process.pid if process is not None else None

    @property
    def forked(self) -> bool:
        """Served by a fork of this process rather than a new Python."""
        return self._forked is not None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's live processes (its own session)."""
        return group_cpu_seconds(self.pid) if self.pid is not None else 0.0

    def worker_pids(self) -> list[int]:
        """Process ids of the uvicorn workers of a multi-worker server (none for a single process)."""
        return sorted(pid for pid, parent in _processes() if parent == self.pid and _is_spawned(pid))

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the server and its workers (a crash, no clean shutdown)."""
        if self._forked is not None:
            self._forked.kill()
        elif self._executor is not None:
            self._executor.kill()
        self._log.close()

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM), or kill it when it does not stop; its log file is removed."""
        if self._forked is not None:
            self._forked.stop()
        elif self._executor is not None:
            with contextlib.suppress(ProcessFinishedWithError):  # it had failed already: its log said why
                self._executor.stop()
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

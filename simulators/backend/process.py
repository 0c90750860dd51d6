"""A backend server in a child process (``apcv-hil backend serve``) on a free loopback port.

Used by the live-server tests and the throughput benchmark.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from apcv.errors import ApcvError
from simulators.backend.serve import ServeOptions


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


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``apcv-hil backend serve`` running in a child process."""

    def __init__(self, db_url: str, *, workers: int = 1, seed_population: int = 0, port: int | None = None,
                 startup_timeout: float = 180.0, seed: int = 0, population_seed: int = 0,
                 fault_file: str = "") -> None:
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options = ServeOptions(db_url=db_url, port=self.port, workers=workers, seed=seed,
                               seed_population=seed_population, population_seed=population_seed,
                               fault_file=fault_file)
        args = [sys.executable, "-m", "simulators.backend.serve", options.to_json()]
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"apcv-backend-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait(startup_timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                printed = self.log()[-500:]
                self.stop()
                raise ServerStartError(f"backend exited with {self.process.returncode}: {printed}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(f"backend did not answer on {self.url} within {timeout:.0f} s")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's live processes (its own session)."""
        return group_cpu_seconds(self.process.pid)

    def worker_pids(self) -> list[int]:
        """Process ids of the uvicorn workers of a multi-worker server (none for a single process)."""
        return sorted(pid for pid, parent in _processes() if parent == self.process.pid and _is_spawned(pid))

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the server and its workers (a crash, no clean shutdown)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM), or kill it after 10 s; its log file is removed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

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
from simulators.backend.variants import policy_of


class ServerStartError(ApcvError):
    """The backend child process did not come up."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``apcv-hil backend serve`` running in a child process."""

    def __init__(self, db_url: str, *, workers: int = 1, seed_population: int = 0, port: int | None = None,
                 seed: int = 0, variant: str | None = None, test_clock: bool = False,
                 startup_timeout: float = 180.0) -> None:
        policy_of(variant)  # an unknown variant is refused here, naming the known ones
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options = ServeOptions(db_url=db_url, port=self.port, workers=workers, seed=seed,
                               seed_population=seed_population, variant=variant, test_clock=test_clock)
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

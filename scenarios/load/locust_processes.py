"""Starting Locust for a run: one local process, or a master and N workers on this machine.

Locust runs in child processes (gevent patches the interpreter): ``python -m locust`` with our
locustfile and shapefile, headless, CSV and HTML into the report folder. A process that
cannot start its part of the run prints ``apcv-hil: error: ...`` and exits with 2; that line
becomes the run's error.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from scenarios.load.errors import LoadError
from scenarios.load.summary import CSV_PREFIX

STOP_TIMEOUT_S = 3
WORKER_EXIT_TIMEOUT_S = 30
EXPECT_WORKERS_MAX_WAIT_S = 120
ERROR_MARK = "apcv-hil: error: "


def locustfiles() -> str:
    """The ``-f`` argument: our users and our shape."""
    folder = files("scenarios.load")
    return f"{folder / 'locustfile.py'},{folder / 'shapefile.py'}"


@dataclass
class LocustProcesses:
    """The Locust child processes of a run and their log files."""

    report_dir: Path
    processes: list[tuple[str, subprocess.Popen, Path]] = field(default_factory=list)

    def start(self, role: str, args: list[str]) -> None:
        """Start one Locust process (``role`` names its log file)."""
        log = self.report_dir / f"locust-{role}.log"
        with log.open("wb") as stream:
            process = subprocess.Popen([sys.executable, "-m", "locust", "-f", locustfiles(), *args],
                                       stdout=stream, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.processes.append((role, process, log))

    def failure(self) -> str | None:
        """The error line of a process that exited with 2, if any."""
        for role, process, log in self.processes:
            if process.poll() == 2:
                lines = [ln for ln in log.read_text(errors="replace").splitlines() if ERROR_MARK in ln]
                if lines:
                    return lines[-1].split(ERROR_MARK, 1)[1]
                return f"Locust {role} could not start (see {log})"
        return None

    def wait(self, deadline: float) -> None:
        """Wait for the first process (local or master) to end, then stop the rest; :class:`LoadError`
        when a process fails."""
        role, main, log = self.processes[0]
        while main.poll() is None:
            if (message := self.failure()) is not None:
                self.kill()
                raise LoadError(message)
            if time.monotonic() > deadline:
                self.kill()
                raise LoadError(f"Locust {role} did not finish in time (see {log})")
            time.sleep(0.1)
        if (message := self.failure()) is not None:
            self.kill()
            raise LoadError(message)
        for other_role, process, other_log in self.processes[1:]:  # workers quit by themselves
            try:
                process.wait(WORKER_EXIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise LoadError(f"Locust {other_role} did not stop (see {other_log})") from None
        if main.returncode != 0:
            raise LoadError(f"Locust {role} failed with exit code {main.returncode} (see {log})")

    def stop(self, grace_s: float) -> None:
        """End the run now: SIGTERM to the local or master process (Locust writes its statistics,
        our records are handed over, its workers quit with it), then kill whatever still runs
        after ``grace_s`` seconds."""
        _, main, _ = self.processes[0]
        if main.poll() is None:
            main.terminate()
        deadline = time.monotonic() + grace_s
        for _, process, _ in self.processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
        self.kill()

    def kill(self) -> None:
        """Kill every process still running."""
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def common_args(report_dir: Path, plan_path: Path, url: str, duration_s: float) -> list[str]:
    """Arguments of the local or master process."""
    prefix = report_dir / CSV_PREFIX
    return ["--headless", "--host", url, "--run-time", f"{round(duration_s)}s", "--csv", str(prefix),
            "--html", str(report_dir / "locust.html"), "--only-summary",
            "--stop-timeout", str(STOP_TIMEOUT_S), "--exit-code-on-error", "0", "--apcv-plan", str(plan_path)]


def worker_args(master_host: str, master_port: int) -> list[str]:
    """Arguments of a worker: only its master (which sends it the plan and its material)."""
    return ["--worker", "--master-host", master_host, "--master-port", str(master_port)]


def master_args(workers: int, bind_host: str, port: int, materials: Path) -> list[str]:
    """Arguments that make the main process a master of ``workers`` workers, handing out the
    material in folder ``materials``."""
    return ["--master", "--expect-workers", str(workers), "--master-bind-host", bind_host,
            "--master-bind-port", str(port), "--expect-workers-max-wait", str(EXPECT_WORKERS_MAX_WAIT_S),
            "--apcv-materials", str(materials)]

"""The process a rig launches to stand in for its device under test (``dut.launch``), e.g.
our phone simulator on vpcd with a control channel, started for the session and stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque

from apcv.errors import ApcvError

READY_MARK = "ready:"
STARTUP_TIMEOUT_S = 60.0
LOG_LINES = 200


class LaunchError(ApcvError):
    """The DUT process did not start, or died; the message holds the end of its output."""


OUR_PROGRAMS = {"apcv-hil": "harness.cli", "apcv-reader-terminal": "simulators.reader.terminal"}
"""This project's commands, by the module that runs them."""


def command_argv(command: tuple[str, ...] | list[str]) -> list[str]:
    """``apcv-hil ...`` (and our other programs) run with this interpreter, whether or not the
    script is on PATH."""
    if command and command[0] in OUR_PROGRAMS:
        return [sys.executable, "-m", OUR_PROGRAMS[command[0]], *command[1:]]
    return list(command)


class LaunchedDut:
    """A DUT process: started, awaited until it prints ``ready:``, stopped with SIGTERM."""

    def __init__(self, command: tuple[str, ...], timeout: float = STARTUP_TIMEOUT_S,
                 env: dict[str, str] | None = None) -> None:
        self.command = command
        self.lines: deque[str] = deque(maxlen=LOG_LINES)
        self._ready = threading.Event()
        try:
            self.process = subprocess.Popen(command_argv(command), stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                            start_new_session=True, env=env)
        except OSError as exc:
            raise LaunchError(f"dut.launch: cannot start {command[0]!r}: {exc.strerror or exc}") from None
        threading.Thread(target=self._read, name="dut-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                state = (f"exited with {self.process.returncode}" if self.process.returncode is not None
                         else f"printed no '{READY_MARK}' line within {timeout:g} s")
                self.stop()
                raise LaunchError(f"dut.launch {' '.join(command)} {state}: {self.output()[-800:]}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(READY_MARK):
                self._ready.set()

    def output(self) -> str:
        """The last lines the process printed."""
        return "\n".join(self.lines)

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after 10 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

"""The process a rig launches to stand in for its device under test (``dut.launch``), e.g.
our phone simulator on vpcd with a control channel, started for the session and stopped.

The launch contract (docs/dut.md): the process is ready once it prints a line starting with
``ready_line`` (default ``ready:``) or once ``ready_port`` accepts a TCP connection, within
``timeout`` seconds; it is stopped with SIGTERM to its process group, SIGKILL 10 s later. Its
exit is noticed at once (:meth:`LaunchedDut.exit_problem`)."""

from __future__ import annotations

import os
import signal
import socket
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


def _port_open(url: str) -> bool:
    host, _, port = url.removeprefix("tcp://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.2):
            return True
    except OSError:
        return False


class LaunchedDut:
    """A DUT process: started, awaited until it prints its ready line (or its ready port
    answers), watched for its exit, stopped with SIGTERM."""

    def __init__(self, command: tuple[str, ...], timeout: float = STARTUP_TIMEOUT_S, *,
                 ready_line: str = READY_MARK, ready_port: str = "",
                 env: dict[str, str] | None = None) -> None:
        self.command = command
        self.lines: deque[str] = deque(maxlen=LOG_LINES)
        self._ready_line = ready_line
        self._ready = threading.Event()
        self._stopping = False
        try:
            self.process = subprocess.Popen(command_argv(command), stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                            start_new_session=True, env=env)
        except OSError as exc:
            raise LaunchError(f"dut.launch: cannot start {command[0]!r}: {exc.strerror or exc}") from None
        threading.Thread(target=self._read, name="dut-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        awaited = f"no '{ready_line}' line" + (f" and {ready_port} did not accept a connection"
                                               if ready_port else "")
        while not self._ready.wait(0.05):
            if ready_port and _port_open(ready_port):
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                state = (f"exited with {self.process.returncode}" if self.process.returncode is not None
                         else f"gave {awaited} within {timeout:g} s")
                self.stop()
                last = " | ".join(list(self.lines)[-5:])[-800:] or "nothing"
                raise LaunchError(f"dut.launch {' '.join(command)} {state}; its last lines: {last}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(self._ready_line):
                self._ready.set()

    def output(self) -> str:
        """The last lines the process printed."""
        return "\n".join(self.lines)

    def exit_problem(self) -> str | None:
        """``device process exited with code N`` (and its last lines) once it has exited while it
        should run, else None."""
        code = self.process.poll()
        if code is None or self._stopping:
            return None
        last = " | ".join(list(self.lines)[-3:])
        return f"device process exited with code {code}" + (f" (last lines: {last})" if last else "")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after 10 s."""
        self._stopping = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

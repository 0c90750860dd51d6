"""Running the rig's ``bill`` command template once: one identification and billing.

The template's ``{placeholders}`` are filled in, the program runs in its own process group
(in the bench's working folder, in its sandbox when given: :mod:`harness.dut.sandbox`) with a
timeout, and its output is kept whole (bounded). A
program that is not there, hangs, exits with a status the contract does not know or prints
something other than its JSON is a :class:`~simulators.practice.contract.ContractError` that
says which, the output at hand.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.dut.launch import command_argv
from harness.dut.sandbox import Sandbox
from simulators.practice.contract import ContractError, Result, parse_result

MAX_KEPT_BYTES = 256 * 1024
STOP_GRACE_S = 2.0


def fill_template(template: str, placeholders: Mapping[str, str], action: str = "bill") -> list[str]:
    """The arguments of ``template``, placeholders filled in (ContractError for an unknown one)."""
    try:
        return [part.format_map(placeholders) for part in shlex.split(template)]
    except KeyError as exc:
        raise ContractError(f"the {action} command has an unknown placeholder {{{exc.args[0]}}} (known: "
                            f"{', '.join('{' + p + '}' for p in placeholders)})") from None
    except (IndexError, ValueError) as exc:
        raise ContractError(f"the {action} command {template!r} cannot be filled in: {exc}") from None


@dataclass(frozen=True)
class DutRun:
    """How one run of the program went."""

    argv: tuple[str, ...]
    exit_code: int | None
    """None when the harness had to stop it (timed out)."""
    stdout: str
    stderr: str
    started_at: float
    ended_at: float
    timeout: float

    def result(self) -> Result:
        """The JSON result the run printed; ContractError naming what breaks the contract."""
        if self.exit_code is None:
            raise ContractError(f"did not finish within {self.timeout:g} s (stopped by the harness)")
        return parse_result(self.stdout, self.exit_code)


class _Collector:
    """Reads one output stream in a thread, keeping at most :data:`MAX_KEPT_BYTES`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._chunks: list[bytes] = []
        self._kept = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            if self._kept < MAX_KEPT_BYTES:
                self._chunks.append(chunk[: MAX_KEPT_BYTES - self._kept])
                self._kept += len(self._chunks[-1])

    def text(self, wait: bool = True) -> str:
        """What was read (after the stream ended, or at most a grace time, when ``wait``)."""
        if wait:
            self._thread.join(STOP_GRACE_S)
        return b"".join(list(self._chunks)).decode("utf-8", errors="replace")


def _check_program(program: str, action: str) -> None:
    if shutil.which(program) is not None:
        return
    if os.path.sep in program and os.path.isfile(program):
        raise ContractError(f"the {action} command's program {program!r} cannot be run (permission "
                            "denied: not executable?)")
    raise ContractError(f"the {action} command's program {program!r} was not found")


class RunningBilling:
    """A run of the program that has started; :meth:`finish` waits for its end."""

    def __init__(self, argv: list[str], timeout: float, cwd: Path, with_stdin: bool, *, action: str = "bill",
                 sandbox: Sandbox | None = None) -> None:
        self.argv = tuple(argv)
        self.timeout = timeout
        self.started_at = time.time()
        self._deadline = time.monotonic() + timeout
        full, env = command_argv(argv), None
        if sandbox is not None:
            _check_program(full[0], action)  # the sandbox's shell would only say 127
            full, env = sandbox.wrap(full), sandbox.wrap_env(sandbox.env())
        try:
            self.process = subprocess.Popen(
                full, cwd=cwd, start_new_session=True, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL, env=env)
        except FileNotFoundError:
            raise ContractError(f"the {action} command's program {argv[0]!r} was not found") from None
        except PermissionError:
            raise ContractError(f"the {action} command's program {argv[0]!r} cannot be run (permission "
                                "denied: not executable?)") from None
        except OSError as exc:
            raise ContractError(f"the {action} command {argv[0]!r} cannot be started: {exc.strerror}") \
                from None
        assert self.process.stdout is not None and self.process.stderr is not None
        self._stdout = _Collector(self.process.stdout)
        self._stderr = _Collector(self.process.stderr)

    def running(self) -> bool:
        """True until the program has exited."""
        return self.process.poll() is None

    def stderr_so_far(self) -> str:
        """What the program wrote on standard error until now."""
        return self._stderr.text(wait=False)

    def type_line(self, text: str) -> None:
        """Type ``text`` and Enter on the program's standard input (a keyboard wedge)."""
        stdin = self.process.stdin
        if stdin is None:
            raise ContractError("the program was started without standard input")
        try:
            stdin.write(text.encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, ValueError):
            raise ContractError("the program closed its standard input before the QR was typed") from None

    def remaining(self) -> float:
        """Seconds left before the harness stops the program."""
        return max(0.0, self._deadline - time.monotonic())

    def finish(self) -> DutRun:
        """Wait for the end (stopping the program's whole process group at the timeout)."""
        try:
            code: int | None = self.process.wait(self.remaining())
        except subprocess.TimeoutExpired:
            self.stop()
            code = None
        with contextlib.suppress(ProcessLookupError, PermissionError):  # what it left running goes too
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        return DutRun(self.argv, code, self._stdout.text(), self._stderr.text(), self.started_at, time.time(),
                      self.timeout)

    def stop(self) -> None:
        """SIGTERM the program's process group, SIGKILL after a grace time."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

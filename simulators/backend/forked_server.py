"""The backend served by a fork of this process, when this process has imported the backend already.

A served backend in a new Python spends most of its start-up importing (SQLAlchemy, FastAPI,
uvicorn, the app: about 0.85 s of CPU of its 1.1 s). A plan of the variant matrix runs in a
child of a fork server that imported those modules once (:mod:`scenarios.conformance.forked`);
forked from it, the server starts at once. The child leads a session of its own (as the
executed server does, so that stopping it stops its whole group), writes its output to the log
file, and runs :func:`simulators.backend.serve.serve` as ``python -m simulators.backend.serve``
would. Forking is only safe in a process with no other thread (a lock another thread held would
stay locked in the child): :func:`can_fork` says when.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import signal
import sys
import threading
import time
import traceback
from typing import BinaryIO

from apcv.errors import ApcvError
from simulators.backend.serve import ServeOptions

SERVED_BY = ("simulators.backend.app", "uvicorn", "fastapi", "sqlalchemy")
"""Modules a forked server would otherwise import: forking pays off once they are loaded."""
POLL_S = 0.05
STOP_GRACE_S = 10.0


def can_fork(options: ServeOptions) -> bool:
    """Whether ``options`` can be served by a fork of this process and it saves the imports: one
    worker (uvicorn starts several by spawning new interpreters), no thread but this one, and the
    backend's modules imported already."""
    return (options.workers == 1 and threading.active_count() == 1
            and all(name in sys.modules for name in SERVED_BY))


class ForkedServer:
    """The server in a forked child; :meth:`wait_healthy`, :meth:`stop` and :meth:`kill` it. One
    left running when this process exits is killed then (as mirakuru does for the servers it
    starts)."""

    def __init__(self, options: ServeOptions, log: BinaryIO) -> None:
        self.port = options.port
        self.returncode: int | None = None
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the caller's code
            os._exit(_serve_child(options, log.fileno()))
        atexit.register(self.kill)

    def poll(self) -> int | None:
        """The child's exit status once it has ended, else None."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait_healthy(self, timeout: float) -> None:
        """Back once ``/v1/health`` answers 200; ChildExited when the child ends first,
        TimeoutError when ``timeout`` s pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.poll() is not None:
                raise ChildExited(self.returncode or 0)
            if _healthy(self.port):
                return
            time.sleep(POLL_S)
        raise TimeoutError(f"no answer within {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM to its group (a clean shutdown), SIGKILL when it has not ended after a grace."""
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if self.returncode is None:
            self.kill()
        atexit.unregister(self.kill)

    def kill(self) -> None:
        """SIGKILL its group and reap the child."""
        self._signal(signal.SIGKILL)
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        atexit.unregister(self.kill)

    def _signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, number)


class ChildExited(ApcvError):
    """The forked server ended before it answered; ``code`` is its exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(f"backend exited with {code}")
        self.code = code


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/v1/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _serve_child(options: ServeOptions, log: int) -> int:
    """In the forked child: a session of its own, output to ``log``, then serve; the exit status."""
    from simulators.backend.serve import serve

    try:
        os.setsid()
        quiet = os.open(os.devnull, os.O_RDONLY)
        os.dup2(quiet, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        # the caller's sys.stdout/stderr may be a test runner's capture: back to the descriptors
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115  (lives with the child)
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        serve(options)
        return 0
    except ApcvError as exc:
        print(f"apcv-hil backend: error: {exc}", file=sys.stderr)
        return 2
    except BaseException:  # the child must end here, whatever happened
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()

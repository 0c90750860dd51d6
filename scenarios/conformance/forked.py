"""Plans in forked processes: a fork server imports pytest, the plugin and the simulators once,
then forks one child per plan, which runs :func:`pytest.main` as a process of its own would.

A plan in a new Python process spends most of a short plan's CPU time importing (about 1.5 s of
the card plan's 1.7 s); a child forked from a server that already imported those modules starts
at once. Each child is a fresh copy of the server, so nothing one plan does reaches another.
Test modules and conftest files are not imported in advance (pytest imports them itself,
rewriting their asserts), nor is the plugin module (pytest marks it for rewriting too).

The server is a Python process of this process's environment, started on first use. It reads one
request a line on its standard input (JSON: pytest's arguments, a private PC/SC stack or not, a
folder), forks, and answers the child's pid on its standard output; it ends when its input
closes, that is with this process. The child writes its output and then its exit code into the
folder; this process waits for the child through a pidfd. The server reaps its children (their
CPU time adds to its own, and to this process's once the server is waited for at exit).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

PRELOAD = ("pytest", "harness.pytest_plugin.keys", "harness.pytest_plugin.fixtures",
           "harness.pytest_plugin.practice", "harness.pytest_plugin.terminal", "harness.pytest_plugin.plan",
           "harness.pytest_plugin.collector", "harness.pytest_plugin.requirements", "harness.bench",
           "harness.report.html", "harness.roles", "harness.roles.checks", "harness.pcsc.private",
           "simulators.variants", "simulators.backend.client", "apcv.profile.catalogue",
           "yaml", "unittest", "tomllib", "pdb", "simulators.backend.process", "simulators.backend.app",
           "uvicorn")
"""Modules every plan imports (the heaviest of them): imported once, by the fork server. yaml,
unittest, tomllib and pdb are pytest's and the rig loader's (pytest reads pyproject.toml and
imports unittest and pdb for its plugins of those names): 0.1-0.2 s of CPU a plan. The backend's
(its app, FastAPI, SQLAlchemy, uvicorn) let a plan serve its backend from a fork of itself
(:mod:`simulators.backend.forked_server`) instead of a new Python importing them: ~0.85 s of CPU
a practice-software or backend plan."""

OUTPUT_TAIL = 4000


class _Server:
    """The fork server, seen from this process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", f"import {__name__} as m; m.serve()"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    def fork(self, request: dict[str, object]) -> int:
        """Send a request; the pid of the child running it."""
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer.strip().isdigit():
            raise RuntimeError(f"the plan fork server did not start a plan (it answered {answer!r})")
        return int(answer)


    def close(self) -> None:
        """Close its input: it ends once its running plans have; wait for it."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


@functools.cache
def _server() -> _Server:
    server = _Server()
    atexit.register(server.close)
    return server


def run_forked(args: list[str], *, private_pcsc: bool, timeout_s: float) -> tuple[int, str]:
    """pytest on ``args`` in a child of the fork server (with its own PC/SC stack when
    ``private_pcsc``): its exit code and the tail of its output. TimeoutError, the child killed,
    when it runs longer than ``timeout_s``."""
    with tempfile.TemporaryDirectory(prefix="apcv-plan-") as name:
        folder = Path(name)
        pid = _server().fork({"args": args, "private_pcsc": private_pcsc, "folder": name})
        with contextlib.suppress(ProcessLookupError):
            pidfd = os.pidfd_open(pid)
            try:
                poll = select.poll()
                poll.register(pidfd, select.POLLIN)
                if not poll.poll(timeout_s * 1000):
                    os.kill(pid, signal.SIGKILL)
                    raise TimeoutError(f"the plan ran longer than {timeout_s:.0f} s")
            finally:
                os.close(pidfd)
        output = folder / "output.txt"
        text = output.read_text(encoding="utf-8", errors="replace") if output.is_file() else ""
        code = folder / "exit-code"
        if not code.is_file():
            return -1, f"the plan's process ended without an exit code\n{text[-OUTPUT_TAIL:]}"
        return int(code.read_text()), text[-OUTPUT_TAIL:]


def serve(requests: IO[str] = sys.stdin, answers: IO[str] = sys.stdout) -> None:
    """The fork server's loop (see the module)."""
    for module in PRELOAD:
        __import__(module)
    # Ctrl-C reaches the whole process group: the plans stop, the server waits for them
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children: set[int] = set()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os._exit(_plan_child(request["args"], request["private_pcsc"], Path(request["folder"])))
        children.add(pid)
        answers.write(f"{pid}\n")
        answers.flush()
        children -= {child for child in children if os.waitpid(child, os.WNOHANG)[0]}
    for child in children:
        os.waitpid(child, 0)


def _plan_child(args: list[str], private_pcsc: bool, folder: Path) -> int:
    """In the forked child: output into ``folder``, then pytest's exit code."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sink = os.open(folder / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        quiet = os.open(os.devnull, os.O_RDONLY)
        os.dup2(quiet, 0)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        os.close(sink)
        os.close(quiet)
        if private_pcsc:
            from harness.pcsc.private import enter_private_stack

            enter_private_stack()
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        os.environ.pop("PYTEST_ADDOPTS", None)
        import pytest

        code = int(pytest.main(args))
    except BaseException as exc:  # the child must never return into the server's loop
        print(f"the plan's process failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        (folder / "exit-code").write_text(str(code))
    return code

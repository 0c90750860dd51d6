"""Find a running ``pcscd`` or start one with the vsmartcard vpcd driver.

``pcscd`` answers on the UNIX socket ``/run/pcscd/pcscd.comm``. When nothing answers
there, :func:`ensure_pcscd` starts ``pcscd --foreground`` as a child process (a mirakuru
executor: its own process group, stopped or killed whole), waits until its socket accepts
connections and vpcd's TCP port is listening, and returns a handle that stops it again; a
daemon found running is used as is and left running. When ``$PCSCLITE_CSOCK_NAME`` names another
socket (pcsc-lite's client library then talks to it: a rig on a labgrid place points it at the
bench's pcscd), that socket is the one looked at, and nothing is started when it does not answer.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from mirakuru import Executor
from mirakuru.exceptions import ProcessExitedWithError, ProcessFinishedWithError, TimeoutExpired

from apcv.errors import ApcvError

SOCKET = Path("/run/pcscd/pcscd.comm")
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
PID_FILE = "pcscd.pid"
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
VPCD_PORT = 35963
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
INSTALL = "apt-get install pcscd vsmartcard-vpcd (or run `make setup`)"


class PcscdUnavailable(ApcvError):
    """pcscd is not running and cannot be started; the message says how to fix it."""


def pcscd_running(sock_path: Path = SOCKET) -> bool:
    """True when a pcscd accepts connections on its UNIX socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(sock_path))
        except OSError:
            return False
    return True


def tcp_listening(port: int) -> bool:
    """True when some process listens on TCP ``port`` (read from /proc, no connection made:
    a probe connection to vpcd would look like a card being inserted)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def _executable() -> str:
    found = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
    if found is None:
        raise PcscdUnavailable(f"pcscd is not installed: {INSTALL}")
    return found


class _PcscdExecutor(Executor):
    """``pcscd --foreground``, started when its socket answers and vpcd's port listens.

    The port is read from /proc rather than connected to: a connection to vpcd is a card
    being inserted.
    """

    def __init__(self, executable: str, log_file: IO[bytes], sock_path: Path, vpcd_port: int,
                 timeout: float) -> None:
        super().__init__([executable, "--foreground"], timeout=timeout, sleep=0.05,
                         stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        self._sock_path = sock_path
        self._vpcd_port = vpcd_port

    def pre_start_check(self) -> bool:
        """Never reported running before start: :func:`ensure_pcscd` looked already."""
        return False

    def after_start_check(self) -> bool:
        """pcscd accepts connections and vpcd listens."""
        return pcscd_running(self._sock_path) and tcp_listening(self._vpcd_port)


class PcscDaemon:
    """A pcscd this process uses; ``executor`` is set when we started it and must stop it."""

    def __init__(self, executor: Executor | None = None, log_path: Path | None = None) -> None:
        self.executor = executor
        self.log_path = log_path

    def stop(self) -> None:
        """Stop pcscd if we started it (SIGTERM, then SIGKILL); a daemon found running is left alone."""
        if self.executor is None:
            return
        with contextlib.suppress(ProcessFinishedWithError):  # it stopped with an error: nothing to undo
            self.executor.stop()
        self.executor = None
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> PcscDaemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def clear_stale_files(sock_path: Path) -> bool:
    """Remove what a killed pcscd left beside ``sock_path`` (True when something was removed).

    Called when nothing answers on ``sock_path``. A pcscd killed before it could clean up leaves
    its socket and pid files, and a new pcscd refuses to start ("Another pcscd seems to be
    running") as soon as that pid is reused by any process, which on a busy machine (pids wrap
    at 32768) happens within minutes. A pid file naming a live pcscd is left alone.
    """
    pid_file = sock_path.parent / PID_FILE
    try:
        number = re.match(r"\s*(\d+)", pid_file.read_text(errors="replace"))  # pcscd writes "N\n\0"
    except OSError:
        number = None
    if number:
        try:
            if Path(f"/proc/{number.group(1)}/comm").read_text().strip() == "pcscd":
                return False
        except OSError:
            pass
    removed = False
    for path in (pid_file, sock_path):
        with contextlib.suppress(OSError):
            path.unlink()
            removed = True
    return removed


def ensure_pcscd(*, sock_path: Path | None = None, vpcd_config: Path = VPCD_CONFIG,
                 vpcd_port: int = VPCD_PORT, timeout: float = START_TIMEOUT_S) -> PcscDaemon:
    """A running pcscd with the vpcd driver: the one found, or one started now."""
    elsewhere = os.environ.get(SOCKET_ENV) if sock_path is None else None
    if elsewhere:
        if pcscd_running(Path(elsewhere)):
            return PcscDaemon()
        raise PcscdUnavailable(f"the PC/SC service ${SOCKET_ENV}={elsewhere} names does not answer")
    sock_path = sock_path or SOCKET
    if pcscd_running(sock_path):
        return PcscDaemon()
    if not vpcd_config.exists():
        raise PcscdUnavailable(f"the vpcd driver configuration {vpcd_config} is missing: {INSTALL}")
    executable = _executable()
    clear_stale_files(sock_path)
    if os.geteuid() != 0 and not os.access(sock_path.parent, os.W_OK):
        raise PcscdUnavailable(
            f"pcscd is not running and only root can start it (it needs {sock_path.parent}): "
            "run `sudo systemctl start pcscd` or `sudo pcscd`, or run the tests as root"
        )
    fd, name = tempfile.mkstemp(prefix="apcv-pcscd-", suffix=".log")
    log_path = Path(name)
    with os.fdopen(fd, "wb") as log_file:
        executor = _PcscdExecutor(executable, log_file, sock_path, vpcd_port, timeout)
        try:
            executor.start()
        except ProcessExitedWithError as exc:
            output = log_path.read_text(errors="replace").strip().splitlines()
            log_path.unlink(missing_ok=True)
            detail = output[-1] if output else f"exit status {exc.exit_code}"
            raise PcscdUnavailable(f"pcscd exited at start ({detail}); is another pcscd "
                                   f"holding {sock_path}? {INSTALL}") from None
        except TimeoutExpired:  # mirakuru killed it
            log_path.unlink(missing_ok=True)
            raise PcscdUnavailable(f"pcscd did not open {sock_path} and vpcd port {vpcd_port} within "
                                   f"{timeout:g} s; check {vpcd_config} and the pcscd logs") from None
    return PcscDaemon(executor, log_path)

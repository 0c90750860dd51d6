"""The bench's pcscd, reached from here: its socket, carried over TCP, made a local UNIX socket.

pcsc-lite's client library (pyscard, and any PC/SC program the harness runs) talks to pcscd over
a UNIX socket, ``/run/pcscd/pcscd.comm`` unless ``$PCSCLITE_CSOCK_NAME`` names another. The bench
exports its pcscd's socket as a TCP port (``socat TCP-LISTEN:PORT,fork
UNIX-CONNECT:/run/pcscd/pcscd.comm``, docs/rigs.md); :func:`pcscd_bridge` runs the other half
here, ``socat UNIX-LISTEN:SOCKET,fork TCP:HOST:PORT``, one connection to the bench per PC/SC
context, and returns the socket to name in ``$PCSCLITE_CSOCK_NAME``. Both ends are the same
pcsc-lite protocol, so the bench and this machine need pcsc-lite releases that speak the same one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

START_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 3.0
INSTALL = "apt-get install socat"


class BridgeError(Exception):
    """The bench's pcscd cannot be reached; the message says what to fix."""


def _probe(host: str, port: int, what: str) -> None:
    """A TCP connection to the bench's pcscd port, closed at once (pcscd sees a client come and go)."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            pass
    except OSError as exc:
        raise BridgeError(f"{what} at {host}:{port} does not answer ({exc.strerror or exc}): is the "
                          "bench's socat bridge to pcscd running? (docs/rigs.md)") from None


@contextmanager
def pcscd_bridge(host: str, port: int, folder: Path, what: str = "pcscd") -> Iterator[Path]:
    """A local UNIX socket carrying PC/SC to the pcscd at ``host:port``, for the block's duration."""
    socat = shutil.which("socat")
    if socat is None:
        raise BridgeError(f"a rig on a place reaches the bench's pcscd through socat: {INSTALL}")
    _probe(host, port, what)
    path = folder / "pcscd.comm"
    target = f"[{host}]" if ":" in host else host
    process = subprocess.Popen(
        [socat, f"UNIX-LISTEN:{path},fork,unlink-early,mode=600", f"TCP:{target}:{port},nodelay"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not path.is_socket():
            if process.poll() is not None or time.monotonic() > deadline:
                said = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
                last = said.splitlines()[-1] if said else "no output"
                raise BridgeError(f"socat did not open {path}: {last}")
            time.sleep(0.02)
        yield path
    finally:
        with suppress(ProcessLookupError):  # socat and the children serving each connection
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr:
            process.stderr.close()
        with suppress(FileNotFoundError):
            path.unlink()

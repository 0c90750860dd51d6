"""Deadlines for blocking PC/SC calls, which pcsc-lite can neither time out nor cancel.

pcsc-lite's client library waits for pcscd's answer without a deadline (``MessageReceive``
polls its UNIX socket with no timeout), ``SCardCancel`` only cancels
``SCardGetStatusChange``, and vsmartcard's vpcd waits for the virtual card's answer with
no deadline either: a mute card holds ``SCardTransmit`` forever. So the calls run in the
caller's thread (no thread handoff on the fast path: arming is one attribute write,
disarming one uncontended lock) and a watchdog thread looks at the deadline a few times a
second. Past it, the watchdog shuts down the context's socket to pcscd: the blocked call
returns at once with a communication error, and the link opens a fresh context.

The socket is found when the context is established: the one new UNIX socket of this
process connected to pcscd (``/proc/self/fd``, Linux).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

from apcv.links.base import LinkError

PCSCD_SOCKET = os.environ.get("PCSCLITE_CSOCK_NAME", "/run/pcscd/pcscd.comm")
"""Where pcsc-lite's client connects (the library honours the same variable)."""
CHECKS_PER_TIMEOUT = 10
"""The watchdog looks at the deadline this often per timeout, at most every 0.1 s."""
ESTABLISH_TRIES = 3


def _sockets() -> set[tuple[int, str]]:
    """This process's open sockets as (descriptor, ``socket:[inode]``)."""
    found = set()
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{name}")
            if target.startswith("socket:"):
                found.add((int(name), target))
    return found


def _peer(fd: int) -> str:
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            peer = sock.getpeername() if sock.family == socket.AF_UNIX else ""
    except OSError:
        return ""
    return peer if isinstance(peer, str) else ""


def establish_context(scard) -> tuple[int, int, int]:
    """``SCardEstablishContext`` through pyscard's ``scard`` module, and the descriptor of
    the new context's socket to pcscd: ``(hr, context, fd)``. Raises LinkError when no
    single new socket can be told apart (another thread opening contexts at that instant)."""
    if not Path("/proc/self/fd").is_dir():
        raise LinkError("pcsc: links need Linux's /proc to bound waits on pcscd (pcsc-lite has no timeout)")
    for _ in range(ESTABLISH_TRIES):
        before = _sockets()
        hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return hr, context, -1
        new = [fd for fd, _ in _sockets() - before if _peer(fd) == PCSCD_SOCKET]
        if len(new) == 1:
            return hr, context, new[0]
        scard.SCardReleaseContext(context)
    raise LinkError(f"cannot tell this link's connection to pcscd ({PCSCD_SOCKET}) from other "
                    "threads' connections opened at the same time; open the link again")


class CallDeadline:
    """Cuts the pcscd connection ``fd`` when an armed call overruns its deadline."""

    def __init__(self, fd: int, period: float) -> None:
        self.fd = fd
        self.deadline: float | None = None
        """Set (``time.monotonic()`` + timeout) just before a blocking call."""
        self.fired = False
        self._period = period
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._watch, daemon=True, name=f"pcsc-deadline-{fd}").start()

    @classmethod
    def for_timeout(cls, fd: int, timeout: float) -> CallDeadline:
        """A watchdog checking often enough to end calls about ``timeout`` seconds in."""
        return cls(fd, max(0.005, min(0.1, timeout / CHECKS_PER_TIMEOUT)))

    def arm(self, timeout: float) -> None:
        """The next blocking call must return within ``timeout`` seconds."""
        self.deadline = time.monotonic() + timeout

    def disarm(self) -> bool:
        """The call returned: True when it was cut short (the context is then unusable)."""
        with self._lock:
            self.deadline = None
            return self.fired

    def _watch(self) -> None:
        while not self._stopped.wait(self._period):
            with self._lock:
                deadline = self.deadline
                if deadline is None or time.monotonic() < deadline:
                    continue
                self.fired = True
                with contextlib.suppress(OSError), socket.socket(fileno=os.dup(self.fd)) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
                return

    def stop(self) -> None:
        """End the watchdog (before the context and its socket are released)."""
        with self._lock:
            self._stopped.set()

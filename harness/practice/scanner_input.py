"""How scanned QR codes reach a billing program under test: the harness plays its scanner.

- ``serial``: a pseudo-terminal the program opens as its scanner's serial port (the template's
  ``{scanner}``); the harness writes each payload and a carriage return at the other end, once
  the program has the port open and has settled (:meth:`PtyScanner.wait_ready`).
- ``stdin``: a keyboard wedge for a command-line program: the payload and Enter typed on its
  standard input (``{scanner}`` is ``-``).
- ``keyboard``: a keyboard wedge for a windowed program: a virtual USB keyboard (Linux uinput,
  :mod:`.keyboard`) types into the window that has the focus.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import time
import tty
from pathlib import Path

from apcv.errors import ApcvError

POLL_MS = 20
SETTLE_S = 5.0
"""At most this long, once the program has opened its port, waiting for it to settle."""


class ScannerInputError(ApcvError):
    """A payload could not be handed to the program (the message says why)."""


class PtyScanner:
    """A serial port for the program (the slave of a pty); the harness holds the master."""

    def __init__(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # a scanner's port carries bytes as sent: no echo, no line editing
        self.path = os.ttyname(slave)
        os.close(slave)
        self._master = master

    def opened(self) -> bool:
        """True while some process has the port open (the master hangs up when nobody has)."""
        poller = select.poll()
        poller.register(self._master, select.POLLHUP)
        return not poller.poll(0)

    def wait_opened(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s until the program has opened the port."""
        deadline = time.monotonic() + timeout
        while not self.opened():
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_MS / 1000)
        return True

    def wait_ready(self, timeout: float, settle: float = SETTLE_S) -> bool:
        """Wait up to ``timeout`` s until the program has opened the port, then up to ``settle`` s
        (within ``timeout``) until it is waiting: every thread of every process holding the port
        asleep in the kernel (for input, a timer, the reader). A program goes on setting the port
        up after opening it, and most serial libraries (pyserial among them) then discard its
        pending input: a payload written in between is lost, which a loaded machine makes likely
        (the program is preempted there).
        False when the port was never opened; True once ``settle`` s have passed if the port was
        opened but its holders never all slept (a program with a busy thread gets the payload
        anyway)."""
        deadline = time.monotonic() + timeout
        if not self.wait_opened(timeout):
            return False
        deadline = min(deadline, time.monotonic() + settle)
        holders: list[int] = []
        while time.monotonic() < deadline:
            holders = holders or self.holders()
            if holders and all(_asleep(pid) for pid in holders):
                return True
            time.sleep(POLL_MS / 1000)
        return True

    def holders(self) -> list[int]:
        """The processes that have the port open (from ``/proc/*/fd``)."""
        found = []
        for process in os.scandir("/proc"):
            if not process.name.isdigit():
                continue
            try:
                with os.scandir(f"/proc/{process.name}/fd") as fds:
                    if any(_link(fd.path) == self.path for fd in fds):
                        found.append(int(process.name))
            except OSError:  # gone, or not ours to read
                continue
        return found

    def discard_pending(self) -> None:
        """Drop what a previous run left unread in the port."""
        with contextlib.suppress(OSError):
            fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            try:
                termios.tcflush(fd, termios.TCIFLUSH)
            finally:
                os.close(fd)

    def send(self, payload: str) -> None:
        """Send ``payload`` then a carriage return, as a scanner in serial mode does."""
        try:
            os.write(self._master, payload.encode("ascii") + b"\r")
        except (OSError, UnicodeEncodeError) as exc:
            raise ScannerInputError(f"cannot send the QR to {self.path}: {exc}") from None

    def close(self) -> None:
        """Close the port (the program's end reads end-of-file)."""
        os.close(self._master)


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _asleep(pid: int) -> bool:
    """Every thread of ``pid`` sleeps in the kernel (state S): none running, runnable or in I/O.
    A process that has ended counts as asleep (it holds nothing any more)."""
    try:
        with os.scandir(f"/proc/{pid}/task") as tasks:
            for task in tasks:
                stat = Path(task.path, "stat").read_text()
                if stat[stat.rindex(")") + 2] != "S":
                    return False
    except (OSError, ValueError):
        return True
    return True

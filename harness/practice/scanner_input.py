"""How scanned QR codes reach a billing program under test: the harness plays its scanner.

- ``serial``: a pseudo-terminal the program opens as its scanner's serial port (the template's
  ``{scanner}``); the harness writes each payload and a carriage return at the other end, once
  the program has the port open.
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

from apcv.errors import ApcvError

POLL_MS = 20


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

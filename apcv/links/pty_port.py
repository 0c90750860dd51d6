"""The device end of a serial or keyboard-wedge scanner link, in software: a pseudo-terminal.

A simulated scanner writes what it would send over USB into the master side; the harness (or any
program: practice software, ``cat``) opens the terminal side at ``path``, a symbolic link to
``/dev/pts/N``, exactly as it opens a real scanner's ``/dev/ttyACM0``: ``serial://PATH`` reads it
raw (pyserial puts the terminal in raw mode), ``wedge://PATH`` reads it as a terminal a
keyboard types into (lines, Enter ends one, no echo). Bytes nobody reads are dropped once the
terminal's buffer is full, as a USB scanner's are when no program has its port open.
"""

from __future__ import annotations

import contextlib
import os
import termios
from pathlib import Path

from apcv.links.base import LinkError


class PtyPort:
    """A pseudo-terminal whose terminal side is reachable at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_symlink() and not self.path.exists():
            self.path.unlink()  # left by a scanner that was killed
        if self.path.exists() or self.path.is_symlink():
            raise LinkError(f"{self.path} already exists: another scanner's port, or not a port at all")
        self._master, self._terminal = os.openpty()
        self.terminal_name = os.ttyname(self._terminal)
        mode = termios.tcgetattr(self._terminal)
        mode[3] &= ~termios.ECHO  # a scanner's characters are not echoed back to it
        termios.tcsetattr(self._terminal, termios.TCSANOW, mode)
        os.set_blocking(self._master, False)
        try:
            self.path.symlink_to(self.terminal_name)
        except OSError as exc:
            self.close()
            raise LinkError(f"cannot create the port {self.path}: {exc.strerror or exc}") from None

    def send(self, data: bytes) -> int:
        """Write ``data`` for the reader of the terminal; the bytes that found no room are dropped."""
        with contextlib.suppress(OSError):
            while True:  # drain what the terminal sends back (nothing is expected)
                if not os.read(self._master, 4096):
                    break
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0

    def close(self) -> None:
        """Remove the port and close the pseudo-terminal."""
        with contextlib.suppress(OSError):
            if self.path.is_symlink() and os.readlink(self.path) == self.terminal_name:
                self.path.unlink()
        for fd in (self._master, self._terminal):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._terminal = -1  # a second close must not close numbers reused since

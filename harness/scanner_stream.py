"""What a scanner under test sends, with the time each byte reached the host.

A thread reads the scanner's link (``serial:``, ``wedge:``) as it comes and keeps every byte
with its arrival time (monotonic seconds, the clock the display's history uses). The stream is
cut into lines at any terminator character (CR, LF, TAB), so that a scanner set to another
suffix than the host's still has its codes told apart, and each line keeps the terminator it
came with, to be judged. Nothing is thrown away: a scanner sends a few hundred bytes a code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from apcv.links.base import LinkError
from apcv.links.scanner_base import ScannerLink

TERMINATOR_BYTES = b"\r\n\t"
"""Bytes that end a line, whichever of them the scanner is set to send."""
READ_SLICE_S = 0.05


@dataclass(frozen=True)
class ScannedLine:
    """One line the scanner sent: its text, the terminator it ended with, and when it arrived."""

    text: str
    terminator: bytes
    started: float
    """When its first byte arrived (monotonic seconds)."""
    ended: float
    """When the last byte of its terminator arrived (monotonic seconds)."""


@dataclass(frozen=True)
class Pending:
    """Bytes after the last terminator: a line that has not ended (yet)."""

    text: str
    started: float


class ScannerStream:
    """The bytes a scanner link delivers, timed, read by a thread until :meth:`close`."""

    def __init__(self, link: ScannerLink) -> None:
        self.link = link
        self._data = bytearray()
        self._times: list[float] = []
        self._changed = threading.Condition()
        self._error: str | None = None
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, name="scanner-stream", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.link.read_bytes(READ_SLICE_S)
            except LinkError as exc:
                with self._changed:
                    self._error = str(exc)
                    self._changed.notify_all()
                return
            if data:
                arrived = time.monotonic()
                with self._changed:
                    self._data += data
                    self._times += [arrived] * len(data)
                    self._changed.notify_all()

    def mark(self) -> int:
        """A place in the stream (bytes received so far): lines are asked for from a mark."""
        with self._changed:
            return len(self._data)

    def _check(self) -> None:
        if self._error is not None:
            raise LinkError(self._error)

    def lines(self, since: int = 0) -> tuple[list[ScannedLine], Pending | None]:
        """The lines that ended after ``since``, and what came after the last one."""
        with self._changed:
            data, times = bytes(self._data[since:]), self._times[since:]
        lines: list[ScannedLine] = []
        start = 0
        while start < len(data) and data[start] in TERMINATOR_BYTES:
            start += 1  # the end of a terminator that began before the mark
        index = start
        while index < len(data):
            if data[index] not in TERMINATOR_BYTES:
                index += 1
                continue
            end = index
            while end < len(data) and data[end] in TERMINATOR_BYTES:
                end += 1
            lines.append(ScannedLine(data[start:index].decode("utf-8", "replace"), data[index:end],
                                     times[start], times[end - 1]))
            start = index = end
        if start == len(data):
            return lines, None
        return lines, Pending(data[start:].decode("utf-8", "replace"), times[start])

    def wait_for(self, done: Callable[[list[ScannedLine]], bool], timeout: float,
                 since: int = 0) -> list[ScannedLine]:
        """The lines after ``since`` as soon as ``done(lines)`` holds, or what came within
        ``timeout`` s (the last line's terminator may still grow: CR, then LF). A link that broke
        raises its LinkError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                self._check()
                lines, _ = self.lines(since)
                left = deadline - time.monotonic()
                if done(lines) or left <= 0:
                    return lines
                self._changed.wait(left)

    def wait_lines(self, count: int, timeout: float, since: int = 0) -> list[ScannedLine]:
        """The lines after ``since`` once there are ``count`` of them (see :meth:`wait_for`)."""
        return self.wait_for(lambda lines: len(lines) >= count, timeout, since)

    def close(self) -> None:
        """Stop reading (the link itself is closed by its owner)."""
        self._stop.set()
        self._reader.join(timeout=READ_SLICE_S * 10)

"""``screen:`` — the phone's live QR code full-screen on an X display, for a real scanner.

The link opens a window (:mod:`apcv.links.screen_window`, tkinter, in a process of its own)
on the display and follows the screen held to it: every ``poll`` seconds it asks the phone
for its code and, when the code rotated, puts the new one up and records when it appeared
(:attr:`history`). A screen with a picture of its code (``qr_picture()``: the code as a camera
condition makes it look) has that picture shown, scaled to fill the same share of the display.
Point the scanner at the monitor, as at a phone. A simulated scanner films the display through
:class:`XDisplayView`, the display's other end.

URL: ``screen:`` (the display in ``$DISPLAY``), ``screen::1`` or ``screen:host:10.0`` (that X
display). Query: ``poll`` seconds between looks at the phone (0.05), ``windowed=WIDTHxHEIGHT``
(a window instead of the full screen), ``start`` seconds the window may take to open (10).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.display_base import DEFAULT_POLL_S, DisplayLink, FollowingDisplay
from apcv.links.scanner_base import QrScreen

ACK_TIMEOUT_S = 5.0
SCREEN_PARAMS = ("poll", "windowed", "start")
_WINDOWED = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")


def _x_display(url: LinkUrl) -> str:
    """The X display ``url`` names (``screen::1``), else ``$DISPLAY``."""
    display = url.target or os.environ.get("DISPLAY", "")
    if not display:
        raise LinkError(f"{url.raw}: no X display: set DISPLAY or name one (screen::0)")
    return display


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.strip())
    into.put(None)


class ScreenDisplay(FollowingDisplay):
    """A full-screen window on an X display showing the QR code of the screen held to it."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, SCREEN_PARAMS)
        self.url = url.raw
        self.display = _x_display(url)
        self.poll_s = url.seconds("poll", DEFAULT_POLL_S)
        windowed = url.params.get("windowed", "")
        if windowed and not _WINDOWED.match(windowed):
            raise LinkError(f"{url.raw}: windowed={windowed!r} must be WIDTHxHEIGHT, e.g. 800x600")
        command = [sys.executable, "-m", "apcv.links.screen_window", "--display", self.display]
        if windowed:
            command += ["--windowed", windowed]
        # a file, so the window never blocks on a full pipe; closed in close()
        self._errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._errors, text=True, bufsize=1)
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(self._process.stdout, self._answers), daemon=True).start()
        ready = self._answer(url.seconds("start", 10.0))
        if ready is None or not ready.startswith("ready "):
            raise LinkError(f"{url.raw}: the window did not open: {self._window_error()}")
        width, _, height = ready.removeprefix("ready ").partition("x")
        self.size = (int(width), int(height))
        self._pictures = tempfile.TemporaryDirectory(prefix="apcv-screen-")
        self._start_following()

    def _answer(self, timeout: float) -> str | None:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def _window_error(self) -> str:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._errors.seek(0)
        lines = [line for line in self._errors.read().splitlines() if line.strip()]
        return lines[-1] if lines else f"window process ended with status {self._process.returncode}"

    def _put(self, screen: QrScreen | None, payload: str | None) -> None:
        """Send the code (or its picture) to the window and wait until it is on screen."""
        picture = getattr(screen, "qr_picture", None) if payload is not None else None
        if picture is not None:
            path = Path(self._pictures.name) / "picture.pgm"
            Image.fromarray(picture()).save(path)
            line = f"picture {path}"
        else:
            line = f"text {payload}" if payload is not None else "clear"
        assert self._process.stdin is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        answer = self._answer(ACK_TIMEOUT_S)
        if answer is None or not answer.startswith("shown "):
            raise LinkError(f"the window stopped answering: {self._window_error()}")

    def close(self) -> None:
        self._stop_following(ACK_TIMEOUT_S + 1)
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._errors.close()
        self._pictures.cleanup()


class XDisplayView:
    """What a camera pointed at the monitor sees: the whole X display, grabbed for each frame
    (Pillow's XCB grab); the same array object as last time while nothing changed."""

    def __init__(self, display: str) -> None:
        from PIL import ImageGrab

        self.display = display
        self._grab = ImageGrab.grab
        self._pixels: np.ndarray | None = None
        self.qr_frame()  # fails now, with the reason, when the display cannot be read

    def qr_frame(self) -> np.ndarray:
        """The display as it is now."""
        try:
            pixels = np.asarray(self._grab(xdisplay=self.display).convert("L"))
        except OSError as exc:
            raise LinkError(f"cannot grab X display {self.display!r}: {exc}") from None
        if self._pixels is None or not np.array_equal(pixels, self._pixels):
            self._pixels = pixels
        return self._pixels


def open_display(url: LinkUrl) -> DisplayLink:
    """Registry hook: the ``screen:`` display of ``url``."""
    return ScreenDisplay(url)


def view_display(url: LinkUrl) -> XDisplayView:
    """Registry hook: what a camera pointed at the X display of ``url`` sees; the display's own
    query (``poll``, ``windowed``, ``start``) may stay in the URL."""
    check_params(url, SCREEN_PARAMS)
    return XDisplayView(_x_display(url))

"""``frames:PATH`` — a display that is a picture file, for a simulated scanner to film.

The software rig's stand-in for a monitor: the display follows the screen held to it like
``screen:`` does, and keeps what it shows in the image file PATH (8-bit grayscale PGM, replaced
atomically on each change, removed while the display is blank): the phone's screen as pixels
(``qr_frame()``) or a picture of its code (``qr_picture()``). A simulated scanner running as
a process of its own films that file (``apcv-hil simulate scanner --look-at frames:PATH``).
``frames:`` with no path keeps the file in a private folder, removed on close (:attr:`path`).
Query: ``poll`` seconds between looks at the screen (0.05).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.display_base import DEFAULT_POLL_S, DisplayLink, FollowingDisplay
from apcv.links.scanner_base import QrScreen

FILE_NAME = "screen.pgm"


class FramesDisplay(FollowingDisplay):
    """A display kept as a picture file."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, ("poll",))
        self.url = url.raw
        self.poll_s = url.seconds("poll", DEFAULT_POLL_S)
        self._private = None if url.target else tempfile.TemporaryDirectory(prefix="apcv-frames-")
        self.path = Path(url.target) if url.target else Path(self._private.name) / FILE_NAME
        if not self.path.parent.is_dir():
            raise LinkError(f"{url.raw}: folder {self.path.parent} does not exist")
        if self.path.is_dir():
            raise LinkError(f"{url.raw}: {self.path} is a folder, not a picture file")
        self._blank()
        self._start_following()

    def _blank(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def show(self, screen: QrScreen | None) -> None:
        if screen is not None and not (hasattr(screen, "qr_picture") or hasattr(screen, "qr_frame")):
            raise LinkError(f"{self.url}: the screen shows no pixels (it has no qr_frame() or qr_picture())")
        super().show(screen)

    def _put(self, screen: QrScreen | None, payload: str | None) -> None:
        if payload is None or screen is None:
            self._blank()
            return
        source = getattr(screen, "qr_picture", None) or screen.qr_frame  # type: ignore[attr-defined]
        pixels: np.ndarray = source()
        staged = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        Image.fromarray(pixels).save(staged, format="PPM")
        os.replace(staged, self.path)

    def close(self) -> None:
        self._stop_following(5.0)
        self._blank()
        if self._private is not None:
            self._private.cleanup()


def open_display(url: LinkUrl) -> DisplayLink:
    """Registry hook: the ``frames:`` display of ``url``."""
    return FramesDisplay(url)

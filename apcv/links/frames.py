"""``frames:PATH`` — a display that is a picture file, for a simulated scanner to film.

The software rig's stand-in for a monitor: the display follows the screen held to it like
``screen:`` does, and keeps what it shows in the image file PATH (8-bit grayscale PGM, replaced
atomically on each change, removed while the display is blank): the phone's screen as pixels
(``qr_frame()``) or a picture of its code (``qr_picture()``). A simulated scanner running as
a process of its own films that file (``apcv-hil simulate scanner --look-at frames:PATH``)
through :class:`FramesView`, the display's other end. ``frames:`` with no path keeps the file in
a private folder, removed on close (:attr:`path`). Query: ``poll`` seconds between looks at the
screen (0.05).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

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


class FramesView:
    """What a camera pointed at a ``frames:`` display sees: the picture in its file, as a
    grayscale frame, re-read only when the file changed (the same array object until then, so
    that a scanner does not film again a picture whose code it already sent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._key: tuple[int, int, int] | None = None
        self._pixels: np.ndarray | None = None

    def qr_frame(self) -> np.ndarray | None:
        """The picture on the display now, or None while it is blank."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            self._key = self._pixels = None
            return None
        key = (status.st_ino, status.st_mtime_ns, status.st_size)
        if key != self._key:
            try:
                with Image.open(self.path) as image:
                    self._pixels = np.asarray(image.convert("L"))
            except FileNotFoundError:  # blanked between the look and the read
                self._key = self._pixels = None
                return None
            except (OSError, UnidentifiedImageError) as exc:
                raise LinkError(f"{self.path}: not a picture a display wrote: {exc}") from None
            self._key = key
        return self._pixels


def open_display(url: LinkUrl) -> DisplayLink:
    """Registry hook: the ``frames:`` display of ``url``."""
    return FramesDisplay(url)


def view_display(url: LinkUrl) -> FramesView:
    """Registry hook: what a camera sees of the ``frames:PATH`` display (another process's); the
    display's own query (``poll``) may stay in the URL."""
    check_params(url, ("poll",))
    if not url.target:
        raise LinkError(f"{url.raw}: name the file the frames: display writes (frames:/path/screen.pgm)")
    return FramesView(url.target)

"""What the simulated scanner's camera looks at when it runs on its own: a display of the harness.

- :class:`FrameFile`: the picture a ``frames:`` display keeps in an image file (replaced
  atomically on each change, absent while the display is blank), re-read only when it changed.
- :class:`XDisplayScreen`: the whole X display a ``screen:`` window is on, grabbed each frame
  (Pillow's XCB grab), as a camera pointed at the monitor sees it.

Both hand back the same array object while the picture stays the same, so the scanner does not
film again a picture whose code it already sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from simulators.scanner.device import ScannerDeviceError


class FrameFile:
    """The picture a ``frames:`` display writes to ``path``, as a grayscale frame."""

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
                raise ScannerDeviceError(f"{self.path}: not a picture a display wrote: {exc}") from None
            self._key = key
        return self._pixels


class XDisplayScreen:
    """The X display ``display`` (``:0``), grabbed whole for each frame."""

    def __init__(self, display: str) -> None:
        from PIL import ImageGrab

        self.display = display
        self._grab = ImageGrab.grab
        self._pixels: np.ndarray | None = None
        self.qr_frame()  # fails now, with the reason, when the display cannot be read

    def qr_frame(self) -> np.ndarray:
        """The display as it is now (the same array as last time when nothing changed)."""
        try:
            pixels = np.asarray(self._grab(xdisplay=self.display).convert("L"))
        except OSError as exc:
            raise ScannerDeviceError(f"cannot grab X display {self.display!r}: {exc}") from None
        if self._pixels is None or not np.array_equal(pixels, self._pixels):
            self._pixels = pixels
        return self._pixels

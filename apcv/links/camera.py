"""``camera://0``, ``camera:///dev/video0``, ``camera:///path/clip.avi`` — frames from a camera.

OpenCV's VideoCapture reads a V4L2 camera by index or device path, or a recorded video file
(a clip of a phone held to the camera, replayed the same way every run). Frames come out as
grayscale 2-D uint8 arrays; the scanner role decodes them (``apcv/imaging``). This link
carries frames only.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from apcv.links.base import LinkError, LinkUrl

PROBE = "`apcv-hil rigs probe` lists the /dev/video* devices"


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise LinkError(f"camera links need OpenCV (pip install opencv-python-headless): {exc}") from None
    return cv2


class CameraFrames:
    """Frames from a camera device or a video file."""

    def __init__(self, url: LinkUrl) -> None:
        self.url = url.raw
        target = url.target
        self.is_file = bool(target) and not target.isdigit() and not target.startswith("/dev/")
        if not target:
            raise LinkError(f"{url.raw}: no camera given (camera://0, camera:///dev/video0 or a video file)")
        if not target.isdigit() and not os.path.exists(target):
            if self.is_file:
                raise LinkError(f"video file {target} not found")
            raise LinkError(f"camera {target} not found: is it plugged in? {PROBE}")
        if not target.isdigit() and not os.access(target, os.R_OK):
            raise LinkError(f"{target}: permission denied (cameras belong to the video group: "
                            "`sudo usermod -aG video $USER`, then log in again)")
        cv2 = _cv2()
        self._cv2 = cv2
        self._capture = cv2.VideoCapture(int(target) if target.isdigit() else target)
        if not self._capture.isOpened():
            self._capture.release()
            raise LinkError(f"{url.raw}: OpenCV cannot open {target} (no such camera, in use by another "
                            f"program, or not a video it can decode); {PROBE}")

    def read(self) -> np.ndarray | None:
        """The next frame in grayscale; None at the end of a file or when the camera stops."""
        ok, frame = self._capture.read()
        if not ok or frame is None:
            return None
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame

    def close(self) -> None:
        """Release the camera or file."""
        self._capture.release()

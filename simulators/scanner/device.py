"""A simulated 2D QR scanner, the reference the scanner plan runs against on the software rig.

It films the screen held in front of it (a :class:`~apcv.links.scanner_base.FrameScreen`: the
phone's rendered QR screen, or a display of the harness) through a :class:`CameraModel`, decodes
each frame with a QR decoder, and sends what it read to the host as a real scanner does: the text,
then its terminator. Like a real scanner it does not send the same code twice while it stays in
view; a new code (the phone rotated) is sent as soon as a frame of it is read. A screen that hands
back the very frame whose code was just sent (a display that did not change) is not filmed again: it
could only give that code. Faulty variants (:mod:`simulators.scanner.variants`) change what is sent.
"""

from __future__ import annotations

import numpy as np

from apcv.errors import ApcvError
from apcv.imaging.camera_model import CameraModel
from apcv.imaging.conditions import condition
from apcv.imaging.decoders import QrDecoder, make_decoder
from apcv.links.scanner_base import FrameScreen

TERMINATORS = {"cr": "\r", "lf": "\n", "crlf": "\r\n", "tab": "\t", "none": ""}
"""Suffixes a scanner can be configured to send after each code."""
FRAME_RATE = 30
"""Frames per second the scanner's camera takes."""


class ScannerDeviceError(ApcvError):
    """The simulated scanner is configured wrongly; the message names the setting."""


class SimulatedScanner:
    """Camera + decoder + the bytes it sends to the host."""

    def __init__(self, camera: CameraModel, decoder: QrDecoder, *, terminator: str = "cr") -> None:
        if terminator not in TERMINATORS:
            raise ScannerDeviceError(f"unknown terminator {terminator!r}; known: {', '.join(TERMINATORS)}")
        self.camera = camera
        self.decoder = decoder
        self.terminator = TERMINATORS[terminator]
        self.frames = 0
        self._screen: FrameScreen | None = None
        self._last_sent: str | None = None
        self._sent_view: np.ndarray | None = None
        self._view: np.ndarray | None = None

    @classmethod
    def under(cls, condition_name: str, decoder: str = "ensemble", *, seed: int = 0,
              terminator: str = "cr") -> SimulatedScanner:
        """A scanner filming under the named condition (``glare-mild``...) with ``decoder``."""
        return cls(condition(condition_name).camera(seed), make_decoder(decoder), terminator=terminator)

    def look_at(self, screen: FrameScreen | None) -> None:
        """Hold ``screen`` in front of the camera (None: nothing in view)."""
        self._screen = screen

    def read_frame(self) -> str | None:
        """Film one frame and decode it: the text of the code in view, or None."""
        pixels = self._screen.qr_frame() if self._screen is not None else None
        if pixels is None:
            return None
        if pixels is self._sent_view:
            return self._last_sent
        self.frames += 1
        texts = self.decoder.decode(self.camera.capture(pixels, self.frames))
        text = texts[0] if texts else None
        if text is not None and text == self._last_sent:
            self._sent_view = pixels
        self._view = pixels
        return text

    def message_for(self, text: str) -> bytes:
        """The bytes sent to the host for a code read: its text, then the terminator."""
        return (text + self.terminator).encode("utf-8")

    def next_message(self, max_frames: int = 5 * FRAME_RATE) -> bytes | None:
        """The bytes sent for the next new code read within ``max_frames`` frames, or None."""
        for _ in range(max_frames):
            text = self.read_frame()
            if text is not None and text != self._last_sent:
                self._last_sent, self._sent_view = text, self._view
                return self.message_for(text)
        return None

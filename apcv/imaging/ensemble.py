"""The ``ensemble`` decoder: the QR libraries one after another, with cheap clean-ups between.

Passes run in order until one reads a code. The first is the fastest library on the common
case (zxing-cpp, about 2 ms on a 1280×720 frame); the next ones cost more and help where the
first fails: ZBar reads the screen moiré that zxing-cpp misses, a morphological closing fills
the dark gaps of a screen's pixel grid, a median filter calms sensor noise, a 2× upscale
gives small or steeply tilted modules more pixels, a local binarisation flattens glare, and
OpenCV (the slowest) comes last. Every library also sees the raw frame, so the ensemble reads
every frame that any single library reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from apcv.imaging.decoders import OpenCvDecoder, QrDecoder, ZbarDecoder, ZxingDecoder

_SQUARE = np.ones((3, 3), dtype=np.uint8)


def raw(frame: np.ndarray) -> np.ndarray:
    """The frame as captured."""
    return frame


def closed(frame: np.ndarray) -> np.ndarray:
    """Dark lines one or two pixels thin (a screen's pixel grid) filled in by a 3×3 closing."""
    return cv2.morphologyEx(frame, cv2.MORPH_CLOSE, _SQUARE)


def median(frame: np.ndarray) -> np.ndarray:
    """Sensor noise calmed by a 3×3 median filter (edges kept)."""
    return cv2.medianBlur(frame, 3)


def upscaled(frame: np.ndarray) -> np.ndarray:
    """Twice the pixels per module (bicubic), for small or steeply tilted codes."""
    return cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def binarised(frame: np.ndarray) -> np.ndarray:
    """Black and white against the local mean (31-pixel windows), which flattens glare."""
    return cv2.adaptiveThreshold(frame, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 5)


@dataclass(frozen=True)
class Pass:
    """One try of the ensemble: a clean-up of the frame, then one library."""

    prepare: Callable[[np.ndarray], np.ndarray]
    decoder: QrDecoder

    @property
    def name(self) -> str:
        """``library`` on the raw frame, ``library+clean-up`` otherwise."""
        step = self.prepare.__name__
        return self.decoder.name if step == "raw" else f"{self.decoder.name}+{step}"


class EnsembleDecoder:
    """zxing-cpp, then ZBar, then clean-ups, then OpenCV, until one reads a code."""

    name = "ensemble"

    def __init__(self) -> None:
        zxing, zbar = ZxingDecoder(), ZbarDecoder()
        self.passes: tuple[Pass, ...] = (
            Pass(raw, zxing), Pass(raw, zbar), Pass(closed, zbar), Pass(median, zbar),
            Pass(upscaled, zxing), Pass(binarised, zbar), Pass(raw, OpenCvDecoder()),
        )
        self.last_pass: str | None = None

    def decode(self, frame: np.ndarray) -> list[str]:
        """Texts of the QR codes the first successful pass reads (``last_pass`` names it)."""
        self.last_pass = None
        for step in self.passes:
            texts = step.decoder.decode(step.prepare(frame))
            if texts:
                self.last_pass = step.name
                return texts
        return []

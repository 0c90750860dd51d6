"""``image:NAME?decoder=zbar`` — a camera-based 2D scanner simulated in-process.

It looks at the screen the bench holds in front of it (the counter NAME, shared with
``sim:NAME`` scanners), captures a frame of it (the phone renders its QR as pixels) and
decodes the frame with a real QR library (``decoder=zbar``, ``zxing``, ``opencv`` or
``ensemble``). A frame without a readable QR is retried until the timeout, as a scanner keeps
trying while the phone is brought up, each frame with fresh noise. Query: ``decoder`` (zbar),
``timeout`` seconds per read (5), a named ``condition`` of :mod:`apcv.imaging.conditions`
(``condition=moire-hard``: a 1280×720 camera) or the capture parameters of
:class:`CameraModel` one by one (``blur``, ``angle``, ``tilt``, ``light``, ``glare``, ...),
clean by default; not both.
"""

from __future__ import annotations

import time
from dataclasses import fields

import numpy as np

from apcv.imaging.camera_model import CameraModel, CameraModelError
from apcv.imaging.conditions import condition
from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.frame_decoding import first_payload, link_decoder
from apcv.links.scanner_base import FrameScreen, QrScreen, ScannerLink, ScanTimeout, scan_timeout
from apcv.links.sim_scanner import POLL_S, counter

CAMERA_PARAMS = tuple(field.name for field in fields(CameraModel))


def _camera(url: LinkUrl) -> CameraModel:
    """The camera of ``url``: a named condition (seeded by ``seed``) or parameters one by one."""
    name = url.params.get("condition")
    if name is None:
        return CameraModel.from_params(url.params)
    given = sorted(set(url.params) & set(CAMERA_PARAMS) - {"seed"})
    if given:
        raise CameraModelError(f"condition={name} sets the camera; drop {', '.join(given)} or the condition")
    seed = CameraModel.from_params({"seed": url.params["seed"]}).seed if "seed" in url.params else 0
    return condition(name).camera(seed)


class CameraScanner(ScannerLink):
    """Captures frames of a simulated screen and decodes them."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, ("decoder", "timeout", "condition", *CAMERA_PARAMS))
        self.url = url.raw
        self.default_timeout = scan_timeout(url)
        self.decoder = link_decoder(url)
        try:
            self.camera = _camera(url)
        except CameraModelError as exc:
            raise LinkError(f"{url.raw}: {exc}") from None
        self._counter = counter(url.target or "default")
        self.frames_captured = 0
        self.last_frame: np.ndarray | None = None
        """The last frame captured, kept so that a failed read can show what the camera saw."""

    @property
    def takes_screens(self) -> bool:
        return True

    def show(self, screen: QrScreen | None) -> None:
        if screen is not None and not hasattr(screen, "qr_frame"):
            raise LinkError(f"{self.url}: the screen shows no pixels (it has no qr_frame())")
        self._counter.screen = screen

    def capture(self) -> np.ndarray | None:
        """The next frame of the screen held in front of the camera (None: nothing to see)."""
        screen: FrameScreen | None = self._counter.screen  # type: ignore[assignment]
        pixels = screen.qr_frame() if screen is not None else None
        if pixels is None:
            return None
        self.frames_captured += 1
        self.last_frame = self.camera.capture(pixels, self.frames_captured)
        return self.last_frame

    def read_payload(self, timeout: float | None = None) -> str:
        self.last_frame = None
        limit = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            frame = self.capture()
            payload = first_payload(self.decoder, frame, self.url) if frame is not None else None
            if payload is not None:
                return payload
            if time.monotonic() >= deadline:
                seen = ("no QR code in view" if frame is None
                        else f"{self.decoder.name} read no QR in the frame")
                raise ScanTimeout(f"{self.url}: no QR payload within {limit:g} s: {seen}")
            time.sleep(POLL_S)

    def close(self) -> None:
        self._counter.screen = None


def open_scanner(url: LinkUrl) -> ScannerLink:
    """The ``image:`` scanner of ``url``: a camera model looking at a simulated screen."""
    return CameraScanner(url)

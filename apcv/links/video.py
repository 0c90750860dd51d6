"""``camera://...`` — a camera-based scanner: real frames (a camera or a recording) decoded here.

The frames come from :class:`apcv.links.camera.CameraFrames`; each is decoded until one holds
a QR code or the timeout passes. Query: ``decoder`` (zbar, zxing, opencv; zbar), ``timeout``
seconds per read (5).
"""

from __future__ import annotations

import time

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.camera import CameraFrames
from apcv.links.frame_decoding import first_payload, link_decoder
from apcv.links.scanner_base import ScanError, ScannerLink, ScanTimeout, scan_timeout


class VideoScanner(ScannerLink):
    """Decodes the frames of a camera or a video file."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, ("decoder", "timeout"))
        self.url = url.raw
        self.default_timeout = scan_timeout(url)
        self.decoder = link_decoder(url)
        self._frames = CameraFrames(url)
        self.frames_read = 0

    def read_payload(self, timeout: float | None = None) -> str:
        limit = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            frame = self._frames.read()
            if frame is None and self._frames.is_file:
                raise ScanError(f"{self.url}: end of the recording after {self.frames_read} frames "
                                "with no further QR code")
            if frame is None:
                raise LinkError(f"{self.url}: the camera stopped delivering frames (unplugged?)")
            self.frames_read += 1
            payload = first_payload(self.decoder, frame, self.url)
            if payload is not None:
                return payload
            if time.monotonic() >= deadline:
                raise ScanTimeout(f"{self.url}: no QR payload within {limit:g} s "
                                  f"({self.decoder.name} read none of {self.frames_read} frames)")

    def close(self) -> None:
        self._frames.close()


def open_scanner(url: LinkUrl) -> ScannerLink:
    """The ``camera://`` scanner of ``url``: a camera or a recording, decoded here."""
    return VideoScanner(url)

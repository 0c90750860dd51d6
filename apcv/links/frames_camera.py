"""``frames:PATH`` as a scanner — a camera filming the picture file a phone keeps its screen in.

The software stand-in for a camera pointed at a phone: our phone simulator, run as a process of
its own (``apcv-hil simulate phone --screen frames:PATH``), keeps its QR screen in the picture
file PATH as a ``frames:`` display does (replaced atomically on each change, absent while the
screen shows no code), and this link films it through the display's other end
(:class:`apcv.links.frames.FramesView`), decoding each new picture once. A real phone's
screen is filmed with ``camera://`` instead (docs/dut.md).
Query: ``decoder`` (zbar, zxing, opencv; zbar), ``timeout`` seconds per read (5), ``poll``
seconds between looks (0.05).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from apcv.links.base import LinkError, LinkUrl, check_params
from apcv.links.display_base import DEFAULT_POLL_S
from apcv.links.frame_decoding import first_payload, link_decoder
from apcv.links.frames import FramesView
from apcv.links.scanner_base import ScannerLink, ScanTimeout, scan_timeout


class FramesCamera(ScannerLink):
    """Decodes the picture file a phone's screen is kept in."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, ("decoder", "timeout", "poll"))
        self.url = url.raw
        if not url.target:
            raise LinkError(f"{url.raw}: a frames: camera films a picture file: name it "
                            "(frames:/path/screen.pgm, the phone's --screen)")
        path = Path(url.target)
        if not path.parent.is_dir():
            raise LinkError(f"{url.raw}: the camera cannot see the screen: folder {path.parent} "
                            "does not exist")
        self.default_timeout = scan_timeout(url)
        self.poll_s = url.seconds("poll", DEFAULT_POLL_S)
        self.decoder = link_decoder(url)
        self._view = FramesView(path)
        self._decoded: tuple[np.ndarray | None, str | None] = (None, None)
        self.last_frame: np.ndarray | None = None

    def read_payload(self, timeout: float | None = None) -> str:
        limit = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            payload = self._look()
            if payload is not None:
                return payload
            if time.monotonic() >= deadline:
                seen = "a picture with no code in it" if self.last_frame is not None else "no picture"
                raise ScanTimeout(f"{self.url}: no QR payload within {limit:g} s "
                                  f"({seen} at {self._view.path})")
            time.sleep(self.poll_s)

    def _look(self) -> str | None:
        """The code in the picture now (each new picture decoded once), or None."""
        try:
            frame = self._view.qr_frame()
        except LinkError as exc:
            raise LinkError(f"{self.url}: {exc}") from None
        self.last_frame = frame
        if frame is None:
            return None
        if frame is not self._decoded[0]:
            self._decoded = (frame, first_payload(self.decoder, frame, self.url))
        return self._decoded[1]


def open_scanner(url: LinkUrl) -> ScannerLink:
    """The ``frames:`` camera of ``url``: the picture file a phone's screen is kept in."""
    return FramesCamera(url)

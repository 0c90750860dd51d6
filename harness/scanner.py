"""The ``scanner`` role as scenarios see it: read one QR payload, with a timeout.

Whatever stands behind it (a USB scanner on a serial port, a keyboard wedge, an in-process
scanner looking at a simulated phone), a scenario only calls :meth:`QrScanner.read`.
"""

from __future__ import annotations

from apcv.links.base import LinkError
from apcv.links.scanner_base import QrScreen, ScannerLink
from apcv.links.tracing import Recorder


class QrScanner:
    """A scanner link with the rig's timeout (else the link's); each read or failure is traced,
    stamped with the scanner link's URL."""

    def __init__(self, link: ScannerLink, recorder: Recorder, timeout: float | None = None) -> None:
        self.link = link
        self.url = link.url
        self.timeout = link.default_timeout if timeout is None else timeout
        self._recorder = recorder

    def read(self, timeout: float | None = None) -> str:
        """The next scanned payload; ScanTimeout after ``timeout`` s (the rig's by default)."""
        try:
            payload = self.link.read_payload(self.timeout if timeout is None else timeout)
        except LinkError as exc:
            self._recorder.link = self.url
            self._recorder.note(f"scan failed: {exc}")
            self._keep_last_frame()
            raise
        self._recorder.link = self.url
        self._recorder.note(f"{self.url}: scanned {payload[:6]}... ({len(payload)} characters)")
        return payload

    def _keep_last_frame(self) -> None:
        """Attach the camera's last frame (PNG) to the trace, so the report shows what it saw."""
        frame = getattr(self.link, "last_frame", None)
        if frame is None:
            return
        import cv2

        encoded, png = cv2.imencode(".png", frame)
        if encoded:
            self._recorder.attach("failed-scan.png", png.tobytes(), "the last frame the camera captured")

    @property
    def takes_screens(self) -> bool:
        """True when a simulated screen can be held in front of it (in-process scanners)."""
        return self.link.takes_screens

    def show(self, screen: QrScreen | None) -> None:
        """Hold ``screen`` in front of the scanner (None takes it away)."""
        self.link.show(screen)

    def close(self) -> None:
        """Release the scanner."""
        self.link.close()

"""The QR side of links: a scanner that reads one payload string at a time.

A :class:`ScannerLink` is what stands behind the ``scanner`` role: a USB scanner on a
serial port (``serial:``), a keyboard-wedge scanner typing into a terminal (``wedge:``),
or an in-process scanner looking at a simulated phone's screen (``sim:``, ``image:``).
Links import no simulator: anything with ``qr_payload()`` is a screen a scanner can read, and
anything that also has ``qr_frame()`` is a screen a camera can film (:class:`FrameScreen`: the
``image:`` link's camera, the ``frames:`` display, the simulated scanner of ``simulators.scanner``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Protocol

from apcv.links.base import LinkError, LinkUrl

APCV_QR_PREFIX = "APCV1:"
DEFAULT_SCAN_TIMEOUT_S = 5.0

if TYPE_CHECKING:
    import numpy as np


class ScanTimeout(LinkError):
    """No payload arrived within the timeout."""


class ScanError(LinkError):
    """The scanner sent something that is not a usable payload (bytes, length, prefix)."""


class QrScreen(Protocol):
    """A screen that may show a QR code: a simulated phone's, for in-process scanners."""

    def qr_payload(self) -> str | None:
        """The payload of the QR shown now, or None when no QR is shown."""


class FrameScreen(Protocol):
    """A screen a camera can film: the QR code it shows as pixels (2-D uint8), or None."""

    def qr_frame(self) -> np.ndarray | None:
        """The screen as a grayscale frame now, or None when it shows no code."""


class ScannerLink(ABC):
    """A QR scanner: ``read_payload`` returns the next payload it decodes."""

    url: str
    default_timeout: float = DEFAULT_SCAN_TIMEOUT_S
    terminator: bytes | None = None
    """The bytes that end each payload on a byte-stream link (serial, wedge); None on others."""

    @abstractmethod
    def read_payload(self, timeout: float | None = None) -> str:
        """The next scanned payload; ScanTimeout after ``timeout`` seconds (the link's default)."""

    def read_bytes(self, timeout: float) -> bytes:
        """The bytes the scanner sent, as they came (terminators included), waiting up to
        ``timeout`` s for the first; empty when none came. For a scanner under test, whose
        every byte is judged; do not mix with :meth:`read_payload` on one link."""
        raise LinkError(f"{self.url}: this link hands over decoded payloads, not the bytes a scanner sends")

    @property
    def takes_screens(self) -> bool:
        """True when the harness can place a screen in front of this scanner (in-process ones)."""
        return False

    def show(self, screen: QrScreen | None) -> None:
        """Hold ``screen`` in front of the scanner (None takes it away)."""
        raise LinkError(
            f"{self.url}: a physical scanner reads what a person holds in front of it; "
            "the harness cannot place a simulated screen there"
        )

    def close(self) -> None:
        """Release the scanner's resources (ports, terminals)."""


def scan_timeout(url: LinkUrl, default: float = DEFAULT_SCAN_TIMEOUT_S) -> float:
    """The ``timeout`` query parameter in seconds (0 < t <= 3600), or ``default``."""
    return url.seconds("timeout", default)


def positive_int(url: LinkUrl, key: str, default: int, top: int) -> int:
    """The integer query parameter ``key`` (1..top), or ``default``."""
    raw = url.params.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= top:
        raise LinkError(f"{url.raw}: {key}={raw!r} must be a whole number from 1 to {top}")
    return int(raw)

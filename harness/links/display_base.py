"""The display side of the QR links: a screen the harness shows the phone's code on.

A :class:`DisplayLink` stands where the phone's screen would be for a real 2D scanner: the
harness holds a simulated phone's screen to it (``show``) and the display follows the phone's
rotating code until the screen is taken away. Links import no simulator: anything with
``qr_payload()`` is a screen.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from harness.links.scanner_base import QrScreen


@dataclass(frozen=True)
class Shown:
    """One code put on the display: its payload (None: a blank screen) and when (monotonic s)."""

    payload: str | None
    at: float


class DisplayLink(ABC):
    """A display that shows the QR code of the screen held to it."""

    url: str

    @abstractmethod
    def show(self, screen: QrScreen | None) -> None:
        """Follow ``screen``'s QR code from now on (None: a blank display)."""

    @property
    @abstractmethod
    def history(self) -> list[Shown]:
        """Every code shown so far, oldest first, with the time it appeared."""

    @property
    def shown(self) -> str | None:
        """The payload on the display now (None: blank)."""
        history = self.history
        return history[-1].payload if history else None

    def close(self) -> None:
        """Take the code down and release the display."""

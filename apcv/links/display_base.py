"""The display side of the QR links: a screen the harness shows the phone's code on.

A :class:`DisplayLink` stands where the phone's screen would be for a 2D scanner: the harness
holds a screen to it (``show``) and the display follows that screen's rotating code until the
screen is taken away. Links import no simulator: anything with ``qr_payload()`` is a screen; one
that also has ``qr_picture()`` asks the display to show that picture of its code (a camera
condition baked in) instead of drawing the code itself.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from apcv.links.base import LinkError
from apcv.links.scanner_base import QrScreen

DEFAULT_POLL_S = 0.05
"""Seconds between two looks of a display at the screen held to it."""


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


class FollowingDisplay(DisplayLink):
    """A display whose thread looks at the screen held to it every ``poll_s`` seconds, and at
    once when another screen is held to it, and puts each new code up (:meth:`_put`), noting
    when it was on the display."""

    poll_s: float = DEFAULT_POLL_S

    def _start_following(self) -> None:
        self._history: list[Shown] = []
        self._lock = threading.Lock()
        self._screen: QrScreen | None = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._follower = threading.Thread(target=self._follow, name="display-follower", daemon=True)
        self._follower.start()

    @abstractmethod
    def _put(self, screen: QrScreen | None, payload: str | None) -> None:
        """Put ``screen``'s code (``payload``; None: blank) on the display; return once it is there."""

    def _follow(self) -> None:
        current: tuple[int, str | None] | None = None
        while not self._stop.is_set():
            self._wake.clear()
            screen = self._screen
            payload = screen.qr_payload() if screen is not None else None
            key = (id(screen), payload)
            try:
                if key != current:
                    self._put(screen, payload)
                    with self._lock:
                        self._history.append(Shown(payload, time.monotonic()))
                    current = key
            except (LinkError, OSError) as exc:
                self._error = str(exc)
                return
            self._wake.wait(self.poll_s)

    def _check(self) -> None:
        if self._error is not None:
            raise LinkError(f"{self.url}: {self._error}")

    def show(self, screen: QrScreen | None) -> None:
        self._check()
        self._screen = screen
        self._wake.set()

    @property
    def history(self) -> list[Shown]:
        self._check()
        with self._lock:
            return list(self._history)

    def _stop_following(self, timeout: float) -> None:
        self._stop.set()
        self._wake.set()
        self._follower.join(timeout=timeout)

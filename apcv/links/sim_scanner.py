"""``sim:NAME`` as a scanner — an in-process QR scanner looking at a simulated screen.

The bench holds a simulated phone's screen in front of the scanner (``show``); reading
returns the payload of the QR the screen shows at that moment, waiting (polling) up to the
timeout while it shows none (app locked, session over). Scanners with the same NAME look at
the same counter. No image is made: ``image:NAME`` renders and decodes a real picture.
Query: ``timeout`` seconds per read (5).
"""

from __future__ import annotations

import time

from apcv.links.base import LinkUrl, check_params
from apcv.links.scanner_base import QrScreen, ScannerLink, ScanTimeout, scan_timeout

POLL_S = 0.02


class Counter:
    """The place where a screen is held in front of the scanners of one name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.screen: QrScreen | None = None


_COUNTERS: dict[str, Counter] = {}


def counter(name: str) -> Counter:
    """The counter called ``name``, created on first use."""
    return _COUNTERS.setdefault(name, Counter(name))


def wait_for_payload(counter_: Counter, timeout: float, url: str) -> str:
    """The payload on the counter's screen, polled until ``timeout`` s have passed."""
    deadline = time.monotonic() + timeout
    while True:
        screen = counter_.screen
        payload = screen.qr_payload() if screen is not None else None
        if payload is not None:
            return payload
        if time.monotonic() >= deadline:
            what = "no screen is held in front of it" if screen is None else "the screen shows no QR code"
            raise ScanTimeout(f"{url}: no QR payload within {timeout:g} s: {what} "
                              "(is the phone unlocked, its session still running?)")
        time.sleep(POLL_S)


class SimScanner(ScannerLink):
    """Reads the payload a simulated screen shows, without an image."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, ("timeout",))
        self.url = url.raw
        self.default_timeout = scan_timeout(url)
        self._counter = counter(url.target or "default")

    @property
    def takes_screens(self) -> bool:
        return True

    def show(self, screen: QrScreen | None) -> None:
        self._counter.screen = screen

    def read_payload(self, timeout: float | None = None) -> str:
        return wait_for_payload(self._counter, self.default_timeout if timeout is None else timeout, self.url)

    def close(self) -> None:
        self._counter.screen = None


def open_scanner(url: LinkUrl) -> ScannerLink:
    """Registry hook: an in-process scanner at the counter named by ``url``."""
    return SimScanner(url)

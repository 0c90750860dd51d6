"""Phones the harness presents to a reader under test to observe it: a probe timing the
phone's side of every APDU, and a slow phone."""

from __future__ import annotations

import time

from apcv.links.base import CardResponder


class ProbedDevice:
    """Forwards to ``device`` and notes, per APDU, what arrived and when the phone worked on it
    (wall-clock seconds, the trace's clock), so the reader's own share can be told apart."""

    def __init__(self, device: CardResponder) -> None:
        self._device = device
        self.atr = device.atr
        self.received: list[bytes] = []
        self.busy: list[tuple[float, float]] = []

    def reset(self) -> None:
        self._device.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        started = time.time()
        answer = self._device.process_apdu(apdu)
        self.busy.append((started, time.time()))
        self.received.append(bytes(apdu))
        return answer


class SlowDevice:
    """Forwards to ``device``, answering every APDU ``delay_s`` late (a slow phone)."""

    def __init__(self, device: CardResponder, delay_s: float) -> None:
        self._device = device
        self._delay_s = delay_s
        self.atr = device.atr

    def reset(self) -> None:
        self._device.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        time.sleep(self._delay_s)
        return self._device.process_apdu(apdu)

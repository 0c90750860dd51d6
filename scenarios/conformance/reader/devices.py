"""Devices the harness presents to a reader to observe it: a probe timing the device's side of
every APDU, a slow phone, a phone chaining every answer, a phone locked mid-session, and cards
whose FCP template differs from the reference card's."""

from __future__ import annotations

import time
from collections.abc import Callable

from apcv.links.base import CardResponder
from simulators.phone.phone import Phone


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


class ChainingDevice:
    """Forwards to ``device``, but cuts every answer longer than ``chunk`` bytes into 61XX pieces of
    ``chunk`` bytes, served by GET RESPONSE: a phone that chains whatever Le the reader asked for."""

    def __init__(self, device: CardResponder, chunk: int) -> None:
        self._device = device
        self._chunk = chunk
        self._pending = b""
        self._last_sw = b"\x90\x00"
        self.atr = device.atr
        self.get_responses = 0

    def reset(self) -> None:
        self._pending = b""
        self._device.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        if len(apdu) >= 4 and apdu[1] == 0xC0 and self._pending:
            self.get_responses += 1
            return self._next()
        answer = self._device.process_apdu(apdu)
        data, sw = answer[:-2], answer[-2:]
        while sw[0] == 0x61:  # the phone chains itself: take its whole answer first
            more = self._device.process_apdu(bytes((0x00, 0xC0, 0x00, 0x00, sw[1])))
            data, sw = data + more[:-2], more[-2:]
        if len(data) <= self._chunk:
            return data + sw
        self._pending, self._last_sw = data, sw
        return self._next()

    def _next(self) -> bytes:
        piece, self._pending = self._pending[: self._chunk], self._pending[self._chunk:]
        if not self._pending:
            return piece + self._last_sw
        return piece + bytes((0x61, min(len(self._pending), 0xFF) if len(self._pending) < 256 else 0x00))


class LocksAfterSession:
    """Forwards to ``phone``, locking its app once it has answered ESTABLISH SESSION: a person who
    locks the phone between the session and the presentation (the reader then gets 6982)."""

    def __init__(self, phone: Phone) -> None:
        self._phone = phone
        self.atr = phone.atr

    def reset(self) -> None:
        self._phone.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        answer = self._phone.process_apdu(apdu)
        if len(apdu) >= 2 and apdu[:2] == b"\x80\x50" and answer[-2:] == b"\x90\x00":
            self._phone.lock.lock()
        return answer


class RewritesFcp:
    """Forwards to ``card``, answering SELECT of an EF with ``rewrite(fcp)`` in place of the card's
    FCP template: a card of another make, whose template is ordered or cut differently."""

    def __init__(self, card: CardResponder, rewrite: Callable[[bytes], bytes]) -> None:
        self._card = card
        self._rewrite = rewrite
        self.atr = card.atr

    def reset(self) -> None:
        self._card.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        answer = self._card.process_apdu(apdu)
        if len(apdu) >= 4 and apdu[1:4] == b"\xa4\x02\x04" and answer[-2:] == b"\x90\x00":
            return self._rewrite(answer[:-2]) + answer[-2:]
        return answer

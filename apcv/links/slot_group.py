"""One device on several card-side links at once: a phone on a PC/SC reader and on an NFC link.

A bench that reaches its phone through pcscd (``vpcd:``) cannot send it commands of 0 or 1 byte
(PC/SC refuses an empty APDU; vpcd reads a 1-byte message as a control code). The phone process
then also listens on a link that carries any frame (``nfc://udp:...``), and the framing tests go
there. :class:`SlotGroup` presents the device on every link together (tapped and removed
together), and lets one command at a time reach it, whichever link it came through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from apcv.links.base import CardResponder, CardSlot


class SerializedDevice:
    """``device`` answering one command at a time (or one reset), whichever link's thread asks."""

    def __init__(self, device: CardResponder) -> None:
        self.device = device
        self._lock = threading.Lock()

    @property
    def atr(self) -> bytes:
        return self.device.atr

    def reset(self) -> None:
        with self._lock:
            self.device.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        with self._lock:
            return self.device.process_apdu(apdu)


class SlotGroup(CardSlot):
    """The card ends of several links, acting as one: a device attached to all, detached from all."""

    def __init__(self, slots: Sequence[CardSlot]) -> None:
        if not slots:
            raise ValueError("a slot group needs at least one slot")
        self.slots = tuple(slots)
        self.url = " + ".join(slot.url for slot in self.slots)
        self._serialized: SerializedDevice | None = None

    @property
    def attached(self) -> bool:
        """False once any link lost its device on its own (pcscd stopped, say)."""
        return all(getattr(slot, "attached", True) for slot in self.slots)

    def attach(self, device: CardResponder) -> None:
        if self._serialized is None or self._serialized.device is not device:
            self._serialized = SerializedDevice(device)
        for slot in self.slots:
            slot.attach(self._serialized)

    def detach(self) -> None:
        for slot in self.slots:
            slot.detach()

    def record_notes(self, note: Callable[[str], None]) -> None:
        for slot in self.slots:
            slot.record_notes(note)

    def close(self) -> None:
        for slot in self.slots:
            slot.close()

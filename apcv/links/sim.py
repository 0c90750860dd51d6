"""``sim:NAME`` — an in-process link: the reader calls the device directly.

Links with the same NAME (default ``default``) share one medium: a card slot attaches a
device to it and reader links talk to that device. Zero copy, no thread, no socket.
The card end may carry faults, as the other card links do
(``sim:bench?fault=drop@3&latency=20``, see :mod:`apcv.links.card_faults`).
"""

from __future__ import annotations

import time

from apcv.links.base import (
    CardResponder,
    CardSlot,
    LinkError,
    LinkUrl,
    NoCardPresent,
    ReaderLink,
    check_params,
)
from apcv.links.card_faults import FAULT_PARAMS, parse_card_faults, spoil_answer


class SimMedium:
    """The shared 'air' between one card slot and its readers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.device: CardResponder | None = None
        self.slot: SimCardSlot | None = None


_MEDIA: dict[str, SimMedium] = {}


def medium(name: str) -> SimMedium:
    """The medium called ``name``, created on first use."""
    return _MEDIA.setdefault(name, SimMedium(name))


class SimReaderLink(ReaderLink):
    """Reader end of an in-process link."""

    def __init__(self, url: LinkUrl) -> None:
        self.url = url.raw
        self._medium = medium(url.target or "default")
        self._device: CardResponder | None = None

    def connect(self) -> bytes:
        device = self._medium.device
        if device is None:
            raise NoCardPresent(f"no phone or card on {self.url}: nothing attached to the link")
        device.reset()
        self._device = device
        return device.atr

    def transceive(self, apdu: bytes) -> bytes:
        if self._device is None or self._medium.device is not self._device:
            raise NoCardPresent(f"{self.url}: the device left the field (connect first)")
        slot = self._medium.slot
        return slot.answer(self._device, apdu) if slot is not None else self._device.process_apdu(apdu)

    def disconnect(self) -> None:
        if self._device is not None:
            self._device.reset()
        self._device = None


class SimCardSlot(CardSlot):
    """Card end of an in-process link."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, FAULT_PARAMS)
        self.url = url.raw
        self._medium = medium(url.target or "default")
        self.faults = parse_card_faults(url.params, url.raw)
        self.fired: set[int] = set()
        """APDU numbers whose fault has fired: a device presented again is not faulted again."""
        self._apdus = 0
        self._mute = False

    def attach(self, device: CardResponder) -> None:
        self._medium.device, self._medium.slot = device, self
        self._apdus, self._mute = 0, False

    def detach(self) -> None:
        self._medium.device = None

    def answer(self, device: CardResponder, apdu: bytes) -> bytes:
        """``device``'s answer to ``apdu``, with this slot's faults applied."""
        if self._mute:
            raise LinkError(f"{self.url}: no answer from a mute card")
        self._apdus += 1
        if not self.faults.at and not self.faults.latency_ms:  # the usual link: nothing to inject
            return device.process_apdu(apdu)
        fault = self.faults.take(self._apdus, self.fired)
        if fault == "drop":
            self.notify(f"fault: RF drop at APDU {self._apdus}: the device left the field")
            self.detach()
            raise NoCardPresent(f"{self.url}: no answer: the device left the field during the exchange "
                                "(RF drop)")
        if fault == "mute":
            self.notify(f"fault: the device stays mute at APDU {self._apdus}")
            self._mute = True
            raise LinkError(f"{self.url}: no answer from a mute card")
        if fault == "reset":
            self.notify(f"fault: the device reset before APDU {self._apdus}")
            device.reset()
        answer = device.process_apdu(apdu)
        answer = spoil_answer(fault, answer, self._apdus, self.notify)
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
        return answer

    def close(self) -> None:
        self.detach()


def open_reader(url: LinkUrl) -> ReaderLink:
    """Registry hook: the reader end."""
    return SimReaderLink(url)


def open_card_slot(url: LinkUrl) -> CardSlot:
    """Registry hook: the card end."""
    return SimCardSlot(url)

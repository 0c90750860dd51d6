"""``sim:NAME`` — an in-process link: the reader calls the device directly.

Links with the same NAME (default ``default``) share one medium: a card slot attaches a
device to it and reader links talk to that device. Zero copy, no thread, no socket.
"""

from __future__ import annotations

from harness.links.base import CardResponder, CardSlot, LinkUrl, NoCardPresent, ReaderLink


class SimMedium:
    """The shared 'air' between one card slot and its readers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.device: CardResponder | None = None


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
        return self._device.process_apdu(apdu)

    def disconnect(self) -> None:
        if self._device is not None:
            self._device.reset()
        self._device = None


class SimCardSlot(CardSlot):
    """Card end of an in-process link."""

    def __init__(self, url: LinkUrl) -> None:
        self.url = url.raw
        self._medium = medium(url.target or "default")

    def attach(self, device: CardResponder) -> None:
        self._medium.device = device

    def detach(self) -> None:
        self._medium.device = None

    def close(self) -> None:
        self.detach()


def open_reader(url: LinkUrl) -> ReaderLink:
    """Registry hook: the reader end."""
    return SimReaderLink(url)


def open_card_slot(url: LinkUrl) -> CardSlot:
    """Registry hook: the card end."""
    return SimCardSlot(url)

"""Link interfaces and link URLs.

A link carries APDUs between a reader and a card-side device. It has two ends:
- :class:`ReaderLink`, the reader's end (``connect`` / ``transceive`` / ``disconnect``),
  which the reference reader kernel drives;
- :class:`CardSlot`, the card's end, where a simulated phone or card is attached so that a
  reader (ours, or anyone's) can read it.
Links import no simulator: anything with ``atr``, ``reset()`` and ``process_apdu()`` fits
a card slot.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from apcv.errors import ApcvError


class LinkError(ApcvError):
    """A link cannot be opened or broke during an exchange."""


class NoCardPresent(LinkError):
    """The reader powered the field but nothing answered."""


class CardResponder(Protocol):
    """A card-side device as a link sees it."""

    atr: bytes

    def reset(self) -> None: ...

    def process_apdu(self, apdu: bytes) -> bytes: ...


@dataclass(frozen=True)
class LinkUrl:
    """``scheme:target?key=value``, e.g. ``sim:bench``, ``vpcd://127.0.0.1:35963``."""

    raw: str
    scheme: str
    target: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, url: str) -> LinkUrl:
        """Split a link URL; raises LinkError naming what is wrong."""
        if not isinstance(url, str) or ":" not in url:
            raise LinkError(f"link URL {url!r} has no scheme (expected e.g. 'sim:bench')")
        parts = urlsplit(url)
        if not parts.scheme or not parts.scheme.isascii() or not parts.scheme.isalpha():
            raise LinkError(f"link URL {url!r} has no valid scheme")
        target = unquote(parts.netloc + parts.path) if parts.netloc else unquote(parts.path)
        try:
            params = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError as exc:
            raise LinkError(f"link URL {url!r} has a malformed query: {exc}") from exc
        return cls(url, parts.scheme.lower(), target, params)

    def seconds(self, key: str, default: float) -> float:
        """The query parameter ``key`` as seconds (0 < t <= 3600), or ``default`` when absent."""
        raw = self.params.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value <= 3600:
            raise LinkError(f"{self.raw}: {key}={raw!r} must be seconds, more than 0 and at most 3600")
        return value


def check_params(url: LinkUrl, known: tuple[str, ...]) -> None:
    """LinkError naming any query parameter of ``url`` not in ``known``."""
    unknown = sorted(set(url.params) - set(known))
    if unknown:
        raise LinkError(f"{url.raw}: unknown parameter {', '.join(unknown)} (known: {', '.join(known)})")


class ReaderLink(ABC):
    """The reader's end of a link."""

    url: str

    @abstractmethod
    def connect(self) -> bytes:
        """Power the field; return the device's ATR. Raises NoCardPresent."""

    @abstractmethod
    def transceive(self, apdu: bytes) -> bytes:
        """Send a command APDU, return the response APDU."""

    @abstractmethod
    def disconnect(self) -> None:
        """Switch the field off."""

    def identity(self) -> dict[str, str]:
        """What the reader says of itself while connected (name, vendor, firmware, serial), as far
        as the link can tell; empty when it tells nothing."""
        return {}

    def close(self) -> None:
        """Release the link's resources (sockets, reader handles)."""


class CardSlot(ABC):
    """The card's end of a link, where a simulated device is presented."""

    url: str

    @abstractmethod
    def attach(self, device: CardResponder) -> None:
        """Put ``device`` on the link (the phone is tapped / the card inserted)."""

    @abstractmethod
    def detach(self) -> None:
        """Take the device away (the phone leaves the field)."""

    _note: Callable[[str], None] | None = None

    def record_notes(self, note: Callable[[str], None]) -> None:
        """Send notes of what the slot does on its own (injected faults) to ``note``."""
        self._note = note

    def notify(self, text: str) -> None:
        """Log ``text`` and note it in the trace, if one is recorded."""
        logging.getLogger(type(self).__module__).warning("%s: %s", self.url, text)
        if self._note is not None:
            self._note(f"{self.url}: {text}")

    def close(self) -> None:
        """Release the slot's resources."""

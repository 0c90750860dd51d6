"""What the reader kernel needs from a link: power the field, exchange APDUs, drop it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ApduTransport(Protocol):
    """Reader side of a link (``apcv.links`` provides them, chosen by URL)."""

    def connect(self) -> bytes:
        """Power the field / the card and return its ATR (or ATS-derived ATR)."""
        ...

    def transceive(self, apdu: bytes) -> bytes:
        """Send one command APDU and return the response APDU (data + SW)."""
        ...

    def disconnect(self) -> None:
        """Switch the field off / power the card down."""
        ...

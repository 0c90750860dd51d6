"""A reader link wrapper that records every exchange in a trace.

A reader link that sees devices come and go on its own (``pcsc:``, through pyscard's card
monitoring) also has its taps and removals traced: a tap is a field-on event whose detail
reads ``tap: ...`` (pcapng event 0xFC, the detail as the packet's comment), a removal a
field-off event ``removal: ...`` (0xFD). A removal is traced only for a device the link saw
arrive or connected to, not for the previous test's device leaving as the link opens.
Every event carries the link's URL (the recorder's ``link`` is set to it before each one), so a
trace says where it came from: the ``link`` field of each JSON line, the pcapng interface name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from apcv.links.base import LinkError, ReaderLink


class Recorder(Protocol):
    """What the wrapper needs from ``apcv.trace.TraceRecorder``."""

    link: str

    def field(self, on: bool, detail: str = "") -> None: ...

    def command(self, apdu: bytes) -> None: ...

    def response(self, rapdu: bytes) -> None: ...

    def note(self, text: str) -> None: ...

    def attach(self, suffix: str, data: bytes, detail: str = "") -> None: ...


@runtime_checkable
class PresenceEvents(Protocol):
    """A reader link that reports taps and removals as they happen."""

    def record_presence(self, listener: Callable[[bool, bytes], None]) -> None: ...


class TracingReaderLink(ReaderLink):
    """Forwards to ``inner`` and records field changes, taps and removals, APDUs and link errors."""

    def __init__(self, inner: ReaderLink, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self.url = inner.url
        self._device_known = False
        if not recorder.link:
            recorder.link = self.url  # what is noted before the first exchange comes from here too
        if isinstance(inner, PresenceEvents):
            inner.record_presence(self._presence)

    def _here(self) -> Recorder:
        """The recorder, set to stamp what follows with this link's URL."""
        self.recorder.link = self.url
        return self.recorder

    def _presence(self, present: bool, atr: bytes) -> None:
        if present:
            self._device_known = True
            self._here().field(True, f"tap: a phone or card is on the reader (ATR {atr.hex().upper()})")
        elif self._device_known:
            self._device_known = False
            self._here().field(False, "removal: the phone or card left the reader")

    def connect(self) -> bytes:
        self._here().field(True)
        try:
            atr = self.inner.connect()
        except LinkError as exc:
            self._here().note(f"connect failed: {exc}")
            raise
        self._device_known = True
        return atr

    def transceive(self, apdu: bytes) -> bytes:
        self._here().command(apdu)
        try:
            rapdu = self.inner.transceive(apdu)
        except LinkError as exc:
            self._here().note(f"exchange failed: {exc}")
            raise
        self._here().response(rapdu)
        return rapdu

    def identity(self) -> dict[str, str]:
        return self.inner.identity()

    def disconnect(self) -> None:
        self.inner.disconnect()
        self._here().field(False)

    def close(self) -> None:
        self.inner.close()

"""A reader link wrapper that records every exchange in a trace."""

from __future__ import annotations

from typing import Protocol

from harness.links.base import LinkError, ReaderLink


class Recorder(Protocol):
    """What the wrapper needs from ``harness.trace.TraceRecorder``."""

    def field(self, on: bool) -> None: ...

    def command(self, apdu: bytes) -> None: ...

    def response(self, rapdu: bytes) -> None: ...

    def note(self, text: str) -> None: ...


class TracingReaderLink(ReaderLink):
    """Forwards to ``inner`` and records field changes, APDUs and link errors."""

    def __init__(self, inner: ReaderLink, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self.url = inner.url

    def connect(self) -> bytes:
        self.recorder.field(True)
        try:
            return self.inner.connect()
        except LinkError as exc:
            self.recorder.note(f"connect failed: {exc}")
            raise

    def transceive(self, apdu: bytes) -> bytes:
        self.recorder.command(apdu)
        try:
            rapdu = self.inner.transceive(apdu)
        except LinkError as exc:
            self.recorder.note(f"exchange failed: {exc}")
            raise
        self.recorder.response(rapdu)
        return rapdu

    def disconnect(self) -> None:
        self.inner.disconnect()
        self.recorder.field(False)

    def close(self) -> None:
        self.inner.close()

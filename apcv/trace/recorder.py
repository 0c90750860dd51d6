"""The trace recorder: every exchange between a reader and a card or phone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from apcv.clock import Clock, WallClock
from apcv.trace.events import EventKind, TraceEvent, micros, shown_url
from apcv.trace.files import TraceFiles
from apcv.trace.pcapng import write_pcapng
from apcv.trace.redact import ResponseStream, redact_nirs

RECENT_RESPONSES = 16
"""Responses remembered for masking a NIR that continues in a later one (a NIR spans at most 15)."""


class TraceRecorder:
    """Records field changes, APDUs and notes, timestamped by ``clock`` to the microsecond.

    With ``redact`` (the default) every payload and note has its NIRs masked before it
    is stored, so nothing written later can leak one; response data is masked as one stream
    per field session, so a NIR split across responses by a small ``Le`` (READ BINARY
    pieces, GET RESPONSE chaining) is masked in both. ``link`` is the URL of the link
    the events travel on (a reader or scanner wrapper sets it as it records); it may be
    changed between events, and each event keeps the one it was recorded on, without a
    password the URL may carry.
    """

    def __init__(self, clock: Clock | None = None, link: str = "", redact: bool = True) -> None:
        self.clock: Clock = clock if clock is not None else WallClock()
        self.link = link
        self.redact = redact
        self.events: list[TraceEvent] = []
        self.attachments: dict[str, bytes] = {}
        """Files kept with the trace (a failed scan's captured frame), by file suffix."""
        self._responses = ResponseStream()
        self._recent_responses: dict[int, TraceEvent] = {}  # the last responses fed to the stream, by number
        self._fed = 0

    def field(self, on: bool, detail: str = "") -> TraceEvent:
        """Record the reader switching its RF field on or off (``detail``: why, e.g. a tap)."""
        self._responses.reset()
        self._recent_responses, self._fed = {}, 0
        return self._record("field_on" if on else "field_off", detail=detail)

    def command(self, apdu: bytes) -> TraceEvent:
        """Record a command APDU from the reader to the card."""
        return self._record("command", data=apdu)

    def response(self, rapdu: bytes) -> TraceEvent:
        """Record a response APDU (data and status word) from the card to the reader."""
        if not self.redact or len(rapdu) <= 2:
            return self._record("response", data=rapdu)
        data, earlier = self._responses.feed(bytes(rapdu[:-2]))
        for number, positions in earlier.items():
            self._mask_earlier(number, positions)
        event = self._record("response", data=data + bytes(rapdu[-2:]))
        self._recent_responses[self._fed] = event
        self._recent_responses.pop(self._fed - RECENT_RESPONSES, None)
        self._fed += 1
        return event

    def _mask_earlier(self, number: int, positions: list[int]) -> None:
        """Mask bytes of an earlier response of the session, if it is still among the recorded events."""
        event = self._recent_responses.get(number)
        if event is None:
            return
        last = len(self.events) - 1
        for index in range(last, max(last - 4 * RECENT_RESPONSES, -1), -1):
            if self.events[index] is event:
                data = bytearray(event.data)
                for position in positions:
                    data[position] = ord("*")
                self.events[index] = self._recent_responses[number] = replace(event, data=bytes(data))
                return

    def note(self, text: str) -> TraceEvent:
        """Record free text: a fault injected, an error, a reset, link information."""
        return self._record("note", detail=text)

    def attach(self, suffix: str, data: bytes, detail: str = "") -> None:
        """Keep ``data`` with the trace, saved as ``<stem>.<suffix>`` (e.g. ``failed-scan.png``);
        ``detail`` is noted in the trace. A second file with the same suffix gets a number."""
        name, number = suffix, 1
        while name in self.attachments:
            number += 1
            name = f"{number}-{suffix}"
        self.attachments[name] = bytes(data)
        self.note(f"attached {name}" + (f": {detail}" if detail else ""))

    def _record(self, kind: EventKind, data: bytes = b"", detail: str = "") -> TraceEvent:
        payload = bytes(data)
        if self.redact:  # most events have no payload (field changes, notes) or no detail (APDUs)
            payload = redact_nirs(payload) if payload else payload
            detail = redact_nirs(detail) if detail else detail
        timestamp = micros(self.clock.now()) / 1_000_000
        event = TraceEvent(timestamp, kind, payload, detail, shown_url(self.link))
        self.events.append(event)
        return event

    def jsonl(self) -> str:
        """The events as JSON lines, one ASCII-only object per event."""
        return "".join(json.dumps(e.to_json()) + "\n" for e in self.events)

    def write_jsonl(self, path: str | Path) -> Path:
        """Write the events as JSON lines at ``path`` and return the path."""
        target = Path(path)
        target.write_text(self.jsonl(), encoding="ascii")
        return target

    def write_pcapng(self, path: str | Path) -> Path:
        """Write the events as a Wireshark-readable pcapng at ``path`` and return the path;
        its interface is named after the link of the first event that has one."""
        return write_pcapng(path, self.events, shown_url(self.link))

    def save(self, directory: str | Path, stem: str) -> dict[str, Path]:
        """Write ``<stem>.jsonl`` and ``<stem>.pcapng`` in ``directory`` (created if needed),
        and each attachment as ``<stem>.<suffix>`` (keyed by its suffix)."""
        with self.open_files(directory, stem) as files:
            files.write(self.events)
        paths = dict(files.paths)
        for suffix, data in self.attachments.items():
            target = Path(directory) / f"{stem}.{suffix}"
            target.write_bytes(data)
            paths[suffix] = target
        return paths

    def open_files(self, directory: str | Path, stem: str) -> TraceFiles:
        """``<stem>.jsonl`` and ``<stem>.pcapng`` in ``directory``, open to be written in batches."""
        return TraceFiles(directory, stem, shown_url(self.link))

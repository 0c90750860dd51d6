"""The trace event model and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from apcv.trace.apdu import describe_command, describe_response

EventKind = Literal["field_on", "field_off", "command", "response", "note"]
"""``command`` is reader to card, ``response`` card to reader (status word included);
``note`` is free text (fault injected, error, reset, link information)."""

EVENT_KINDS: tuple[EventKind, ...] = ("field_on", "field_off", "command", "response", "note")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(timestamp: float) -> int:
    """POSIX seconds as whole microseconds."""
    return round(timestamp * 1_000_000)


@lru_cache(maxsize=256)
def shown_url(url: str) -> str:
    """``url`` as a trace may show it: a password in its user part is dropped
    (``http://qa:secret@host/`` reads ``http://qa@host/``); anything else is kept as written."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


def iso_time(timestamp: float) -> str:
    """POSIX seconds as ISO-8601 UTC with microseconds."""
    moment = _EPOCH + timedelta(microseconds=micros(timestamp))
    return moment.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class TraceEvent:
    """One traced event: a field change, an APDU either way, or a note.

    ``timestamp`` is POSIX seconds at microsecond resolution, ``data`` the payload
    (APDU bytes, empty for field changes and notes), ``detail`` free text (the note
    itself), ``link`` the URL of the link the event travelled on.
    """

    timestamp: float
    kind: EventKind
    data: bytes = b""
    detail: str = ""
    link: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown trace event kind {self.kind!r}; expected one of {EVENT_KINDS}")

    def to_json(self) -> dict[str, Any]:
        """The JSON-lines form: time (ISO and float), kind, hex data and a decoding."""
        record: dict[str, Any] = {
            "ts": iso_time(self.timestamp),
            "t": self.timestamp,
            "kind": self.kind,
            "data": self.data.hex().upper(),
            "detail": self.detail,
            "link": self.link,
        }
        if self.kind == "command":
            record["apdu"] = describe_command(self.data)
        elif self.kind == "response":
            record["apdu"] = describe_response(self.data)
        return record

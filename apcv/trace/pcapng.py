"""pcapng writer for ISO 14443 traces that Wireshark dissects (link type 264).

A capture holds one Section Header Block, one Interface Description Block
(``LINKTYPE_ISO_14443``, microsecond timestamps) and one Enhanced Packet Block per
field change or APDU. Each packet starts with Wireshark's 4-byte ISO 14443
pseudo-header: version ``0``, an event byte, and the big-endian length of what follows.
APDUs travel inside ISO 14443-4 I-blocks (PCB ``0x02``/``0x03``, no CID, no NAD), the
CRC dropped. Each APDU packet carries its name as a comment (``SELECT CLA=00 INS=A4 ...``, or
``ESTABLISH SESSION (APCV-R1) answer: 9000 success``), so a capture names R1's commands even
without ``apcv/trace/wireshark/apcv_r1.lua``. Notes become packet comments on the next packet (see
:class:`PcapngWriter`); the detail of a field change (a tap, a removal) is its own packet's comment.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from apcv.trace.apdu import describe_command, describe_response
from apcv.trace.events import TraceEvent, iso_time, micros

LINKTYPE_ISO_14443 = 264

EVENT_PCD_TO_PICC = 0xFA
"""Data from the reader (PCD) to the card (PICC), CRC dropped."""
EVENT_PICC_TO_PCD = 0xFB
"""Data from the card (PICC) to the reader (PCD), CRC dropped."""
EVENT_FIELD_ON = 0xFC
"""The reader switched its RF field on."""
EVENT_FIELD_OFF = 0xFD
"""The reader switched its RF field off."""

_SHB = 0x0A0D0D0A
_IDB = 0x00000001
_EPB = 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_END = 0
_OPT_COMMENT = 1
_OPT_IF_NAME = 2
_OPT_IF_TSRESOL = 9
_I_BLOCK = 0x02


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", errors="backslashreplace")


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _options(options: Iterable[tuple[int, bytes]]) -> bytes:
    body = b"".join(_option(code, value) for code, value in options)
    return body + struct.pack("<HH", _OPT_END, 0) if body else b""


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def section_header(comments: Iterable[str] = ()) -> bytes:
    """A Section Header Block (pcapng 1.0, little endian, unknown section length)."""
    body = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1)
    body += _options((_OPT_COMMENT, _utf8(c)) for c in comments)
    return _block(_SHB, body)


def interface_description(if_name: str) -> bytes:
    """An Interface Description Block for ISO 14443 with microsecond timestamps."""
    body = struct.pack("<HHI", LINKTYPE_ISO_14443, 0, 0)
    body += _options([(_OPT_IF_NAME, _utf8(if_name)), (_OPT_IF_TSRESOL, bytes([6]))])
    return _block(_IDB, body)


def enhanced_packet(timestamp_us: int, packet: bytes, comments: Iterable[str] = ()) -> bytes:
    """An Enhanced Packet Block on interface 0, with optional packet comments."""
    body = struct.pack(
        "<IIIII",
        0,
        (timestamp_us >> 32) & 0xFFFFFFFF,
        timestamp_us & 0xFFFFFFFF,
        len(packet),
        len(packet),
    )
    body += _pad(packet)
    body += _options((_OPT_COMMENT, _utf8(c)) for c in comments)
    return _block(_EPB, body)


def pseudo_header(event: int, payload: bytes = b"") -> bytes:
    """Wireshark's ISO 14443 pseudo-header followed by ``payload``."""
    return struct.pack(">BBH", 0, event, len(payload)) + payload


class _Framer:
    """Turns trace events into ISO 14443 packets, tracking the I-block number.

    The reader's I-block and the card's answering I-block carry the same block number,
    which toggles after each answer; a field change starts again from block 0.
    """

    def __init__(self) -> None:
        self._block_number = 0

    def packet(self, event: TraceEvent) -> bytes | None:
        if event.kind == "field_on":
            self._block_number = 0
            return pseudo_header(EVENT_FIELD_ON)
        if event.kind == "field_off":
            self._block_number = 0
            return pseudo_header(EVENT_FIELD_OFF)
        if event.kind == "command":
            return pseudo_header(EVENT_PCD_TO_PICC, self._i_block(event.data))
        if event.kind == "response":
            packet = pseudo_header(EVENT_PICC_TO_PCD, self._i_block(event.data))
            self._block_number ^= 1
            return packet
        return None

    def _i_block(self, apdu: bytes) -> bytes:
        # The pseudo-header length field is 16 bits: an oversized APDU is cut to fit.
        return bytes([_I_BLOCK | self._block_number]) + apdu[: 0xFFFF - 1]


def _note_comment(event: TraceEvent) -> str:
    return f"{iso_time(event.timestamp)} note: {event.detail}"


class PcapngWriter:
    """Writes a capture to a binary stream as events come, in as many batches as wanted.

    A note becomes a comment on the next packet, prefixed with its own timestamp; notes
    after the last packet go on the last packet, and with no packet at all they go on the
    section header. So the header blocks go out with the first packet, and each packet is
    held back until the next one (or :meth:`close`): what is held never exceeds one packet
    and the notes that follow it, however long the capture.
    """

    def __init__(self, stream: BinaryIO, if_name: str = "") -> None:
        self._stream = stream
        self._fallback_name = if_name
        self._first_link = ""
        self._framer = _Framer()
        self._notes: list[str] = []
        self._held: tuple[int, bytes, list[str]] | None = None
        self._started = False
        self._command = ""

    def write(self, events: Iterable[TraceEvent]) -> None:
        """Add ``events`` (after those of earlier calls)."""
        for event in events:
            if event.kind == "note":
                self._notes.append(_note_comment(event))
                continue
            packet = self._framer.packet(event)
            if packet is None:
                continue
            self._first_link = self._first_link or event.link
            detail = self._comment(event)
            self._flush()
            self._held = (micros(event.timestamp), packet, self._notes + detail)
            self._notes = []

    def _comment(self, event: TraceEvent) -> list[str]:
        """The packet's own comment: a field change's detail, or the APDU's name and meaning."""
        if event.kind in ("field_on", "field_off"):
            return [event.detail] if event.detail else []
        if event.kind == "command":
            info = describe_command(event.data)
            self._command = info.get("name", "unknown")
            return [info.get("summary", info.get("error", ""))]
        info = describe_response(event.data)
        meaning = f"{info['sw']} {info['meaning']}" if "sw" in info else info["error"]
        return [f"{self._command or 'response'} answer: {meaning}"]

    @property
    def if_name(self) -> str:
        """The interface's name: the link URL of the first packet that has one, else the name
        given, else ``apcv-hil``."""
        return self._first_link or self._fallback_name or "apcv-hil"

    def close(self) -> None:
        """Write what is held back; the stream stays open (it is the caller's)."""
        if self._held is None and not self._started:
            self._stream.write(section_header(self._notes) + interface_description(self.if_name))
            self._started = True
        elif self._held is not None:
            self._held[2].extend(self._notes)
            self._flush()
        self._notes = []

    def _flush(self) -> None:
        if self._held is None:
            return
        if not self._started:
            self._stream.write(section_header() + interface_description(self.if_name))
            self._started = True
        self._stream.write(enhanced_packet(*self._held))
        self._held = None


def pcapng_bytes(events: Iterable[TraceEvent], if_name: str = "") -> bytes:
    """The whole capture for ``events`` (see :class:`PcapngWriter` for where notes go)."""
    buffer = io.BytesIO()
    writer = PcapngWriter(buffer, if_name)
    writer.write(events)
    writer.close()
    return buffer.getvalue()


def write_pcapng(path: str | Path, events: Iterable[TraceEvent], if_name: str = "") -> Path:
    """Write ``events`` as a pcapng file at ``path`` and return the path."""
    target = Path(path)
    target.write_bytes(pcapng_bytes(events, if_name))
    return target

"""ISO 7816-4 command and response APDUs, short and extended length.

``parse_command`` never raises anything but :class:`ApduFormatError`, which carries the
status word a card must answer (always 6700 for framing errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from apcv.profile.r1.constants import EXTENDED_LE_MAX, SHORT_LE_MAX, SW


class ApduFormatError(Exception):
    """A command APDU is malformed; ``sw`` is the status word to answer."""

    def __init__(self, message: str, sw: int = SW.WRONG_LENGTH) -> None:
        super().__init__(message)
        self.sw = sw


@dataclass(frozen=True)
class CommandApdu:
    """A decoded command APDU. ``le`` is None when absent, else 1..65536."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    extended: bool = False

    def encode(self) -> bytes:
        """Encode as the shortest form allowed, or extended when asked or needed."""
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        extended = (
            self.extended
            or len(self.data) > 255
            or (self.le is not None and self.le > SHORT_LE_MAX)
        )
        if len(self.data) > 65535:
            raise ValueError(f"command data of {len(self.data)} bytes exceeds 65535")
        if self.le is not None and not 1 <= self.le <= EXTENDED_LE_MAX:
            raise ValueError(f"Le {self.le} outside 1..65536")
        body = b""
        if extended:
            if self.data:
                body += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                le = (self.le % EXTENDED_LE_MAX).to_bytes(2, "big")
                body += le if self.data else b"\x00" + le
        else:
            if self.data:
                body += bytes((len(self.data),)) + self.data
            if self.le is not None:
                body += bytes((self.le % SHORT_LE_MAX,))
        return header + body


def parse_command(raw: bytes) -> CommandApdu:
    """Decode a command APDU (cases 1, 2, 3, 4, short and extended)."""
    n = len(raw)
    if n < 4:
        raise ApduFormatError(f"truncated header: {n} byte(s), at least 4 needed")
    cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
    if n == 4:
        return CommandApdu(cla, ins, p1, p2)
    if n == 5:
        return CommandApdu(cla, ins, p1, p2, le=raw[4] or SHORT_LE_MAX)
    if raw[4] != 0:
        lc = raw[4]
        if n == 5 + lc:
            return CommandApdu(cla, ins, p1, p2, data=bytes(raw[5:]))
        if n == 6 + lc:
            return CommandApdu(cla, ins, p1, p2, data=bytes(raw[5:-1]), le=raw[-1] or SHORT_LE_MAX)
        raise ApduFormatError(f"Lc says {lc} data byte(s) but the APDU has {n - 5} after it")
    # first body byte 00 with more bytes: extended length
    if n == 6:
        raise ApduFormatError("6-byte APDU: extended length needs 2 more bytes")
    if n == 7:
        le = int.from_bytes(raw[5:7], "big") or EXTENDED_LE_MAX
        return CommandApdu(cla, ins, p1, p2, le=le, extended=True)
    lc = int.from_bytes(raw[5:7], "big")
    if lc == 0:
        raise ApduFormatError("extended Lc of 0 is not allowed")
    if n == 7 + lc:
        return CommandApdu(cla, ins, p1, p2, data=bytes(raw[7:]), extended=True)
    if n == 9 + lc:
        le = int.from_bytes(raw[-2:], "big") or EXTENDED_LE_MAX
        return CommandApdu(cla, ins, p1, p2, data=bytes(raw[7:-2]), le=le, extended=True)
    raise ApduFormatError(f"extended Lc says {lc} data byte(s) but the APDU has {n - 7} after it")


@dataclass(frozen=True)
class ResponseApdu:
    """A response APDU: data then a 2-byte status word."""

    data: bytes
    sw: int

    def __post_init__(self) -> None:
        if not isinstance(self.sw, StatusWord):
            object.__setattr__(self, "sw", StatusWord(self.sw))

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


class StatusWord(int):
    """An ISO 7816-4 status word: an int that prints in hex (``SW 6A82``), as people read them."""

    def __repr__(self) -> str:
        return f"SW {int(self):04X}"


def parse_response(raw: bytes) -> ResponseApdu:
    """Decode a response APDU; fewer than 2 bytes is a framing error."""
    if len(raw) < 2:
        raise ApduFormatError(f"response of {len(raw)} byte(s) has no status word")
    return ResponseApdu(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


def status(sw: int, data: bytes = b"") -> bytes:
    """Encode a response with ``data`` and status word ``sw``."""
    return bytes(data) + int(sw).to_bytes(2, "big")

"""Card-side APDU handling shared by the phone applet and the physical card.

A responder parses every command, checks the class, answers GET RESPONSE from its pending
buffer and splits long answers with 61XX. It never raises: malformed input gets a status
word (6700, 6E00, 6D00 ...) and an unexpected fault inside a handler gets 6F00.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from apcv.profile.r1.apdu import ApduFormatError, CommandApdu, parse_command, status
from apcv.profile.r1.constants import CLA_ISO, CLA_PROPRIETARY, INS_GET_RESPONSE, SW

log = logging.getLogger(__name__)
_SW_OK = status(SW.OK)


class Rejected(Exception):
    """Raised by a handler to answer a bare status word."""

    def __init__(self, sw: int, reason: str = "") -> None:
        super().__init__(reason or f"{sw:04X}")
        self.sw = sw


def require_le(cmd: CommandApdu) -> int:
    """The command's Le; commands that return data must carry one (else 6700)."""
    if cmd.le is None:
        raise Rejected(SW.WRONG_LENGTH, "Le missing on a command that returns data")
    return cmd.le


def require_p1p2(cmd: CommandApdu, p1: int, p2: int) -> None:
    """Reject other P1/P2 values with 6A86."""
    if (cmd.p1, cmd.p2) != (p1, p2):
        raise Rejected(SW.WRONG_P1P2, f"P1/P2 must be {p1:02X}{p2:02X}")


def atr_with_historical_bytes(historical: bytes) -> bytes:
    """An ISO 7816-3 ATR (T=1) carrying ``historical`` bytes, with its check byte."""
    if len(historical) > 15:
        raise ValueError("at most 15 historical bytes")
    body = bytes((0x80 | len(historical), 0x80, 0x01)) + historical
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes((tck,))


class ApduResponder(ABC):
    """Base of card-side applications: framing, class check, response chaining."""

    atr: bytes

    def __init__(self) -> None:
        self._pending = b""

    def reset(self) -> None:
        """Field off/on or card reset: forget the selection and anything pending."""
        self._pending = b""
        self.on_reset()

    def process_apdu(self, raw: bytes) -> bytes:
        """Answer one command APDU with a response APDU (data + status word)."""
        try:
            cmd = parse_command(raw)
        except ApduFormatError as exc:
            self._pending = b""
            return status(exc.sw)
        if cmd.cla not in (CLA_ISO, CLA_PROPRIETARY):
            self._pending = b""
            return status(SW.CLA_NOT_SUPPORTED)
        if cmd.cla == CLA_ISO and cmd.ins == INS_GET_RESPONSE:
            return self._get_response(cmd)
        self._pending = b""
        try:
            data = self.handle(cmd)
        except Rejected as rej:
            return status(rej.sw)
        except Exception:  # a simulator bug must not crash the link: report it, answer 6F00
            log.exception("responder failed on %s", raw.hex())
            return status(SW.NO_DIAGNOSIS)
        return self._send(data, cmd.le)

    @abstractmethod
    def handle(self, cmd: CommandApdu) -> bytes:
        """Answer a well-framed command: return response data, or raise Rejected."""

    def on_reset(self) -> None:
        """Hook for subclasses to drop their own state on reset."""

    def _send(self, data: bytes, le: int | None) -> bytes:
        if le is None:
            return _SW_OK
        if len(data) <= le:
            return bytes(data) + _SW_OK
        self._pending = data[le:]
        return status(0x6100 | min(len(self._pending), 256) % 256, data[:le])

    def _get_response(self, cmd: CommandApdu) -> bytes:
        if (cmd.p1, cmd.p2) != (0, 0):
            return status(SW.WRONG_P1P2)
        if not self._pending:
            return status(SW.CONDITIONS_NOT_SATISFIED)
        if cmd.le is None:
            return status(SW.WRONG_LENGTH)
        data, self._pending = self._pending, b""
        return self._send(data, cmd.le)

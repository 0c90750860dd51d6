"""Best-effort decoding of APDUs for trace summaries; never raises on garbage.

Commands are split into CLA/INS/P1/P2/Lc/Le following the ISO 7816-4 cases (short and
extended length); responses are split into data and status word with its meaning.
"""

from __future__ import annotations

from typing import Any

INSTRUCTIONS = {
    0x20: "VERIFY",
    0x70: "MANAGE CHANNEL",
    0x84: "GET CHALLENGE",
    0x88: "INTERNAL AUTHENTICATE",
    0xA4: "SELECT",
    0xB0: "READ BINARY",
    0xB2: "READ RECORD",
    0xC0: "GET RESPONSE",
    0xCA: "GET DATA",
    0xD6: "UPDATE BINARY",
}
"""Names of common ISO 7816-4 instructions, by INS byte."""

STATUS_WORDS = {
    0x9000: "ok",
    0x6700: "wrong length",
    0x6982: "security status not satisfied",
    0x6985: "conditions of use not satisfied",
    0x6A80: "incorrect data",
    0x6A82: "file or application not found",
    0x6A86: "incorrect P1/P2",
    0x6B00: "wrong parameters",
    0x6D00: "INS not supported",
    0x6E00: "CLA not supported",
    0x6F00: "no precise diagnosis",
}
"""Meanings of exact ISO 7816-4 status words."""

_SW1_GROUPS = {
    0x62: "warning, state unchanged",
    0x63: "warning, state changed",
    0x64: "execution error, state unchanged",
    0x65: "execution error, state changed",
    0x66: "security error",
    0x68: "function in CLA not supported",
    0x69: "command not allowed",
    0x6A: "wrong parameters",
}


def sw_meaning(sw: int) -> str:
    """The ISO 7816-4 meaning of status word ``sw`` (``"unknown"`` if none is known)."""
    if sw in STATUS_WORDS:
        return STATUS_WORDS[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return f"more data: {sw2} bytes available"
    if sw1 == 0x6C:
        return f"wrong Le: exact length is {sw2}"
    return _SW1_GROUPS.get(sw1, "unknown")


def _lengths(apdu: bytes) -> tuple[str, int | None, int | None] | None:
    """(case, Lc, Le) of a command of 4 or more bytes, or None if the body is malformed."""
    body = apdu[4:]
    if not body:
        return "1", None, None
    if len(body) == 1:
        return "2S", None, body[0] or 256
    if body[0]:
        lc = body[0]
        if len(body) == 1 + lc:
            return "3S", lc, None
        if len(body) == 2 + lc:
            return "4S", lc, body[-1] or 256
        return None
    if len(body) == 3:
        return "2E", None, int.from_bytes(body[1:3]) or 65536
    if len(body) < 3:
        return None
    lc = int.from_bytes(body[1:3])
    if lc and len(body) == 3 + lc:
        return "3E", lc, None
    if lc and len(body) == 5 + lc:
        return "4E", lc, int.from_bytes(body[-2:]) or 65536
    return None


def describe_command(apdu: bytes) -> dict[str, Any]:
    """Header fields, case, Lc and Le of a command APDU, with a one-line summary.

    A command too short or whose length bytes do not add up gets an ``error`` entry
    naming the problem instead of the fields that could not be read.
    """
    if len(apdu) < 4:
        return {"error": f"command of {len(apdu)} bytes, shorter than a 4-byte header"}
    cla, ins, p1, p2 = apdu[:4]
    info: dict[str, Any] = {
        "cla": f"{cla:02X}",
        "ins": f"{ins:02X}",
        "p1": f"{p1:02X}",
        "p2": f"{p2:02X}",
        "name": INSTRUCTIONS.get(ins, "unknown"),
    }
    lengths = _lengths(apdu)
    summary = f"{info['name']} CLA={cla:02X} INS={ins:02X} P1={p1:02X} P2={p2:02X}"
    if lengths is None:
        info["error"] = f"length bytes do not match the {len(apdu) - 4}-byte body"
        info["summary"] = summary + " (malformed body)"
        return info
    case, lc, le = lengths
    info.update(case=case, lc=lc, le=le)
    if lc is not None:
        summary += f" Lc={lc}"
    if le is not None:
        summary += f" Le={le}"
    info["summary"] = summary
    return info


def describe_response(rapdu: bytes) -> dict[str, Any]:
    """Status word (4 hex digits), its meaning and the data length of a response APDU."""
    if len(rapdu) < 2:
        return {"error": f"response of {len(rapdu)} bytes, shorter than a status word"}
    sw = int.from_bytes(rapdu[-2:])
    return {"sw": f"{sw:04X}", "meaning": sw_meaning(sw), "data_length": len(rapdu) - 2}

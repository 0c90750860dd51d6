"""ISO/IEC 7816-4 names: instructions and status words, for any card, not only R1."""

from __future__ import annotations

INSTRUCTIONS = {
    0x20: "VERIFY",
    0x50: "ESTABLISH SESSION (APCV-R1)",
    0x52: "GET PRESENTATION (APCV-R1)",
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
"""Names of common instructions, by INS byte."""

STATUS_WORDS = {
    0x9000: "success",
    0x6282: "end of file reached before Le bytes",
    0x6700: "wrong length",
    0x6982: "security status not satisfied (app locked)",
    0x6985: "conditions of use not satisfied (command out of order)",
    0x6986: "command not allowed (no current EF)",
    0x6A80: "incorrect data in the command",
    0x6A82: "application or file not found",
    0x6A86: "incorrect P1/P2",
    0x6A88: "referenced data not found",
    0x6B00: "wrong parameters (offset outside the file)",
    0x6D00: "instruction not supported",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}
"""Meanings of exact status words."""

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
    """The meaning of status word ``sw`` (``"unknown"`` if none is known)."""
    if sw in STATUS_WORDS:
        return STATUS_WORDS[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return f"more data: {sw2 or 256}{'+' if sw2 == 0 else ''} bytes available (GET RESPONSE)"
    if sw1 == 0x6C:
        return f"wrong Le: exact length is {sw2 or 256}"
    return _SW1_GROUPS.get(sw1, "unknown")

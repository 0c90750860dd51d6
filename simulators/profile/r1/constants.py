"""Fixed numbers of the APCV-R1 reference profile (see docs/protocol.md)."""

from __future__ import annotations

from enum import IntEnum

PROFILE_NAME = "APCV-R1"
PROFILE_VERSION = 1

AID_APCV = bytes.fromhex("F04150435601")
"""Proprietary test AID of the apCV applet on the phone (HCE)."""

AID_CARD = bytes.fromhex("F04150435602")
"""Proprietary test AID of the reference physical-card application."""

CLA_ISO = 0x00
CLA_PROPRIETARY = 0x80

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_RESPONSE = 0xC0
INS_ESTABLISH_SESSION = 0x50
INS_GET_PRESENTATION = 0x52

EF_IDENTITY = 0x0101
"""File of the physical card holding the signed card data."""

SHORT_LE_MAX = 256
EXTENDED_LE_MAX = 65536

EPHEMERAL_KEY_LEN = 65  # uncompressed P-256 point
NONCE_LEN = 16
CHALLENGE_LEN = 16
PRESENTATION_LIFETIME_S = 120


class SW(IntEnum):
    """ISO 7816-4 status words used by the profile."""

    OK = 0x9000
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    CONDITIONS_NOT_SATISFIED = 0x6985
    WRONG_DATA = 0x6A80
    NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    REFERENCED_DATA_NOT_FOUND = 0x6A88
    OFFSET_OUT_OF_FILE = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_DIAGNOSIS = 0x6F00


SW_MEANINGS: dict[int, str] = {
    SW.OK: "success",
    SW.WRONG_LENGTH: "wrong length",
    SW.SECURITY_NOT_SATISFIED: "security status not satisfied (app locked)",
    SW.CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied (command out of order)",
    SW.WRONG_DATA: "incorrect data in the command",
    SW.NOT_FOUND: "application or file not found",
    SW.WRONG_P1P2: "incorrect P1/P2",
    SW.REFERENCED_DATA_NOT_FOUND: "referenced data not found",
    SW.OFFSET_OUT_OF_FILE: "offset outside the file",
    SW.INS_NOT_SUPPORTED: "instruction not supported",
    SW.CLA_NOT_SUPPORTED: "class not supported",
    SW.NO_DIAGNOSIS: "no precise diagnosis",
}


def describe_sw(sw: int) -> str:
    """Human meaning of a status word, including 61XX."""
    if sw >> 8 == 0x61:
        return f"{sw & 0xFF} more bytes available (GET RESPONSE)"
    return SW_MEANINGS.get(sw, "unknown status")

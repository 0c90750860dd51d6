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

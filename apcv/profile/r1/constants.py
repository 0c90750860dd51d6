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
"""An NFC presentation expires 120 s after it is issued; a verifier refuses a longer lifetime."""
PRESENTATION_CLOCK_SKEW_S = 300
"""How far in the future a verifier lets an NFC presentation's ``iat`` be (phone clock ahead)."""

CLAIM_WINDOW_S = 24 * 3600
"""A verification may be billed within this time of the verification (docs/backend.md, APCV-BE-035)."""
CLAIM_CEILING_CENTS = 150_000
"""Largest total of one claim, in euro cents (1,500 EUR; APCV-BE-036)."""

QR_PREFIX = "APCV1:"
QR_ROTATION_S = 30
"""The phone shows a new QR token every 30 s (reported; a profile parameter)."""
QR_TOKEN_LIFETIME_S = 2 * QR_ROTATION_S
"""A QR token expires one rotation after it is replaced (``exp = iat + 60``)."""
QR_UNLOCK_LIFETIME_S = 900
"""QR tokens are issued for 15 min after an unlock, then the holder re-authenticates."""
QR_CLOCK_SKEW_S = 60
"""Allowed clock difference between phone and verifier for ``iat`` and ``exp``."""
QR_MAX_TEXT = 4296
"""Longest QR text: a version-40 QR code in alphanumeric mode at error correction L."""
QR_MAX_COSE = 2048
"""Largest COSE_Sign1 a QR token may inflate to (guards against zlib bombs)."""


class SW(IntEnum):
    """ISO 7816-4 status words used by the profile."""

    OK = 0x9000
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    CONDITIONS_NOT_SATISFIED = 0x6985
    NO_CURRENT_EF = 0x6986
    WRONG_DATA = 0x6A80
    NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    REFERENCED_DATA_NOT_FOUND = 0x6A88
    OFFSET_OUT_OF_FILE = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_DIAGNOSIS = 0x6F00

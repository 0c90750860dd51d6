"""The file control templates of APCV-R1: the phone's FCI (§3) and the card's FCP (§8)."""

from __future__ import annotations

from functools import lru_cache

from apcv.profile.r1.constants import AID_APCV, PROFILE_VERSION

MAX_COMMAND_DATA = 1024
"""The largest command data the reference applet accepts (FCI tag 81)."""


@lru_cache(maxsize=8)
def fci(max_command_data: int = MAX_COMMAND_DATA) -> bytes:
    """File control information answered to SELECT: AID (84), then the proprietary template
    (A5) with the profile version (80) and the largest command data accepted (81); built once
    (every presentation starts with it)."""
    proprietary = b"\x80\x01" + bytes((PROFILE_VERSION,)) + b"\x81\x02" + max_command_data.to_bytes(2, "big")
    body = b"\x84" + bytes((len(AID_APCV),)) + AID_APCV + b"\xa5" + bytes((len(proprietary),)) + proprietary
    return b"\x6f" + bytes((len(body),)) + body


def fcp(file_id: int, size: int) -> bytes:
    """File control parameters: size (80), transparent EF (82), identifier (83)."""
    body = b"\x80\x02" + size.to_bytes(2, "big") + b"\x82\x01\x01\x83\x02" + file_id.to_bytes(2, "big")
    return b"\x62" + bytes((len(body),)) + body


def tlv_paths(data: bytes, prefix: str = "") -> list[tuple[str, bytes]]:
    """``(path, value)`` of every BER-TLV element of ``data`` (one-byte tags and lengths, as the
    profile's templates use); a constructed tag (bit 6 of the tag set) is walked into, so the
    FCI gives ``6F``, ``6F/84``, ``6F/A5``, ``6F/A5/80``, ``6F/A5/81``. ValueError on a bad length."""
    found, i = [], 0
    while i < len(data):
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            raise ValueError(f"TLV at byte {i} runs past the end ({data.hex().upper()})")
        tag, length = data[i], data[i + 1]
        value = data[i + 2 : i + 2 + length]
        path = f"{prefix}{tag:02X}"
        found.append((path, value))
        if tag & 0x20:
            found += tlv_paths(value, path + "/")
        i += 2 + length
    return found

CARD_FILE_KEYS = ("v", "serial", "holder", "cov", "ben")
"""The keys of the CBOR map the card's identity file signs (§8)."""

"""Unit tests of the ISO 7816-4 APDU codec (apcv/profile/r1/apdu.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apcv.profile.r1.apdu import (
    ApduFormatError,
    CommandApdu,
    ResponseApdu,
    parse_command,
    parse_response,
    status,
)
from apcv.profile.r1.constants import SW

HEADER = bytes.fromhex("80500000")


@pytest.mark.parametrize(
    ("hex_apdu", "expected"),
    [
        ("80500000", CommandApdu(0x80, 0x50, 0, 0)),  # case 1
        ("00B0000010", CommandApdu(0, 0xB0, 0, 0, le=0x10)),  # case 2S
        ("00A4040C02A0B1", CommandApdu(0, 0xA4, 4, 0x0C, bytes.fromhex("A0B1"))),  # case 3S
        ("00A4040002A0B1FF", CommandApdu(0, 0xA4, 4, 0, bytes.fromhex("A0B1"), le=255)),  # case 4S
        ("00B0000000012C", CommandApdu(0, 0xB0, 0, 0, le=300, extended=True)),  # case 2E
        ("80520000000002CAFE", CommandApdu(0x80, 0x52, 0, 0, b"\xca\xfe", extended=True)),  # case 3E
        (
            "80520000000002CAFE0400",
            CommandApdu(0x80, 0x52, 0, 0, b"\xca\xfe", le=1024, extended=True),
        ),  # case 4E
    ],
)
def test_parse_every_case(hex_apdu: str, expected: CommandApdu) -> None:
    assert parse_command(bytes.fromhex(hex_apdu)) == expected


def test_short_le_00_means_256() -> None:
    assert parse_command(bytes.fromhex("00C0000000")).le == 256
    assert parse_command(bytes.fromhex("00A4040001AA00")).le == 256


def test_extended_le_0000_means_65536() -> None:
    assert parse_command(bytes.fromhex("00C00000000000")).le == 65536
    assert parse_command(bytes.fromhex("80520000000001AA0000")).le == 65536


@pytest.mark.parametrize(
    ("hex_apdu", "fragment"),
    [
        ("", "truncated header"),
        ("00", "truncated header"),
        ("00A404", "truncated header"),
        ("00A4040003AABB", "Lc says 3"),  # Lc larger than the data
        ("00A4040001AABBCC", "Lc says 1"),  # trailing garbage after Le
        ("00A404000000", "6-byte"),  # 6-byte extended header
        ("00A40400000000AA", "extended Lc of 0"),
        ("8052000000000300", "extended Lc says 3"),  # extended Lc larger than the data
        ("80520000000001AABBCCDD", "extended Lc says 1"),  # extended trailing garbage
    ],
)
def test_malformed_commands_raise_6700(hex_apdu: str, fragment: str) -> None:
    with pytest.raises(ApduFormatError, match=fragment) as info:
        parse_command(bytes.fromhex(hex_apdu))
    assert info.value.sw == SW.WRONG_LENGTH == 0x6700


@pytest.mark.parametrize(
    ("cmd", "hex_apdu"),
    [
        (CommandApdu(0, 0xC0, 0, 0, le=256), "00C0000000"),
        (CommandApdu(0, 0xC0, 0, 0, le=257, extended=True), "00C00000000101"),
        (CommandApdu(0, 0xC0, 0, 0, le=65536, extended=True), "00C00000000000"),
        (CommandApdu(0x80, 0x52, 0, 0, b"\x01", le=65536, extended=True), "8052000000000101" "0000"),
        (CommandApdu(0x80, 0x52, 0, 0, b"\x01", extended=True), "80520000000001" "01"),
    ],
)
def test_encode_known_frames(cmd: CommandApdu, hex_apdu: str) -> None:
    assert cmd.encode().hex().upper() == hex_apdu
    assert parse_command(cmd.encode()) == cmd


def test_encode_forces_extended_for_long_le() -> None:
    raw = CommandApdu(0, 0xC0, 0, 0, le=257).encode()
    assert raw.hex().upper() == "00C00000000101"
    assert parse_command(raw) == CommandApdu(0, 0xC0, 0, 0, le=257, extended=True)


def test_encode_forces_extended_for_long_data() -> None:
    cmd = CommandApdu(0x80, 0x52, 0, 0, bytes(256), le=16)
    raw = cmd.encode()
    assert raw[4:7] == b"\x00\x01\x00" and raw[-2:] == b"\x00\x10"
    assert parse_command(raw) == CommandApdu(0x80, 0x52, 0, 0, bytes(256), le=16, extended=True)


@pytest.mark.parametrize("le", [0, 65537, -1])
def test_encode_rejects_le_out_of_range(le: int) -> None:
    with pytest.raises(ValueError, match="Le"):
        CommandApdu(0, 0xB0, 0, 0, le=le).encode()


def test_encode_rejects_oversized_data() -> None:
    with pytest.raises(ValueError, match="exceeds 65535"):
        CommandApdu(0, 0xD6, 0, 0, bytes(65536)).encode()


def test_response_parse_and_status() -> None:
    rsp = parse_response(bytes.fromhex("CAFE6110"))
    assert rsp == ResponseApdu(b"\xca\xfe", 0x6110)
    assert (rsp.sw1, rsp.sw2) == (0x61, 0x10)
    assert status(SW.OK, b"\x01") == b"\x01\x90\x00"
    with pytest.raises(ApduFormatError, match="no status word"):
        parse_response(b"\x90")


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_parse_command_only_raises_format_errors(raw: bytes) -> None:
    try:
        cmd = parse_command(raw)
    except ApduFormatError as exc:
        assert exc.sw == SW.WRONG_LENGTH
    else:
        assert isinstance(cmd, CommandApdu)
        assert cmd.encode()[:4] == raw[:4]


@st.composite
def commands(draw: st.DrawFn) -> CommandApdu:
    byte = st.integers(0, 255)
    return CommandApdu(
        draw(byte),
        draw(byte),
        draw(byte),
        draw(byte),
        draw(st.binary(max_size=300)),
        draw(st.none() | st.integers(1, 65536)),
        draw(st.booleans()),
    )


@settings(max_examples=300)
@given(commands())
def test_encode_parse_round_trip(cmd: CommandApdu) -> None:
    """Parsing gives the command back; ``extended`` is true whenever the encoding had to be
    (or was asked to be) extended and there was a body to carry the length."""
    forced = len(cmd.data) > 255 or (cmd.le is not None and cmd.le > 256)
    has_body = bool(cmd.data) or cmd.le is not None
    expected_extended = (cmd.extended or forced) and has_body
    parsed = parse_command(cmd.encode())
    assert parsed == CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.le, expected_extended)


@given(st.binary(min_size=2, max_size=300))
def test_response_round_trip(raw: bytes) -> None:
    rsp = parse_response(raw)
    assert rsp.encode() == raw
    assert parse_response(rsp.encode()) == rsp

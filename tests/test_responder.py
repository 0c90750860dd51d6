"""Unit tests of the card-side responder (framing, chaining, 6F00) and the HCE applet,
driven directly with bytes (no link)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apcv.profile.r1.apdu import CommandApdu, parse_response
from apcv.profile.r1.constants import AID_APCV, SW
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.responder import ApduResponder, Rejected, atr_with_historical_bytes
from apcv.profile.r1.session import encode_point
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.phone.applet import HceApplet
from simulators.phone.phone import Phone

KNOWN_SW = {int(sw) for sw in SW}
SELECT_APCV = CommandApdu(0, 0xA4, 4, 0, AID_APCV, le=256).encode()
READER_POINT = encode_point(key_from_scalar(12345).public_key())


@cache
def _phone(seed: int) -> Phone:
    return synthetic_phone(seed, synthetic_insurer(0))


def fresh_applet(seed: int) -> HceApplet:
    """A new applet (fresh state) on the cached wallet and unlocked lock of ``seed``."""
    phone = _phone(seed)
    return HceApplet(phone.wallet, phone.lock, phone.clock)


class Echo(ApduResponder):
    """Answers ``size`` bytes (P1P2) to any command; INS FF fails with a bug."""

    atr = atr_with_historical_bytes(b"")

    def handle(self, cmd: CommandApdu) -> bytes:
        if cmd.ins == 0xFF:
            raise RuntimeError("simulated bug in a handler")
        if cmd.ins == 0xEE:
            raise Rejected(0x6A88)
        size = (cmd.p1 << 8) | cmd.p2
        return bytes(i % 251 for i in range(size))


def _useful_commands() -> st.SearchStrategy[bytes]:
    """Commands that reach deep into the applet's state machine, mixed with random bytes."""
    return st.one_of(
        st.binary(max_size=40),
        st.just(SELECT_APCV),
        st.just(CommandApdu(0, 0xA4, 4, 0x0C, AID_APCV).encode()),
        st.builds(lambda nonce, le: CommandApdu(0x80, 0x50, 0, 0, READER_POINT + nonce, le=le).encode(),
                  st.binary(min_size=16, max_size=16), st.integers(1, 256)),
        st.builds(lambda data, le: CommandApdu(0x80, 0x50, 0, 0, data, le=le).encode(),
                  st.binary(min_size=81, max_size=81), st.none() | st.integers(1, 256)),
        st.builds(lambda data, le: CommandApdu(0x80, 0x52, 0, 0, data, le=le).encode(),
                  st.binary(max_size=64), st.none() | st.integers(1, 256)),
        st.builds(lambda p1, p2, le: CommandApdu(0, 0xC0, p1, p2, le=le).encode(),
                  st.sampled_from([0, 1]), st.sampled_from([0, 1]), st.none() | st.integers(1, 256)),
        st.builds(lambda cla, ins: bytes((cla, ins, 0, 0)), st.integers(0, 255), st.integers(0, 255)),
    )


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([1, 2]), st.lists(_useful_commands(), max_size=12))
def test_applet_answers_anything_with_a_known_status_word(seed: int, apdus: list[bytes]) -> None:
    applet = fresh_applet(seed)
    for raw in apdus:
        rsp = applet.process_apdu(raw)
        assert len(rsp) >= 2
        sw = parse_response(rsp).sw
        assert sw in KNOWN_SW or sw >> 8 == 0x61, f"{raw.hex()} -> {sw:04X}"
        assert sw != SW.NO_DIAGNOSIS, f"{raw.hex()} hit an internal failure"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 1000), st.integers(1, 256))
def test_61xx_chaining_arithmetic(size: int, le: int) -> None:
    """Every piece is at most Le bytes and 61XX announces min(left, 256) mod 256."""
    responder = Echo()
    expected = bytes(i % 251 for i in range(size))
    first = CommandApdu(0x80, 0x01, size >> 8, size & 0xFF, le=le)
    rsp = parse_response(responder.process_apdu(first.encode()))
    received = rsp.data
    assert len(rsp.data) == min(size, le)
    while rsp.sw1 == 0x61:
        left = size - len(received)
        assert left > 0 and rsp.sw2 == min(left, 256) % 256
        rsp = parse_response(responder.process_apdu(CommandApdu(0, 0xC0, 0, 0, le=le).encode()))
        assert len(rsp.data) == min(left, le)
        received += rsp.data
    assert rsp.sw == SW.OK
    assert received == expected


def test_get_response_follows_the_announced_length() -> None:
    responder = Echo()
    first = parse_response(responder.process_apdu(CommandApdu(0x80, 1, 0, 10, le=4).encode()))
    assert first.sw == 0x6106
    rest = parse_response(responder.process_apdu(CommandApdu(0, 0xC0, 0, 0, le=first.sw2).encode()))
    assert (rest.data, rest.sw) == (bytes(range(4, 10)), SW.OK)


def test_extended_le_gets_the_whole_answer() -> None:
    rsp = parse_response(Echo().process_apdu(CommandApdu(0x80, 1, 0x04, 0x00, le=65536).encode()))
    assert (len(rsp.data), rsp.sw) == (1024, SW.OK)


def test_unexpected_exception_in_handler_gives_6f00_and_keeps_answering(
    caplog: pytest.LogCaptureFixture,
) -> None:
    responder = Echo()
    assert responder.process_apdu(bytes.fromhex("80FF0000")) == b"\x6f\x00"
    assert "responder failed" in caplog.text
    assert responder.process_apdu(bytes.fromhex("8001000202")) == b"\x00\x01\x90\x00"


def test_rejected_and_framing_status_words() -> None:
    responder = Echo()
    assert responder.process_apdu(bytes.fromhex("80EE0000")) == b"\x6a\x88"
    assert responder.process_apdu(b"\x80\x01") == b"\x67\x00"
    assert responder.process_apdu(bytes.fromhex("A0010000")) == b"\x6e\x00"
    assert responder.process_apdu(bytes.fromhex("00C0010000")) == b"\x6a\x86"


def test_get_response_without_pending_or_without_le() -> None:
    responder = Echo()
    assert responder.process_apdu(bytes.fromhex("00C0000000")) == b"\x69\x85"
    assert responder.process_apdu(bytes.fromhex("8001000A04"))[-2:] == b"\x61\x06"
    assert responder.process_apdu(bytes.fromhex("00C00000")) == b"\x67\x00"


def test_reset_clears_pending_get_response_data() -> None:
    responder = Echo()
    assert responder.process_apdu(bytes.fromhex("8001000A04"))[-2:] == b"\x61\x06"
    responder.reset()
    assert responder.process_apdu(bytes.fromhex("00C0000006")) == b"\x69\x85"


def test_another_command_drops_pending_data() -> None:
    responder = Echo()
    responder.process_apdu(bytes.fromhex("8001000A04"))
    responder.process_apdu(bytes.fromhex("8001000100"))
    assert responder.process_apdu(bytes.fromhex("00C0000006")) == b"\x69\x85"


@pytest.mark.parametrize("historical", [b"", b"APCVCARD", bytes(range(15))])
def test_atr_check_byte(historical: bytes) -> None:
    atr = atr_with_historical_bytes(historical)
    assert atr[0] == 0x3B and atr[1] == 0x80 | len(historical)
    assert atr[4:-1] == historical
    tck = 0
    for b in atr[1:-1]:
        tck ^= b
    assert atr[-1] == tck
    check = 0
    for b in atr[1:]:
        check ^= b
    assert check == 0  # XOR of T0..TCK is zero


def test_atr_vectors_from_the_profile() -> None:
    assert atr_with_historical_bytes(b"") == bytes.fromhex("3B80800101")
    assert atr_with_historical_bytes(b"APCVCARD")[:4] == bytes.fromhex("3B888001")
    with pytest.raises(ValueError, match="15"):
        atr_with_historical_bytes(bytes(16))


def test_applet_select_gives_fci_and_chains_with_short_le() -> None:
    applet = fresh_applet(1)
    rsp = parse_response(applet.process_apdu(SELECT_APCV))
    assert rsp.sw == SW.OK and rsp.data.startswith(b"\x6f") and AID_APCV in rsp.data
    chained = parse_response(applet.process_apdu(CommandApdu(0, 0xA4, 4, 0, AID_APCV, le=4).encode()))
    assert chained.sw == 0x6100 | (len(rsp.data) - 4)
    rest = parse_response(applet.process_apdu(CommandApdu(0, 0xC0, 0, 0, le=256).encode()))
    assert chained.data + rest.data == rsp.data


def test_applet_establish_session_answers_81_bytes() -> None:
    applet = fresh_applet(1)
    applet.process_apdu(SELECT_APCV)
    rsp = parse_response(applet.process_apdu(
        CommandApdu(0x80, 0x50, 0, 0, READER_POINT + bytes(16), le=256).encode()))
    assert rsp.sw == SW.OK and len(rsp.data) == 81 and rsp.data[0] == 0x04

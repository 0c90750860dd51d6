"""ISO-DEP block protocol of the card side, with hex frames (nfcpy's test style).

The card side is driven frame by frame; the last tests pair it with nfcpy's own ISO-DEP
initiator through a byte transport that can lose frames, as the radio would.
"""

from __future__ import annotations

import nfc.clf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nfc.tag.tt4 import IsoDepInitiator

from apcv.links.nfc_isodep import (
    Ats,
    IsoDepCard,
    IsoDepError,
    fsdi_for,
    historical_bytes,
    parse_ats,
    parse_rats,
)
from apcv.profile.r1.responder import atr_with_historical_bytes


def h(text: str) -> bytes:
    return bytes.fromhex(text)


class Echo:
    """A device answering each APDU with its bytes reversed + 9000, keeping what it saw."""

    def __init__(self, answer: bytes | None = None) -> None:
        self.seen: list[bytes] = []
        self.answer = answer

    def __call__(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        return (self.answer if self.answer is not None else apdu[::-1]) + b"\x90\x00"


def test_ats_encoding_vector() -> None:
    assert Ats().encode() == h("05 78 80 A0 00")
    assert Ats(historical=b"AB", fsci=5, fwi=4).encode() == h("07 75 80 40 00 41 42")


def test_ats_round_trip_and_timings() -> None:
    ats = parse_ats(Ats(historical=b"APCVCARD", fsci=8, fwi=10).encode())
    assert (ats.historical, ats.fsc, ats.fwi) == (b"APCVCARD", 256, 10)
    assert ats.fwt == pytest.approx(4096 / 13.56e6 * 1024)  # about 0.309 s


def test_ats_defaults_when_interface_bytes_are_absent() -> None:
    ats = parse_ats(h("03 00 99"))
    assert (ats.fsc, ats.fwi, ats.historical) == (16, 4, h("99"))


@pytest.mark.parametrize("frame", ["", "05 78", "01", "03 78 80", "05 78 80 F0 00"],
                         ids=["empty", "short", "no T0", "missing TB", "FWI 15"])
def test_bad_ats(frame: str) -> None:
    with pytest.raises(IsoDepError, match="ATS"):
        parse_ats(h(frame))


def test_rats() -> None:
    assert parse_rats(h("E0 80")) == 256
    assert parse_rats(h("E0 50")) == 64
    assert parse_rats(h("E0 F0")) == 256  # RFU FSDI counts as 256
    assert fsdi_for(290) == 8 and fsdi_for(64) == 5 and fsdi_for(3) == 0


@pytest.mark.parametrize("frame", ["", "E0", "E1 80", "E0 80 00", "26"])
def test_bad_rats(frame: str) -> None:
    with pytest.raises(IsoDepError, match="RATS"):
        parse_rats(h(frame))


def test_historical_bytes_of_atrs() -> None:
    assert historical_bytes(atr_with_historical_bytes(b"APCVCARD")) == b"APCVCARD"
    assert historical_bytes(atr_with_historical_bytes(b"")) == b""
    assert historical_bytes(h("3B 02 14 50")) == h("14 50")
    assert historical_bytes(h("3B 8F")) == b""  # truncated: nothing, no crash


def test_i_blocks_toggle_block_number() -> None:
    card = IsoDepCard(Echo())
    assert card.receive(h("02 01 02 03")) == h("02 03 02 01 90 00")
    assert card.receive(h("03 0A")) == h("03 0A 90 00")
    assert card.receive(h("02 0B")) == h("02 0B 90 00")


def test_chained_command_is_acknowledged_then_processed_whole() -> None:
    device = Echo(answer=b"")
    card = IsoDepCard(device)
    assert card.receive(h("12 01 02")) == h("A2")
    assert card.receive(h("13 03 04")) == h("A3")
    assert card.receive(h("02 05")) == h("02 90 00")
    assert device.seen == [h("01 02 03 04 05")]


def test_long_answer_is_chained_to_fsd() -> None:
    card = IsoDepCard(Echo(answer=bytes(range(28))), fsd=16)  # 13 INF bytes per frame
    assert card.receive(h("02 00")) == h("12") + bytes(range(13))
    assert card.receive(h("A3")) == h("13") + bytes(range(13, 26))
    assert card.receive(h("A2")) == h("02 1A 1B 90 00")


def test_nak_with_current_block_number_resends_last_block() -> None:
    card = IsoDepCard(Echo(answer=bytes(20)), fsd=16)
    first = card.receive(h("02 00"))
    assert card.receive(h("B2")) == first  # the chunk was lost: sent again
    assert card.receive(h("A2")) == first  # R(ACK) with the current number too
    assert card.receive(h("A3")) == h("03") + bytes(7) + h("90 00")
    assert any("sent again" in note for note in card.notes)


def test_nak_with_other_block_number_gets_ack() -> None:
    card = IsoDepCard(Echo())
    assert card.receive(h("B2")) == h("A3")  # the command never arrived: PCD must resend it
    assert card.receive(h("02 AA")) == h("02 AA 90 00")
    assert card.receive(h("B3")) == h("A2")  # presence check between commands


def test_deselect() -> None:
    card = IsoDepCard(Echo())
    assert card.receive(h("C2")) == h("C2")
    assert card.deselected


def test_pps_is_confirmed_only_before_the_first_block() -> None:
    card = IsoDepCard(Echo())
    assert card.receive(h("D0 11 00")) == h("D0")
    assert card.receive(h("02 01")) == h("02 01 90 00")
    assert card.receive(h("D0 11 00")) is None


@pytest.mark.parametrize(
    "frame",
    ["", "0A 00A4", "06 00A4", "FF", "A2 00", "C3", "F2 01", "E0 80", "22 01"],
    ids=["empty", "CID", "NAD", "FF", "long R-block", "S-block RFU", "unsolicited WTX", "RATS", "bit 6"],
)
def test_corrupted_frames_get_no_answer_and_a_note(frame: str) -> None:
    device = Echo()
    card = IsoDepCard(device)
    assert card.receive(h(frame)) is None
    assert card.notes and "no answer" in card.notes[-1]
    assert card.receive(h("02 01")) == h("02 01 90 00")  # the protocol goes on
    assert device.seen == [h("01")]


def test_repeated_i_block_number_is_ignored() -> None:
    device = Echo()
    card = IsoDepCard(device)
    assert card.receive(h("02 01")) == h("02 01 90 00")
    assert card.receive(h("02 02")) is None
    assert device.seen == [h("01")]


def test_ack_with_nothing_to_send_is_ignored() -> None:
    card = IsoDepCard(Echo())
    card.receive(h("02 01"))
    assert card.receive(h("A3")) is None


@given(st.lists(st.binary(max_size=40), max_size=30))
def test_garbage_never_raises(frames: list[bytes]) -> None:
    card = IsoDepCard(Echo(), fsd=16)
    for frame in frames:
        answer = card.receive(frame)
        assert answer is None or 1 <= len(answer) <= 16


class LossyAir:
    """The byte transport between nfcpy's initiator and our card: frames can be lost."""

    def __init__(self, card: IsoDepCard, lose: set[int] = frozenset()) -> None:
        self.card, self.lose, self.count, self.log = card, set(lose), 0, []

    def exchange(self, frame: bytearray, timeout: float) -> bytearray:
        self.count += 1
        self.log.append(bytes(frame).hex())
        answer = self.card.receive(bytes(frame))
        if self.count in self.lose or answer is None:
            raise nfc.clf.TimeoutError("lost")
        return bytearray(answer)


@pytest.mark.parametrize("lose", [set(), {1}, {2}, {3}, {5}, {1, 2}],
                         ids=["clean", "1st lost", "2nd lost", "3rd lost", "5th lost", "two lost"])
def test_nfcpy_initiator_against_our_card_with_chaining_and_losses(lose: set[int]) -> None:
    device = Echo()
    air = LossyAir(IsoDepCard(device, fsd=24), lose)
    initiator = IsoDepInitiator(air, fsc=24, fwt=0.0773)  # 21 INF bytes per frame both ways
    command = bytes(range(50))
    assert bytes(initiator.exchange(bytearray(command))) == command[::-1] + h("90 00")
    assert bytes(initiator.exchange(bytearray(h("01 02")))) == h("02 01 90 00")
    assert device.seen == [command, h("01 02")]  # each APDU processed exactly once
    assert (air.count > 6) == bool(lose)  # 6 frames without loss; each loss costs a resend

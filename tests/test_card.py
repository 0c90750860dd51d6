"""Unit tests of the reference physical card (simulators/card/card.py), driven directly."""

from __future__ import annotations

import cbor2
import pytest

from apcv.errors import VerificationError
from apcv.people import Beneficiary, Coverage, Identity
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu, ResponseApdu, parse_response
from apcv.profile.r1.constants import AID_APCV, AID_CARD, SW
from apcv.seeded_keys import synthetic_insurer
from simulators.card.card import CARD_ATR, VitaleCard, card_data, fcp
from simulators.factory import synthetic_insured

INSURER = synthetic_insurer(0)
INSURED = synthetic_insured(5)
SELECT_APP = CommandApdu(0, 0xA4, 4, 0x0C, AID_CARD).encode()
SELECT_EF = bytes.fromhex("00A40204020101" "00")


@pytest.fixture
def card() -> VitaleCard:
    return VitaleCard(INSURED, INSURER)


@pytest.fixture
def signed_content(card: VitaleCard) -> bytes:
    """The whole identity file of ``card`` (its signature is randomised per card), then a reset."""
    send(card, SELECT_APP)
    size = _size(send(card, SELECT_EF).data)
    content = b""
    while len(content) < size:
        offset = len(content)
        rsp = send(card, CommandApdu(0, 0xB0, offset >> 8, offset & 0xFF, le=256).encode())
        assert rsp.sw == SW.OK
        content += rsp.data
    card.reset()
    return content


def send(card: VitaleCard, raw: bytes) -> ResponseApdu:
    return parse_response(card.process_apdu(raw))


def _size(fcp_bytes: bytes) -> int:
    assert fcp_bytes[:4] == b"\x62\x0b\x80\x02"
    return int.from_bytes(fcp_bytes[4:6], "big")


def test_atr_carries_apcvcard() -> None:
    assert CARD_ATR[:4] == bytes.fromhex("3B888001") and CARD_ATR[4:12] == b"APCVCARD"


def test_select_card_application(card: VitaleCard) -> None:
    assert send(card, SELECT_APP) == ResponseApdu(b"", SW.OK)
    assert send(card, CommandApdu(0, 0xA4, 4, 0, AID_CARD, le=256).encode()).sw == SW.OK


def test_apcv_aid_is_not_on_the_card(card: VitaleCard) -> None:
    assert send(card, CommandApdu(0, 0xA4, 4, 0, AID_APCV, le=256).encode()).sw == SW.NOT_FOUND
    assert send(card, SELECT_EF).sw == SW.NOT_FOUND  # nothing selected after the failure


def test_select_ef_answers_fcp(card: VitaleCard) -> None:
    send(card, SELECT_APP)
    rsp = send(card, SELECT_EF)
    assert rsp.sw == SW.OK
    size = _size(rsp.data)
    assert rsp.data == fcp(0x0101, size)
    assert rsp.data[6:] == bytes.fromhex("820101" "83020101")


def test_select_ef_with_p2_0c_answers_no_data(card: VitaleCard) -> None:
    send(card, SELECT_APP)
    assert send(card, bytes.fromhex("00A4020C020101")) == ResponseApdu(b"", SW.OK)


def test_read_binary_at_offsets(card: VitaleCard, signed_content: bytes) -> None:
    send(card, SELECT_APP)
    send(card, SELECT_EF)
    for offset, le in [(0, 16), (1, 1), (100, 256), (len(signed_content) - 3, 256)]:
        rsp = send(card, CommandApdu(0, 0xB0, offset >> 8, offset & 0xFF, le=le).encode())
        assert rsp == ResponseApdu(signed_content[offset : offset + le], SW.OK)
    end = len(signed_content)
    assert send(card, CommandApdu(0, 0xB0, end >> 8, end & 0xFF, le=16).encode()) == ResponseApdu(b"", SW.OK)


def test_read_binary_extended_le_reads_the_whole_file(card: VitaleCard, signed_content: bytes) -> None:
    send(card, SELECT_APP)
    send(card, SELECT_EF)
    assert send(card, CommandApdu(0, 0xB0, 0, 0, le=65536).encode()).data == signed_content


@pytest.mark.parametrize(
    ("setup", "apdu", "sw"),
    [
        ([SELECT_APP], "00A4020402FFFF00", 0x6A82),  # unknown EF
        ([], "00A4020402010100", 0x6A82),  # EF before the application
        ([SELECT_APP], "00B0000010", 0x6986),  # READ BINARY with no current EF
        ([SELECT_APP, SELECT_EF], "00B07FFF10", 0x6B00),  # offset past the end
        ([SELECT_APP, SELECT_EF], "00B0800010", 0x6A86),  # short-EF addressing
        ([SELECT_APP], "00A4040102F041", 0x6A86),  # SELECT by AID with bad P2
        ([SELECT_APP], "00A40204030101", 0x6700),  # Lc says 3, 2 data bytes follow
        ([SELECT_APP], "00A40204030101FF00", 0x6700),  # file id not on 2 bytes
        ([SELECT_APP, SELECT_EF], "00B00000", 0x6700),  # READ BINARY without Le
        ([SELECT_APP], "00A4010000", 0x6A86),  # unsupported selection mode
        ([SELECT_APP], "00CA000000", 0x6D00),  # unknown instruction
        ([SELECT_APP], "80B0000010", 0x6D00),  # proprietary class on the card
    ],
)
def test_error_status_words(card: VitaleCard, setup: list[bytes], apdu: str, sw: int) -> None:
    for raw in setup:
        assert send(card, raw).sw == SW.OK
    assert send(card, bytes.fromhex(apdu)).sw == sw


def test_reset_forgets_the_selection(card: VitaleCard) -> None:
    send(card, SELECT_APP)
    send(card, SELECT_EF)
    card.reset()
    assert send(card, bytes.fromhex("00B0000010")).sw == 0x6986
    assert send(card, SELECT_EF).sw == SW.NOT_FOUND


def test_card_data_verifies_with_the_insurer_root(signed_content: bytes) -> None:
    payload = cose.verify(signed_content, INSURER.trust_anchor.public_key)
    assert payload == card_data(INSURED)
    data = cbor2.loads(payload)
    assert data["v"] == 1 and data["serial"] == INSURED.card_serial
    assert Identity.from_dict(data["holder"]) == INSURED.identity
    assert Coverage.from_dict(data["cov"]) == INSURED.coverage
    assert tuple(Beneficiary.from_dict(b) for b in data["ben"]) == INSURED.beneficiaries


def test_card_data_does_not_verify_with_another_root(signed_content: bytes) -> None:
    with pytest.raises(VerificationError):
        cose.verify(signed_content, synthetic_insurer(1).trust_anchor.public_key)


def test_card_data_carries_no_x5chain(signed_content: bytes) -> None:
    header, _ = cose.peek(signed_content)
    assert cose.X5CHAIN not in header

"""Unit tests of the reference reader kernel (simulators/reader/kernel.py) over fake
transports written here: misbehaving devices, chaining, fallbacks and a relay attack."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from apcv.clock import FrozenClock
from apcv.errors import ProtocolError, VerificationError
from apcv.links.base import ReaderLink
from apcv.profile.r1.apdu import CommandApdu, parse_command, parse_response, status
from apcv.profile.r1.constants import (
    AID_APCV,
    INS_ESTABLISH_SESSION,
    INS_GET_PRESENTATION,
    INS_GET_RESPONSE,
    INS_SELECT,
    SW,
)
from apcv.profile.r1.files import fci
from apcv.profile.r1.responder import ApduResponder, Rejected
from apcv.profile.r1.session import (
    SecureChannel,
    derive_session_keys,
    encode_point,
    new_ephemeral_key,
    transcript,
)
from apcv.seeded_keys import synthetic_insurer
from simulators.card.card import VitaleCard
from simulators.factory import synthetic_card, synthetic_phone
from simulators.phone.applet import PHONE_ATR
from simulators.phone.phone import Phone
from simulators.reader.errors import AppLocked, CardError, NoApcvApplication
from simulators.reader.kernel import MAX_CHAINED_RESPONSES, ReaderKernel

INSURER = synthetic_insurer(0)
Device = Phone | VitaleCard | ApduResponder


class FakeTransport(ReaderLink):
    """A reader link answering with ``answer(apdu)``; records APDUs and disconnects."""

    url = "fake:"

    def __init__(self, answer: Callable[[bytes], bytes], atr: bytes = PHONE_ATR,
                 on_connect: Callable[[], None] | None = None) -> None:
        self.answer = answer
        self.atr = atr
        self.on_connect = on_connect
        self.sent: list[bytes] = []
        self.disconnects = 0

    def connect(self) -> bytes:
        if self.on_connect:
            self.on_connect()
        return self.atr

    def transceive(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.answer(apdu)

    def disconnect(self) -> None:
        self.disconnects += 1


def wired(device: Device, rewrite: Callable[[bytes, bytes], bytes] | None = None) -> FakeTransport:
    """A transport straight to ``device``; ``rewrite(command, response)`` may alter answers."""

    def answer(apdu: bytes) -> bytes:
        rsp = device.process_apdu(apdu)
        return rewrite(apdu, rsp) if rewrite else rsp

    return FakeTransport(answer, device.atr, device.reset)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def phone(clock: FrozenClock) -> Phone:
    return synthetic_phone(2, INSURER, clock)


def kernel(transport: ReaderLink, clock: FrozenClock, **kwargs) -> ReaderKernel:
    return ReaderKernel(transport, INSURER.trust_anchor, clock=clock, **kwargs)


@pytest.mark.parametrize("options", [{}, {"extended_length": True}, {"max_le": 16}, {"max_le": 1}])
def test_reads_a_phone(phone: Phone, clock: FrozenClock, options: dict) -> None:
    transport = wired(phone)
    result = kernel(transport, clock, **options).read()
    assert result.kind == "phone" and result.holder == phone.wallet.insured.identity
    assert result.reference == phone.wallet.card_reference and result.atr == PHONE_ATR
    assert set(result.timings_ms) == {"detect", "select", "session", "presentation", "verify", "total"}
    assert transport.disconnects == 1


def test_short_le_uses_get_response(phone: Phone, clock: FrozenClock) -> None:
    transport = wired(phone)
    kernel(transport, clock, max_le=16).read()
    get_responses = [a for a in transport.sent if a[:2] == bytes((0, INS_GET_RESPONSE))]
    assert get_responses and all(parse_command(a).le <= 16 for a in get_responses)


def test_reads_a_beneficiary(phone: Phone, clock: FrozenClock) -> None:
    result = kernel(wired(phone), clock).read(beneficiary=2)
    assert result.selected == 2
    assert result.selected_identity == phone.wallet.insured.beneficiaries[1].identity


def test_beneficiary_beyond_the_wallet(phone: Phone, clock: FrozenClock) -> None:
    with pytest.raises(CardError, match=r"6A88.*beneficiary 9 is not in the wallet"):
        kernel(wired(phone), clock).read(beneficiary=9)


def test_locked_phone_reported_as_locked(clock: FrozenClock) -> None:
    locked = synthetic_phone(2, INSURER, clock, locked=True)
    transport = wired(locked)
    with pytest.raises(AppLocked, match="app is locked") as info:
        kernel(transport, clock).read()
    assert info.value.status_word == 0x6982
    assert transport.disconnects == 1


def test_reads_a_card_after_fallback(clock: FrozenClock) -> None:
    card = synthetic_card(5, INSURER)
    transport = wired(card)
    result = kernel(transport, clock).read()
    assert result.kind == "card" and result.holder == card.insured.identity
    assert result.reference == card.insured.card_serial
    assert parse_command(transport.sent[0]).data == AID_APCV


def test_max_le_is_validated() -> None:
    for bad in (0, 257):
        with pytest.raises(ValueError, match="max_le"):
            ReaderKernel(FakeTransport(lambda a: b""), INSURER.trust_anchor, max_le=bad)


def test_garbage_response_is_a_protocol_error(clock: FrozenClock) -> None:
    transport = FakeTransport(lambda apdu: b"\x90")
    with pytest.raises(ProtocolError, match="malformed response"):
        kernel(transport, clock).read()
    assert transport.disconnects == 1


def test_endless_61xx_stops(clock: FrozenClock) -> None:
    transport = FakeTransport(lambda apdu: b"\xaa\x61\x00")
    with pytest.raises(ProtocolError, match=f"61XX after {MAX_CHAINED_RESPONSES} GET RESPONSE"):
        kernel(transport, clock).read()
    assert len(transport.sent) == 1 + MAX_CHAINED_RESPONSES
    assert transport.disconnects == 1


def test_endless_61xx_limit_scales_with_max_le(clock: FrozenClock) -> None:
    """A smaller Le gets more GET RESPONSE, so that small-Le readers can still read a phone."""
    transport = FakeTransport(lambda apdu: b"\xaa\x61\x00")
    with pytest.raises(ProtocolError, match=f"61XX after {MAX_CHAINED_RESPONSES * 4} GET RESPONSE"):
        kernel(transport, clock, max_le=64).exchange(CommandApdu(0, 0xC0, 0, 0, le=64))


def test_6cxx_resends_with_the_right_le(phone: Phone, clock: FrozenClock) -> None:
    """A device that wants the exact FCI length in Le answers 6CXX first."""
    fci_len = len(fci())

    def exact_le(apdu: bytes, rsp: bytes) -> bytes:
        cmd = parse_command(apdu)
        if cmd.ins == INS_SELECT and cmd.le != fci_len:
            return status(0x6C00 | fci_len)
        return rsp

    transport = wired(phone, exact_le)
    assert kernel(transport, clock).read().kind == "phone"
    first, second = parse_command(transport.sent[0]), parse_command(transport.sent[1])
    assert first.le == 256 and second.le == fci_len
    assert (second.cla, second.ins, second.p1, second.p2, second.data) == (0, INS_SELECT, 4, 0, AID_APCV)


def test_6c00_means_le_256(clock: FrozenClock) -> None:
    answers = iter([bytes.fromhex("6C00"), b"\x01" * 256 + b"\x90\x00"])
    transport = FakeTransport(lambda apdu: next(answers))
    rsp = kernel(transport, clock).exchange(CommandApdu(0x80, 0x01, 0, 0, le=16))
    assert (len(rsp.data), rsp.sw) == (256, SW.OK)
    assert transport.sent[1] == bytes.fromhex("8001000000")


def test_no_apcv_and_no_card_application(clock: FrozenClock) -> None:
    transport = FakeTransport(lambda apdu: b"\x6a\x82")
    with pytest.raises(NoApcvApplication, match="neither the apCV applet nor a Vitale card"):
        kernel(transport, clock).read()
    assert len(transport.sent) == 2 and transport.disconnects == 1


def test_other_select_status_is_a_card_error(clock: FrozenClock) -> None:
    transport = FakeTransport(lambda apdu: b"\x6e\x00")
    with pytest.raises(CardError, match="SELECT apCV: the device answered 6E00 \\(class not supported\\)"):
        kernel(transport, clock).read()


@pytest.mark.parametrize("keep", [80, 82, 0])
def test_establish_session_with_a_wrong_length(phone: Phone, clock: FrozenClock, keep: int) -> None:
    def cut(apdu: bytes, rsp: bytes) -> bytes:
        if apdu[1] == INS_ESTABLISH_SESSION:
            return (rsp[:-2] + b"\x00")[:keep] + b"\x90\x00"
        return rsp

    transport = wired(phone, cut)
    with pytest.raises(ProtocolError, match=f"ESTABLISH SESSION answered {keep} bytes, expected 81"):
        kernel(transport, clock).read()
    assert transport.disconnects == 1


def test_establish_session_with_an_off_curve_key(phone: Phone, clock: FrozenClock) -> None:
    def off_curve(apdu: bytes, rsp: bytes) -> bytes:
        if apdu[1] == INS_ESTABLISH_SESSION:
            return b"\x04" + bytes(64) + rsp[65:]
        return rsp

    with pytest.raises(ProtocolError, match="ESTABLISH SESSION: ephemeral key is not on the P-256 curve"):
        kernel(wired(phone, off_curve), clock).read()


def test_tampered_sealed_presentation(phone: Phone, clock: FrozenClock) -> None:
    def flip(apdu: bytes, rsp: bytes) -> bytes:
        if apdu[1] == INS_GET_PRESENTATION:
            return bytes((rsp[0] ^ 1,)) + rsp[1:]
        return rsp

    with pytest.raises(VerificationError, match="GET PRESENTATION: secure-channel message failed"):
        kernel(wired(phone, flip), clock, extended_length=True).read()


class RelayMitm(ApduResponder):
    """A man in the middle: it ends the reader's session itself, opens its own session with
    the real phone, relays the reader's challenge and re-seals the phone's genuine presentation
    for the reader. Everything checks out except the session binding."""

    atr = PHONE_ATR

    def __init__(self, phone: Phone) -> None:
        super().__init__()
        self.phone = phone
        self.to_reader: SecureChannel | None = None
        self.to_phone: SecureChannel | None = None

    def on_reset(self) -> None:
        self.phone.reset()

    def _ask_phone(self, cmd: CommandApdu) -> bytes:
        whole = CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, le=65536, extended=True)
        rsp = parse_response(self.phone.process_apdu(whole.encode()))
        if rsp.sw != SW.OK:
            raise Rejected(rsp.sw)
        return rsp.data

    def handle(self, cmd: CommandApdu) -> bytes:
        if cmd.ins == INS_SELECT:
            return self._ask_phone(cmd)
        if cmd.ins == INS_ESTABLISH_SESSION:
            reader_point, reader_nonce = cmd.data[:65], cmd.data[65:]
            own = new_ephemeral_key()
            own_point, own_nonce = encode_point(own.public_key()), os.urandom(16)
            answer = self._ask_phone(CommandApdu(0x80, INS_ESTABLISH_SESSION, 0, 0, own_point + own_nonce))
            phone_point, phone_nonce = answer[:65], answer[65:]
            keys = derive_session_keys(own, phone_point,
                                       transcript(own_point, own_nonce, phone_point, phone_nonce))
            self.to_phone = SecureChannel(keys, "reader")
            fake = new_ephemeral_key()
            fake_point, fake_nonce = encode_point(fake.public_key()), os.urandom(16)
            keys = derive_session_keys(fake, reader_point,
                                       transcript(reader_point, reader_nonce, fake_point, fake_nonce))
            self.to_reader = SecureChannel(keys, "phone")
            return fake_point + fake_nonce
        if cmd.ins == INS_GET_PRESENTATION:
            assert self.to_reader is not None and self.to_phone is not None
            request = self.to_phone.seal(self.to_reader.open(cmd.data))
            signed = self.to_phone.open(self._ask_phone(CommandApdu(0x80, INS_GET_PRESENTATION, 0, 0,
                                                                    request)))
            return self.to_reader.seal(signed)
        raise Rejected(SW.INS_NOT_SUPPORTED)


def test_relayed_presentation_from_another_session_is_rejected(phone: Phone, clock: FrozenClock) -> None:
    mitm = RelayMitm(phone)
    transport = wired(mitm)
    with pytest.raises(VerificationError, match="bound to another session"):
        kernel(transport, clock).read()
    assert phone.applet.presentations == 1  # the phone did present, to the relay
    assert transport.disconnects == 1


def _card_with_fcp(new_fcp: bytes) -> FakeTransport:
    def swap_fcp(apdu: bytes, rsp: bytes) -> bytes:
        if apdu[1] == INS_SELECT and apdu[2] == 0x02:
            return new_fcp + b"\x90\x00"
        return rsp

    return wired(synthetic_card(5, INSURER), swap_fcp)


@pytest.mark.parametrize(
    ("new_fcp", "fragment"),
    [
        (bytes.fromhex("6203820101"), "FCP template has no file size \\(tag 80\\)"),
        (bytes.fromhex("620480040000"), "FCP template has no file size"),  # tag 80 runs past the end
        (bytes.fromhex("6F00"), "SELECT EF answered no FCP template \\(6f00\\)"),
        (b"", "no FCP template \\(empty\\)"),
    ],
)
def test_fcp_without_file_size(clock: FrozenClock, new_fcp: bytes, fragment: str) -> None:
    transport = _card_with_fcp(new_fcp)
    with pytest.raises(ProtocolError, match=fragment):
        kernel(transport, clock).read()
    assert transport.disconnects == 1


def test_card_signed_by_another_insurer(clock: FrozenClock) -> None:
    transport = wired(synthetic_card(5, synthetic_insurer(1)))
    with pytest.raises(VerificationError, match="signature does not verify"):
        kernel(transport, clock).read()
    assert transport.disconnects == 1


def test_card_beneficiary_out_of_range(clock: FrozenClock) -> None:
    with pytest.raises(ProtocolError, match="beneficiary 9 is not on the card"):
        kernel(wired(synthetic_card(5, INSURER)), clock).read(beneficiary=9)


def test_disconnect_even_when_the_transport_raises(clock: FrozenClock) -> None:
    def broken(apdu: bytes) -> bytes:
        raise ConnectionError("RF field lost")

    transport = FakeTransport(broken)
    with pytest.raises(ConnectionError):
        kernel(transport, clock).read()
    assert transport.disconnects == 1

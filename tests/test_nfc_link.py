"""The ``nfc:`` link over nfcpy's UDP driver: both ends in this process, on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from apcv.links import LinkError, NoCardPresent, open_card_slot, open_reader
from apcv.links.nfc import NfcCardSlot, NfcReaderLink
from apcv.profile.r1.responder import atr_with_historical_bytes


class Device:
    """Answers each APDU with ``answer`` (or the APDU reversed) + 9000; counts resets."""

    def __init__(self, answer: bytes | None = None) -> None:
        self.atr = atr_with_historical_bytes(b"APCVTEST")
        self.answer = answer
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def process_apdu(self, apdu: bytes) -> bytes:
        return (self.answer if self.answer is not None else apdu[::-1]) + b"\x90\x00"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def url() -> str:
    return f"nfc://udp:127.0.0.1:{free_udp_port()}"


@pytest.fixture
def reader(url: str) -> Iterator[NfcReaderLink]:
    link = open_reader(url)
    yield link
    link.close()


def attached(url: str, device: Device, notes: list[str] | None = None) -> NfcCardSlot:
    slot = open_card_slot(url)
    if notes is not None:
        slot.record_notes(notes.append)
    slot.attach(device)
    return slot


def test_connect_gives_the_atr_pcsc_builds_from_the_ats(url: str, reader: NfcReaderLink) -> None:
    device = Device()
    slot = attached(url, device)
    try:
        assert reader.connect() == device.atr
        assert device.resets >= 1
        select = bytes.fromhex("00A4040006F0415043560100")
        assert reader.transceive(select) == select[::-1] + b"\x90\x00"
        assert reader.transceive(b"") == b"\x90\x00"  # an I-block without INF
    finally:
        slot.close()


def test_long_apdus_are_chained_both_ways(url: str, reader: NfcReaderLink) -> None:
    slot = attached(url, Device())
    try:
        reader.connect()
        command = bytes(range(256)) * 3
        assert reader.transceive(command) == command[::-1] + b"\x90\x00"
    finally:
        slot.close()


def test_both_ends_stay_on_loopback(url: str, reader: NfcReaderLink) -> None:
    slot = attached(url, Device())
    try:
        reader.connect()
        assert slot._clf.device.socket.getsockname()[0] == "127.0.0.1"
        assert reader._clf.device.socket.getsockname()[0] == "127.0.0.1"
    finally:
        slot.close()


def test_card_leaving_the_field_is_no_card_present(url: str, reader: NfcReaderLink) -> None:
    slot = attached(url, Device())
    reader.connect()
    slot.detach()
    started = time.monotonic()
    with pytest.raises(NoCardPresent, match="stopped answering"):
        reader.transceive(b"\x00\xa4\x04\x00")
    with pytest.raises(NoCardPresent, match="no phone or card"):
        reader.transceive(b"\x00\xa4\x04\x00")
    with pytest.raises(NoCardPresent, match="within 3 s"):
        reader.connect()
    assert time.monotonic() - started < 10
    slot.close()


def test_phone_and_card_take_turns_on_one_port(url: str, reader: NfcReaderLink) -> None:
    first, second = open_card_slot(url), open_card_slot(url)
    try:
        first.attach(Device(answer=b"\x01"))
        reader.connect()
        assert reader.transceive(b"\x00") == b"\x01\x90\x00"
        first.detach()
        second.attach(Device(answer=b"\x02"))
        reader.connect()
        assert reader.transceive(b"\x00") == b"\x02\x90\x00"
    finally:
        first.close()
        second.close()


def test_port_held_by_another_card_side(url: str) -> None:
    slot = attached(url, Device())
    try:
        with pytest.raises(LinkError, match="already used"):
            attached(url, Device())
    finally:
        slot.close()


def test_rf_drop_fault_at_an_apdu_boundary(url: str, reader: NfcReaderLink) -> None:
    notes: list[str] = []
    slot = attached(url + "?fault=drop@2", Device(), notes)
    try:
        reader.connect()
        assert reader.transceive(b"\x01") == b"\x01\x90\x00"
        with pytest.raises(NoCardPresent):
            reader.transceive(b"\x02")
        assert any("fault: RF drop at APDU 2" in note for note in notes)
    finally:
        slot.close()


def test_corrupt_garbage_reset_and_latency_faults(url: str, reader: NfcReaderLink) -> None:
    notes: list[str] = []
    device = Device()
    slot = attached(url + "?fault=corrupt@1,garbage@2,reset@3&latency=20", device, notes)
    try:
        reader.connect()
        resets = device.resets
        assert reader.transceive(b"\x0f") == b"\xf0\x90\x00"
        assert reader.transceive(b"\x0f") == b"\x01"
        started = time.monotonic()
        assert reader.transceive(b"\x0f") == b"\x0f\x90\x00"
        assert time.monotonic() - started >= 0.02
        assert device.resets == resets + 1
        assert [n.split(": ", 1)[1] for n in notes] == [
            "fault: byte 0 of the answer to APDU 1 inverted",
            "fault: the device answered garbage to APDU 2",
            "fault: the device reset before APDU 3",
        ]
    finally:
        slot.close()


@pytest.mark.parametrize(
    ("end", "bad", "message"),
    [
        ("reader", "nfc://udp:10.1.2.3:5000", "stay on loopback"),
        ("reader", "nfc://udp:127.0.0.1:port", "UDP port 1..65535"),
        ("card", "nfc://udp:127.0.0.1:70000", "UDP port 1..65535"),
        ("card", "nfc://udp:no-such-host.invalid:5000", "unknown host"),
        ("reader", "nfc://ble:00:11", "expected nfc://udp"),
        ("reader", "nfc://udp:127.0.0.1:5000?fault=drop@1", "takes no parameters"),
        ("card", "nfc://udp:127.0.0.1:5000?colour=red", "unknown parameter colour"),
        ("card", "nfc://udp:127.0.0.1:5000?fault=boom@1", "fault 'boom@1'"),
        ("card", "nfc://udp:127.0.0.1:5000?latency=-3", "latency"),
    ],
)
def test_bad_urls(end: str, bad: str, message: str) -> None:
    with pytest.raises(LinkError, match=message):
        if end == "reader":
            open_reader(bad).connect()
        else:
            open_card_slot(bad).attach(Device())


def test_latency_beyond_the_frame_waiting_time_is_bridged_with_wtx(url: str, reader: NfcReaderLink) -> None:
    # FWT is ~0.31 s (FWI 10); nfcpy's reader sends R(NAK) twice before giving up, so a
    # card without S(WTX) would lose the reader well before 1.2 s.
    slot = attached(url + "?latency=1200", Device())
    try:
        reader.connect()
        for command in (b"\x0f\x01", b"\x0f\x02"):
            started = time.monotonic()
            assert reader.transceive(command) == command[::-1] + b"\x90\x00"
            assert 1.2 <= time.monotonic() - started < 3
    finally:
        slot.close()

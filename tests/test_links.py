"""Unit tests of link URLs, the scheme registry and the in-process ``sim:`` link."""

from __future__ import annotations

import uuid

import pytest

from apcv.links import (
    LinkError,
    LinkUrl,
    NoCardPresent,
    UnknownLinkScheme,
    known_schemes,
    open_card_slot,
    open_reader,
)


class Device:
    """A card-side device that echoes commands and counts resets."""

    def __init__(self, atr: bytes = b"\x3b\x00") -> None:
        self.atr = atr
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def process_apdu(self, apdu: bytes) -> bytes:
        return self.atr + apdu + b"\x90\x00"


@pytest.fixture
def medium_url() -> str:
    """A ``sim:`` URL on a medium no other test uses (media are process-wide)."""
    return f"sim:test-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    ("url", "scheme", "target", "params"),
    [
        ("sim:bench", "sim", "bench", {}),
        ("sim:", "sim", "", {}),
        ("SIM:bench", "sim", "bench", {}),
        ("vpcd://127.0.0.1:35963", "vpcd", "127.0.0.1:35963", {}),
        ("pcsc://Virtual PCD 00 00", "pcsc", "Virtual PCD 00 00", {}),
        ("pcsc://Virtual%20PCD%2000%2000", "pcsc", "Virtual PCD 00 00", {}),
        ("nfc://usb:054c:06c1", "nfc", "usb:054c:06c1", {}),
        ("serial:///dev/ttyACM0", "serial", "/dev/ttyACM0", {}),
        ("sim:reader?fault=drop&latency_ms=5", "sim", "reader", {"fault": "drop", "latency_ms": "5"}),
        ("sim:bench?flag=", "sim", "bench", {"flag": ""}),
    ],
)
def test_parse_good_urls(url: str, scheme: str, target: str, params: dict[str, str]) -> None:
    parsed = LinkUrl.parse(url)
    assert (parsed.raw, parsed.scheme, parsed.target, parsed.params) == (url, scheme, target, params)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("bench", "has no scheme"),
        ("", "has no scheme"),
        (None, "has no scheme"),
        ("s1m:bench", "no valid scheme"),
        ("sim-x:bench", "no valid scheme"),
        ("1sim:bench", "no valid scheme"),
        (":bench", "no valid scheme"),
        ("sim:bench?a", "malformed query"),
        ("sim:bench?a=1&&b=2", "malformed query"),
    ],
)
def test_parse_bad_urls(url: str, fragment: str) -> None:
    with pytest.raises(LinkError, match=fragment):
        LinkUrl.parse(url)  # type: ignore[arg-type]


def test_known_schemes_include_sim() -> None:
    assert "sim" in known_schemes()


@pytest.mark.parametrize("opener", [open_reader, open_card_slot])
def test_unknown_scheme_names_the_known_ones(opener) -> None:
    with pytest.raises(UnknownLinkScheme, match=r"unknown link scheme 'foo' in 'foo:bar'; known: .*sim"):
        opener("foo:bar")


def test_registry_rejects_a_url_without_scheme() -> None:
    with pytest.raises(LinkError, match="no scheme"):
        open_reader("bench")


def test_connect_with_nothing_attached(medium_url: str) -> None:
    with pytest.raises(NoCardPresent, match="nothing attached"):
        open_reader(medium_url).connect()


def test_transceive_before_connect(medium_url: str) -> None:
    open_card_slot(medium_url).attach(Device())
    with pytest.raises(NoCardPresent, match="connect first"):
        open_reader(medium_url).transceive(b"\x00\xa4\x04\x00")


def test_exchange_through_the_sim_link(medium_url: str) -> None:
    device = Device(b"\x3b\x01")
    slot, reader = open_card_slot(medium_url), open_reader(medium_url)
    slot.attach(device)
    assert reader.connect() == b"\x3b\x01" and device.resets == 1
    assert reader.transceive(b"\x00\xb0\x00\x00") == b"\x3b\x01\x00\xb0\x00\x00\x90\x00"
    reader.disconnect()
    assert device.resets == 2
    with pytest.raises(NoCardPresent):
        reader.transceive(b"\x00\xb0\x00\x00")
    reader.disconnect()  # twice is harmless
    assert device.resets == 2


def test_transceive_after_detach(medium_url: str) -> None:
    slot, reader = open_card_slot(medium_url), open_reader(medium_url)
    slot.attach(Device())
    reader.connect()
    slot.detach()
    with pytest.raises(NoCardPresent, match="left the field"):
        reader.transceive(b"\x00\xb0\x00\x00")


def test_another_device_tapped_after_connect(medium_url: str) -> None:
    slot, reader = open_card_slot(medium_url), open_reader(medium_url)
    slot.attach(Device())
    reader.connect()
    slot.attach(Device())
    with pytest.raises(NoCardPresent, match="left the field"):
        reader.transceive(b"\x00\xb0\x00\x00")


def test_slot_close_detaches(medium_url: str) -> None:
    slot = open_card_slot(medium_url)
    slot.attach(Device())
    slot.close()
    with pytest.raises(NoCardPresent):
        open_reader(medium_url).connect()


def test_two_media_are_independent(medium_url: str) -> None:
    other_url = f"{medium_url}-other"
    first, second = Device(b"\x3b\x01"), Device(b"\x3b\x02")
    open_card_slot(medium_url).attach(first)
    open_card_slot(other_url).attach(second)
    assert open_reader(medium_url).connect() == b"\x3b\x01"
    assert open_reader(other_url).connect() == b"\x3b\x02"
    open_card_slot(other_url).detach()
    assert open_reader(medium_url).connect() == b"\x3b\x01"
    with pytest.raises(NoCardPresent):
        open_reader(other_url).connect()


def test_two_readers_share_one_medium(medium_url: str) -> None:
    open_card_slot(medium_url).attach(Device(b"\x3b\x07"))
    assert open_reader(medium_url).connect() == open_reader(medium_url).connect() == b"\x3b\x07"

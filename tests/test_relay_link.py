"""``relay://``: a phone running vsmartcard's Android Smart Card Emulator in "Remote Virtual
Smart Card" mode connects and relays a real reader's APDUs to our simulated phone.

The relaying app speaks vpcd's protocol from vpcd's side; here a small client does the same
(the app itself needs a phone and a reader: see the hardware test), and the reference reader
kernel reads the simulated phone through it."""

from __future__ import annotations

import socket

import pytest

from apcv.links.base import LinkError, LinkUrl, ReaderLink
from apcv.links.registry import open_card_slot
from apcv.links.vpcd import GET_ATR, POWER_ON, receive_message, send_message
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.reader.kernel import ReaderKernel


class RelayingApp(ReaderLink):
    """What the Android app does once a reader selects the apCV AID: connect, power on, relay."""

    def __init__(self, port: int) -> None:
        self.url = f"relaying-app:{port}"
        self._port = port
        self._sock: socket.socket | None = None

    def connect(self) -> bytes:
        self._sock = socket.create_connection(("127.0.0.1", self._port), timeout=5)
        send_message(self._sock, bytes((POWER_ON,)))
        send_message(self._sock, bytes((GET_ATR,)))
        return receive_message(self._sock) or b""

    def transceive(self, apdu: bytes) -> bytes:
        assert self._sock is not None
        send_message(self._sock, apdu)
        answer = receive_message(self._sock)
        if answer is None:
            raise LinkError("the relay closed the connection")
        return answer

    def disconnect(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@pytest.fixture
def relay():
    slot = open_card_slot("relay://127.0.0.1:0")
    yield slot
    slot.close()


def test_reader_reads_our_phone_through_the_relay(relay) -> None:
    insurer = synthetic_insurer(0)
    phone = synthetic_phone(2, insurer)
    relay.attach(phone)
    kernel = ReaderKernel(RelayingApp(relay.port), insurer.trust_anchor)
    for _ in range(2):  # each tap is a new connection
        result = kernel.read()
        assert result.kind == "phone" and result.holder == phone.wallet.insured.identity


def test_a_relay_with_nothing_attached_hangs_up(relay) -> None:
    app = RelayingApp(relay.port)
    app._sock = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
    try:
        send_message(app._sock, bytes((GET_ATR,)))
        assert receive_message(app._sock) is None
    except ConnectionResetError:
        pass  # hung up before the request arrived: the same refusal
    finally:
        app.disconnect()


def test_removal_closes_the_relayed_session(relay) -> None:
    relay.attach(synthetic_phone(2, synthetic_insurer(0)))
    app = RelayingApp(relay.port)
    app.connect()
    assert app.transceive(bytes.fromhex("00A4040006F0415043560100"))[-2:] == b"\x90\x00"
    relay.detach()
    with pytest.raises((LinkError, OSError)):
        app.transceive(bytes.fromhex("00A4040006F0415043560100"))


@pytest.mark.parametrize(("url", "message"), [
    ("relay://127.0.0.1:0?latency=5", "takes no parameters"),
    ("relay://127.0.0.1:99999", "is not a TCP port"),
])
def test_bad_relay_urls(url: str, message: str) -> None:
    with pytest.raises(LinkError, match=message):
        open_card_slot(url)


def test_busy_port_is_named(relay) -> None:
    with pytest.raises(LinkError, match=r"cannot listen on 127\.0\.0\.1"):
        open_card_slot(f"relay://127.0.0.1:{relay.port}")
    assert LinkUrl.parse("relay://0.0.0.0:35963").scheme == "relay"

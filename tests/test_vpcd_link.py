"""The vpcd: card slot against a scripted vpcd (hex frames), and its URL and fault parsing."""

from __future__ import annotations

import socket
import threading

import pytest

from apcv.links import LinkError, open_card_slot
from apcv.links.card_faults import parse_card_faults
from apcv.links.vpcd import AMBIGUOUS_SILENCE_S, receive_message, send_message


class Device:
    """Answers every APDU with its bytes reversed and 9000; counts resets."""

    atr = bytes.fromhex("3B8001")

    def __init__(self) -> None:
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def process_apdu(self, apdu: bytes) -> bytes:
        return apdu[::-1] + b"\x90\x00"


@pytest.fixture
def server():
    """A listening socket playing vpcd."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    yield listener
    listener.close()


def attach_to(server: socket.socket, url_query: str = "", device: Device | None = None):
    """Attach a device to the fake vpcd; returns (slot, device, vpcd side of the connection)."""
    device = device or Device()
    slot = open_card_slot(f"vpcd://127.0.0.1:{server.getsockname()[1]}{url_query}")
    errors: list[Exception] = []

    def attach() -> None:
        try:
            slot.attach(device)
        except LinkError as exc:
            errors.append(exc)

    thread = threading.Thread(target=attach)
    thread.start()
    conn, _ = server.accept()
    conn.settimeout(5)
    send_message(conn, b"\x04")  # vpcd's presence poll greets the card
    thread.join(10)
    assert not errors, errors
    assert receive_message(conn) == device.atr
    return slot, device, conn


def apdu(conn: socket.socket, hex_apdu: str) -> bytes | None:
    send_message(conn, bytes.fromhex(hex_apdu))
    return receive_message(conn)


def test_frames_controls_and_apdus(server):
    slot, device, conn = attach_to(server)
    assert slot.attached
    send_message(conn, b"\x01")  # power on
    send_message(conn, b"\x02")  # reset
    assert apdu(conn, "00A4040001AA") == bytes.fromhex("AA010004A4009000")
    assert device.resets == 2
    slot.detach()
    assert receive_message(conn) is None  # closed: vpcd sees the card removed
    assert not slot.attached


def test_faults_fire_once_and_are_noted(server):
    notes: list[str] = []
    slot, device, conn = attach_to(server, "?fault=corrupt@1,reset@2,garbage@3,drop@5")
    slot.record_notes(notes.append)
    assert apdu(conn, "0001") == bytes.fromhex("FE009000")  # first byte inverted
    assert apdu(conn, "0002") == bytes.fromhex("02009000") and device.resets == 1
    assert apdu(conn, "0003") == b"\x01"
    assert apdu(conn, "0004") == bytes.fromhex("04009000")
    assert apdu(conn, "0005") is None  # RF drop: the connection closes
    assert [n.split(": ", 1)[1] for n in notes] == [
        "fault: byte 0 of the answer to APDU 1 inverted",
        "fault: the device reset before APDU 2",
        "fault: the device answered garbage to APDU 3",
        "fault: RF drop at APDU 5: the device left the field",
    ]
    slot.close()


def test_mute_holds_until_detached(server):
    slot, _, conn = attach_to(server, "?fault=mute@1")
    send_message(conn, bytes.fromhex("0001"))
    conn.settimeout(0.3)
    with pytest.raises(TimeoutError):
        receive_message(conn)
    conn.settimeout(5)
    slot.detach()
    assert receive_message(conn) is None


def test_latency_delays_answers(server):
    import time

    slot, _, conn = attach_to(server, "?latency=50")
    start = time.monotonic()
    assert apdu(conn, "0001") == bytes.fromhex("01009000")
    assert time.monotonic() - start >= 0.05
    slot.close()


def test_not_listening_says_how_to_fix():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        slot = open_card_slot(f"vpcd://127.0.0.1:{port}")
        expected = (rf"vpcd is not listening on 127.0.0.1:{port}: is pcscd running with the "
                    r"vsmartcard-vpcd driver\? \(apcv-hil starts it")
        with pytest.raises(LinkError, match=expected):
            slot.attach(Device())


def test_port_taken_by_another_card(server):
    slot = open_card_slot(f"vpcd://127.0.0.1:{server.getsockname()[1]}?attach_timeout=0.3")
    with pytest.raises(LinkError, match="another virtual card probably holds that reader"):
        slot.attach(Device())  # accepted (backlog) but vpcd never talks: someone else has it


@pytest.mark.parametrize(("url", "message"), [
    ("vpcd://127.0.0.1:99999", "port '99999' is not a TCP port"),
    ("vpcd://127.0.0.1:abc", "port 'abc' is not a TCP port"),
    ("vpcd://127.0.0.1:35963?fault=explode@1", "fault 'explode@1' is not KIND@N"),
    ("vpcd://127.0.0.1:35963?fault=drop@0", "fault 'drop@0' is not KIND@N"),
    ("vpcd://127.0.0.1:35963?fault=drop", "fault 'drop' is not KIND@N"),
    ("vpcd://127.0.0.1:35963?fault=drop@2,reset@2", "two faults at APDU 2"),
    ("vpcd://127.0.0.1:35963?latency=-1", "latency='-1' must be milliseconds"),
    ("vpcd://127.0.0.1:35963?latency=soon", "latency='soon' must be milliseconds"),
    ("vpcd://127.0.0.1:35963?attach_timeout=x", "attach_timeout must be seconds"),
    ("vpcd://127.0.0.1:35963?speed=1", "unknown parameter speed"),
])
def test_bad_urls(url, message):
    with pytest.raises(LinkError, match=message.replace("?", r"\?")):
        open_card_slot(url)


def test_fault_description():
    faults = parse_card_faults({"fault": "drop@3,corrupt@1", "latency": "20"}, "vpcd:")
    assert faults.describe() == "latency 20 ms, corrupt at APDU 1, drop at APDU 3"
    assert parse_card_faults({}, "vpcd:").describe() == "none"


@pytest.mark.apcv_requirement("APCV-NFC-050")
def test_one_byte_command_that_is_no_control_code_is_answered(server):
    slot, _, conn = attach_to(server)
    send_message(conn, b"\x05")  # vpcd never sends 05 as control: a reader's 1-byte command
    assert receive_message(conn) == bytes.fromhex("059000")
    slot.close()


@pytest.mark.apcv_requirement("APCV-NFC-050")
def test_power_payload_followed_by_silence_was_a_command(server):
    """vpcd follows a real power off/on/reset at once; silence means it waits for an answer."""
    import time

    slot, device, conn = attach_to(server)
    send_message(conn, b"\x01")  # a real power on: the ATR request follows, no extra answer
    send_message(conn, b"\x04")
    assert receive_message(conn) == device.atr
    started = time.monotonic()
    send_message(conn, b"\x00")  # then silence: a 1-byte command waiting for its answer
    assert receive_message(conn) == bytes.fromhex("009000")
    assert AMBIGUOUS_SILENCE_S <= time.monotonic() - started < AMBIGUOUS_SILENCE_S + 2
    assert device.resets == 2
    assert apdu(conn, "0001") == bytes.fromhex("01009000")  # and the stream stays in step
    slot.close()

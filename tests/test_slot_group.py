"""One device on several card-side links at once (apcv/links/slot_group.py): what `apcv-hil simulate
phone --link vpcd:... --link nfc://udp:...` does, so a PC/SC bench can still send 0- and 1-byte
commands to the same phone."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest

from apcv.links import NoCardPresent, open_card_slot, open_reader
from apcv.links.slot_group import SerializedDevice, SlotGroup
from apcv.profile.r1.responder import atr_with_historical_bytes


class Device:
    """Answers each APDU with the APDU reversed + 9000."""

    atr = atr_with_historical_bytes(b"APCVTEST")

    def reset(self) -> None:
        pass

    def process_apdu(self, apdu: bytes) -> bytes:
        return apdu[::-1] + b"\x90\x00"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_device_in_a_group_answers_on_every_link_and_leaves_them_together() -> None:
    sim, nfc = f"sim:group-{uuid.uuid4().hex}", f"nfc://udp:127.0.0.1:{free_udp_port()}"
    group = SlotGroup([open_card_slot(sim), open_card_slot(nfc)])
    readers = [open_reader(sim), open_reader(nfc)]
    device = Device()
    try:
        group.attach(device)
        group.attach(device)  # presented again: no change
        for reader in readers:
            reader.connect()
            assert reader.transceive(b"") == b"\x90\x00"  # an empty command reaches the device
            assert reader.transceive(b"\x01") == b"\x01\x90\x00"  # and a 1-byte one
            reader.disconnect()
        group.detach()
        for reader in readers:
            with pytest.raises(NoCardPresent):
                reader.connect()
    finally:
        for reader in readers:
            reader.close()
        group.close()


class Overlapping:
    """Notes whether two commands were ever processed at the same time."""

    atr = b"\x3b\x00"

    def __init__(self) -> None:
        self.inside = 0
        self.overlapped = False

    def reset(self) -> None:
        pass

    def process_apdu(self, apdu: bytes) -> bytes:
        self.inside += 1
        self.overlapped |= self.inside > 1
        time.sleep(0.01)
        self.inside -= 1
        return b"\x90\x00"


def test_commands_from_two_links_reach_the_device_one_at_a_time() -> None:
    device = Overlapping()
    serialized = SerializedDevice(device)
    threads = [threading.Thread(target=lambda: [serialized.process_apdu(b"\x00") for _ in range(10)])
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not device.overlapped and serialized.atr == device.atr


def test_an_empty_group_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        SlotGroup([])


def test_simulate_phone_names_a_bad_second_link_in_one_line() -> None:
    from click.testing import CliRunner

    from harness.cli import cli

    result = CliRunner().invoke(cli, ["simulate", "phone", "--link", f"sim:cli-{uuid.uuid4().hex}",
                                      "--link", "nfc://udp:10.1.2.3:5000"])
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert lines == ["apcv-hil: error: nfc://udp:10.1.2.3:5000: nfc udp links stay on loopback (127.0.0.1), "
                     "not 10.1.2.3"], result.stderr

"""Parts of the bench around a billing program: the devices process's file and control channel, the
network that loses an answer, the serial port and the virtual keyboard the harness types QR codes with."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest
import serial

from apcv.links import open_card_slot, open_reader
from apcv.seeded_keys import synthetic_insurer
from harness.dut.control import ApiControl, ControlError
from harness.dut.control_server import ControlServer
from harness.dut.devices import DeviceSet, DeviceSpecError, DevicesSpec, load_spec
from harness.practice.keyboard import KeyboardUnavailable, key_names, keyboard_problem
from harness.practice.network import LossyNetwork
from harness.practice.scanner_input import PtyScanner
from simulators.factory import synthetic_insured, synthetic_phone
from simulators.reader.errors import AppLocked
from simulators.reader.kernel import ReaderKernel


def test_control_actions_take_parameters_and_answer_with_data() -> None:
    server = ControlServer("tcp://127.0.0.1:0", {"qr": lambda device: {"qr": f"QR of {device}"}}, dict)
    try:
        control = ApiControl(server.url, 5)
        assert control.request({"action": "qr", "device": "parent"}) == {"ok": True, "qr": "QR of parent"}
        with pytest.raises(ControlError, match=r"'qr' failed: action 'qr': .*unexpected keyword argument"):
            control.perform("qr", device="parent", colour="red")
    finally:
        server.close()


def _phone_spec(name: str = "parent", **extra) -> dict:
    phone = synthetic_phone(3, synthetic_insurer(0))
    wallet = phone.wallet
    scalar = wallet.device_key.private_numbers().private_value
    return {"kind": "phone", "name": name, "insured": wallet.insured.to_dict(),
            "card_reference": wallet.card_reference, "key_scalar": f"{scalar:x}",
            "certificate": base64.b64encode(wallet.device_certificate_der).decode(),
            "card_data": base64.b64encode(wallet.card_data.to_bytes()).decode(), **extra}


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON"),
    (json.dumps({"devices": []}), "devices: List should have at least 1 item"),
    (json.dumps({"devices": [{"kind": "watch", "name": "x"}]}), "does not match any of the expected tags"),
    (json.dumps({"devices": [_phone_spec(key_scalar="0")]}), None),
    (json.dumps({"devices": [{"kind": "card", "name": "x", "insured": {"who": 1}}]}), None),
])
def test_a_devices_file_that_is_wrong_says_where(tmp_path, content, message):
    path = tmp_path / "devices.json"
    path.write_text(content)
    if message is not None:
        with pytest.raises(DeviceSpecError, match=message):
            load_spec(path)
        return
    spec = load_spec(path)
    with pytest.raises(DeviceSpecError, match=r"key_scalar is not a P-256|not an Insured record"):
        DeviceSet(spec, open_card_slot("sim:bad-devices"))


def test_devices_are_tapped_one_at_a_time_and_watched() -> None:
    card_holder = synthetic_insured(5).to_dict()
    spec = DevicesSpec.model_validate({"devices": [_phone_spec(locked=True), {
        "kind": "card", "name": "card", "insured": card_holder}]})
    slot = open_card_slot("sim:devices-test")
    devices = DeviceSet(spec, slot)
    kernel = ReaderKernel(open_reader("sim:devices-test"), synthetic_insurer(0).trust_anchor)
    devices.tap("parent")
    with pytest.raises(AppLocked):
        kernel.read()
    state = devices.status()["devices"]["parent"]
    assert state["locked_answers"] == 1 and state["unlocked"] is False and state["first_apdu_at"] > 0
    assert devices.qr("parent") == {"qr": None}
    devices.unlock("parent")
    assert kernel.read().kind == "phone"
    assert devices.qr("parent")["qr"].startswith("APCV1:")
    devices.tap("card")
    assert kernel.read().kind == "card" and devices.status()["on_reader"] == "card"
    with pytest.raises(DeviceSpecError, match="is a card, not a phone"):
        devices.lock("card")
    with pytest.raises(DeviceSpecError, match="no device 'ghost'"):
        devices.tap("ghost")
    devices.remove()
    assert devices.status()["on_reader"] is None and not devices.expects_attached()


class _Insurer(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = self.headers.get("content-length")
        body = self.rfile.read(int(length)) if length else self._chunked()
        _Insurer.received.append(body.decode())
        answer = json.dumps({"stored": body.decode()}).encode()
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _chunked(self) -> bytes:
        body = b""
        while (size := int(self.rfile.readline().strip(), 16)) > 0:
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return body

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def insurer() -> Iterator[ThreadingHTTPServer]:
    _Insurer.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Insurer)
    server.protocol_version = "HTTP/1.1"
    _Insurer.protocol_version = "HTTP/1.1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_network_loses_one_answer_after_the_insurer_acted(insurer) -> None:
    network = LossyNetwork(("127.0.0.1", insurer.server_address[1]))
    try:
        with httpx.Client(base_url=network.url, timeout=5) as client:
            assert client.post("/v1/claims", content=b"first").json() == {"stored": "first"}
            network.lose_next_answer("POST", "/v1/claims")
            with pytest.raises(httpx.TransportError):
                client.post("/v1/claims", content=b"second")
            assert client.post("/v1/claims", content=iter([b"thi", b"rd"])).json() == {"stored": "third"}
        assert _Insurer.received == ["first", "second", "third"]
        assert network.lost == ["POST /v1/claims"]
    finally:
        network.close()


def test_the_serial_port_knows_when_the_program_opened_it() -> None:
    scanner = PtyScanner()
    try:
        assert not scanner.opened()
        with serial.Serial(scanner.path, timeout=2) as port:
            assert scanner.wait_opened(2)
            scanner.send("APCV1:ABC")
            assert port.read_until(b"\r") == b"APCV1:ABC\r"
        assert not scanner.opened()
    finally:
        scanner.close()


SLOW_OPENER = """
import array, fcntl, os, select, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
pending = array.array("i", [0])
busy_until = time.monotonic() + 1.0
while time.monotonic() < busy_until and not pending[0]:  # setting the port up (or preempted): running
    fcntl.ioctl(fd, termios.FIONREAD, pending)
termios.tcflush(fd, termios.TCIFLUSH)  # as pyserial does when it opens a port
ready, _, _ = select.select([fd], [], [], 2)
print(os.read(fd, 100).decode() if ready else "nothing")
"""


@pytest.mark.parametrize("wait", ["wait_opened", "wait_ready"])
def test_a_qr_reaches_a_program_that_flushes_its_port_after_opening_it(wait: str) -> None:
    """The QR is written once the program waits, not as soon as it has opened its port: a program
    that discards pending input after opening it (pyserial does), preempted in between on a loaded
    machine, lost the QR that a test then billed as 'nothing presented'."""
    scanner = PtyScanner()
    program = subprocess.Popen([sys.executable, "-c", SLOW_OPENER, scanner.path], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert getattr(scanner, wait)(10)
        scanner.send("APCV1:ABC")
        received = program.communicate(timeout=10)[0].strip()
    finally:
        program.kill()
        scanner.close()
    # written as soon as the port was open (as it was), the QR arrives while the program is busy
    # and is discarded with the rest of its pending input
    assert received == ("nothing" if wait == "wait_opened" else "APCV1:ABC")


def test_a_wedge_types_every_base45_character() -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    assert {key_names(c)[0] for c in alphabet} >= {"KEY_A", "KEY_SEMICOLON", "KEY_SPACE"}
    assert key_names("A") == ("KEY_A", True) and key_names(":") == ("KEY_SEMICOLON", True)
    with pytest.raises(KeyboardUnavailable, match="cannot type 'é'"):
        key_names("é")


def test_the_virtual_keyboard_types_a_qr() -> None:
    if problem := keyboard_problem():
        pytest.skip(f"no virtual keyboard on this machine: {problem}")
    import evdev

    from harness.practice.keyboard import VirtualKeyboard

    keyboard = VirtualKeyboard()
    try:
        device = next(evdev.InputDevice(p) for p in evdev.list_devices()
                      if evdev.InputDevice(p).name == "apcv-hil virtual QR scanner")
        keyboard.type_line("APCV1:")
        pressed = [evdev.ecodes.KEY[e.code] for e in device.read()
                   if e.type == evdev.ecodes.EV_KEY and e.value == 1]
        assert "KEY_ENTER" in pressed and "KEY_LEFTSHIFT" in pressed
    finally:
        keyboard.close()

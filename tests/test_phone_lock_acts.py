"""The acts on the phone's own lock (enter_code, biometric, reactivate) in every kind of control,
and the ``frames:`` camera that films the screen a phone process keeps in a picture file."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from apcv.clock import FrozenClock
from apcv.errors import ApcvError
from apcv.links import open_card_slot
from apcv.links.base import LinkError
from apcv.links.registry import open_display, open_scanner
from apcv.links.scanner_base import ScanTimeout
from apcv.seeded_keys import synthetic_insurer
from harness.cli.simulate import _phone_actions
from harness.dut.control import (
    ActUnavailable,
    ApiControl,
    CommandControl,
    ControlError,
    InProcessControl,
    PromptControl,
)
from harness.dut.control_server import ControlServer
from simulators.factory import synthetic_phone
from simulators.phone.phone import Phone


@pytest.fixture
def phone() -> Phone:
    made = synthetic_phone(2, synthetic_insurer(0), FrozenClock(), code="0000", locked=True)
    made.lock.policy.biometric_failure_rate = 0.0
    return made


def test_the_phone_reports_what_each_act_did(phone: Phone) -> None:
    assert phone.enter_code("1234") == {"unlocked": False, "refused": "wrong secret code, 2 tries left"}
    assert phone.biometric("mismatch")["unlocked"] is False
    assert phone.lock.tries_left == 2  # a biometric mismatch is not a wrong code
    assert phone.enter_code("0000") == {"unlocked": True}
    phone.lock.lock()
    assert phone.biometric("match")["unlocked"] is True
    with pytest.raises(ApcvError, match="biometric result 'maybe'"):
        phone.biometric("maybe")


def test_three_wrong_codes_block_until_reactivation(phone: Phone) -> None:
    for _ in range(3):
        phone.enter_code("1111")
    assert phone.enter_code("0000")["refused"].startswith("the app is blocked")
    assert phone.biometric("match")["unlocked"] is False
    assert phone.reactivate("0000") is None
    assert not phone.lock.unlocked and phone.enter_code("0000")["unlocked"] is True


@pytest.mark.parametrize("code", ["12a4", "12345", "123", "", "١٢٣٤"])
def test_a_malformed_reactivation_code_is_refused_and_changes_nothing(phone: Phone, code: str) -> None:
    phone.enter_code("1111")
    assert phone.reactivate(code) == {"refused": "the secret code must be exactly 4 digits"}
    assert phone.lock.tries_left == 2 and phone.lock.code == "0000"


def test_the_simulator_channel_carries_the_acts_with_their_parameters(phone: Phone) -> None:
    slot = open_card_slot("sim:lock-acts")
    server = ControlServer("tcp://127.0.0.1:0", _phone_actions(phone, slot), lambda: {})
    try:
        control = ApiControl(server.url, 5)
        control.perform("enter_code", code="9999")
        assert phone.lock.tries_left == 2
        assert control.request({"action": "enter_code", "code": "0000"}) == {"ok": True, "unlocked": True}
        assert control.perform("biometric", result="mismatch") == \
            "biometric unlock failed: not the enrolled face or finger"
        assert control.perform("reactivate", code="12345") == "the secret code must be exactly 4 digits"
        assert control.perform("reactivate", code="0000") is None
        with pytest.raises(ControlError, match="missing a required argument: 'code'"):
            control.perform("enter_code")
        with pytest.raises(ControlError, match="biometric result 'sometimes'"):
            control.perform("biometric", result="sometimes")
    finally:
        server.close()
        slot.close()


def test_a_person_is_told_the_code_to_type() -> None:
    out = io.StringIO()
    assert PromptControl(5, present=True, stdin=io.StringIO("\n"), stdout=out).perform(
        "enter_code", code="4321") is None
    assert "type the secret code 4321" in out.getvalue()
    assert "type r, then Enter, if the app refused it" in out.getvalue()
    out = io.StringIO()
    prompt = PromptControl(5, present=True, stdin=io.StringIO("\n"), stdout=out)
    prompt.perform("biometric", result="mismatch")
    assert "biometrics: mismatch" in out.getvalue()


@pytest.mark.parametrize(("typed", "action", "refused"), [
    ("r\n", "reactivate", "refused (the person at the bench said so)"),
    (" Refused \n", "enter_code", "refused (the person at the bench said so)"),
    ("\n", "reactivate", None),
    ("whatever\n", "biometric", None),
    ("r\n", "lock", None),  # not an act the app refuses: Enter confirms it, whatever was typed
])
def test_a_person_reports_a_refused_act(typed: str, action: str, refused: str | None) -> None:
    out = io.StringIO()
    prompt = PromptControl(5, present=True, stdin=io.StringIO(typed), stdout=out)
    assert prompt.perform(action, code="12345", result="match") == refused
    assert ("if the app refused it" in out.getvalue()) is (action != "lock")


def test_a_command_reports_a_refused_act_by_its_exit_status() -> None:
    say = (f"{sys.executable} -c \"import sys; print('first'); print('the code must be 4 digits'); "
           "sys.exit(3)\"")
    control = CommandControl({"reactivate": say, "lock": say,
                              "biometric": f"{sys.executable} -c \"import sys; sys.exit(3)\""}, 10)
    assert control.perform("reactivate", code="12345") == "the code must be 4 digits"
    assert control.perform("biometric", result="match") == "refused (the command said so)"
    with pytest.raises(ControlError, match="command for 'lock' exited with 3: first"):
        control.perform("lock")  # the app does not refuse a lock: exit 3 is a failure there


def test_a_command_gets_the_code_and_a_missing_command_is_not_judged(tmp_path: Path) -> None:
    typed = tmp_path / "typed"
    write = f"{sys.executable} -c \"open('{typed}', 'w').write('{{code}}')\""
    control = CommandControl({"enter_code": write}, 10)
    control.perform("enter_code", code="2468")
    assert typed.read_text() == "2468"
    with pytest.raises(ActUnavailable, match="no command for 'biometric'"):
        control.perform("biometric", result="match")


def test_in_process_acts_take_their_parameters(phone: Phone) -> None:
    control = InProcessControl({"enter_code": phone.enter_code, "unlock": phone.unlock,
                                "odd": lambda: {"refused": 7}, "quiet": lambda: {"refused": None}})
    assert control.perform("enter_code", code="1111") == "wrong secret code, 2 tries left"
    assert control.perform("enter_code", code="0000") is None
    assert phone.lock.unlocked
    assert control.perform("odd") == "refused (7)" and control.perform("quiet") is None
    with pytest.raises(ActUnavailable, match="cannot 'reactivate'"):
        control.perform("reactivate", code="0000")
    with pytest.raises(ControlError, match="'unlock' failed: wrong secret code"):
        control.perform("unlock", code="7777")


def test_a_frames_camera_films_the_screen_a_phone_keeps(tmp_path: Path, phone: Phone) -> None:
    picture = tmp_path / "screen.pgm"
    display = open_display(f"frames:{picture}?poll=0.02")
    camera = open_scanner(f"frames:{picture}?timeout=2&poll=0.02")
    try:
        display.show(phone)
        with pytest.raises(ScanTimeout, match=r"no QR payload within 0.2 s \(no picture at"):
            camera.read_payload(0.2)  # locked: the screen shows no code
        phone.unlock()
        assert camera.read_payload() == phone.qr_payload()
        phone.lock.lock()
        time.sleep(0.2)
        with pytest.raises(ScanTimeout):
            camera.read_payload(0.2)
    finally:
        display.close()
        camera.close()


@pytest.mark.parametrize(("url", "message"), [
    ("frames:", "name it"),
    ("frames:/no/such/folder/screen.pgm", "the camera cannot see the screen: folder /no/such/folder"),
    ("frames:/tmp/x.pgm?focus=1", "unknown parameter focus"),
    ("frames:/tmp/x.pgm?decoder=eyes", "eyes"),
])
def test_a_frames_camera_refuses_a_bad_url_in_one_line(url: str, message: str) -> None:
    with pytest.raises(LinkError, match=message) as exc:
        open_scanner(url)
    assert "\n" not in str(exc.value)


def test_a_file_that_is_not_a_picture_is_named(tmp_path: Path) -> None:
    picture = tmp_path / "screen.pgm"
    picture.write_bytes(b"not a picture")
    camera = open_scanner(f"frames:{picture}")
    with pytest.raises(LinkError, match="not a picture a display wrote"):
        camera.read_payload(0.1)

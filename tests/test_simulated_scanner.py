"""The simulated scanner device: films the phone's screen, sends each new code once, with its terminator."""

from __future__ import annotations

import pytest

from apcv.clock import FrozenClock
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.scanner.device import ScannerDeviceError, SimulatedScanner


@pytest.fixture
def phone():
    return synthetic_phone(2, synthetic_insurer(0), FrozenClock())


@pytest.mark.parametrize(("terminator", "suffix"), [("cr", b"\r"), ("crlf", b"\r\n"), ("tab", b"\t")])
def test_sends_the_code_then_its_terminator(phone, terminator, suffix):
    scanner = SimulatedScanner.under("glare-mild", terminator=terminator)
    scanner.look_at(phone)
    assert scanner.next_message() == phone.qr_payload().encode() + suffix


def test_each_code_is_sent_once_and_the_next_after_a_rotation(phone):
    scanner = SimulatedScanner.under("nominal", "zxing")
    scanner.look_at(phone)
    first = scanner.next_message()
    assert scanner.next_message(max_frames=5) is None  # the same code is still in view
    phone.clock.advance(30)
    assert scanner.next_message() == phone.qr_payload().encode() + b"\r" != first
    assert scanner.frames == 7


def test_nothing_in_view_or_unreadable_sends_nothing(phone):
    scanner = SimulatedScanner.under("nominal", "zbar")
    assert scanner.next_message(max_frames=3) is None and scanner.frames == 0
    phone.lock.lock()
    scanner.look_at(phone)
    assert scanner.next_message(max_frames=3) is None
    phone.unlock()
    blurred = SimulatedScanner.under("moire-hard", "zxing")
    blurred.look_at(phone)
    assert blurred.next_message(max_frames=3) is None and blurred.frames == 3


def test_bad_settings_are_named():
    with pytest.raises(ScannerDeviceError, match="unknown terminator 'esc'; known: cr, lf, crlf, tab, none"):
        SimulatedScanner.under("nominal", terminator="esc")

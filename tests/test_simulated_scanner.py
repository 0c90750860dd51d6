"""The simulated scanner device: films the phone's screen, sends each new code once, with its terminator;
and its faulty variants."""

from __future__ import annotations

import pytest

from apcv.clock import FrozenClock
from apcv.keyboard_layouts import typed_on_azerty
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.scanner.device import ScannerDeviceError, SimulatedScanner
from simulators.scanner.variants import SEND_BUFFER, TRUNCATED_LENGTH, VARIANTS
from simulators.variant import UnknownVariant
from simulators.variants import find_variant, variants_of


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


class Picture:
    """A screen that hands back the same frame until it changes, as a display's file does."""

    def __init__(self, phone) -> None:
        self.phone = phone
        self.frame = phone.qr_frame()

    def qr_frame(self):
        return self.frame


def test_a_picture_whose_code_was_sent_is_not_filmed_again(phone):
    scanner = SimulatedScanner.under("nominal", "zxing")
    picture = Picture(phone)
    scanner.look_at(picture)
    assert scanner.next_message() is not None and scanner.frames == 1
    assert scanner.next_message(max_frames=10) is None and scanner.frames == 1
    phone.clock.advance(30)
    picture.frame = phone.qr_frame()  # the display changed: filmed again
    assert scanner.next_message() == phone.qr_payload().encode() + b"\r" and scanner.frames == 2


def _variant(name: str, terminator: str = "cr") -> SimulatedScanner:
    return find_variant("scanner", name).build("nominal", "zxing", terminator=terminator)


@pytest.fixture
def long_code(phone) -> str:
    phone.qr.select(phone.wallet.insured.beneficiaries[0].identity.nir)
    code = phone.qr_payload()
    assert len(code) > SEND_BUFFER
    return code


def test_truncating_scanner_cuts_long_codes(long_code):
    message = _variant("scanner-truncates-long-codes").message_for(long_code)
    assert message == long_code[:TRUNCATED_LENGTH].encode() + b"\r"


@pytest.mark.parametrize(("configured", "sent"), [("cr", b"\n"), ("lf", b"\r"), ("tab", b"\n")])
def test_wrong_terminator_scanner(long_code, configured, sent):
    message = _variant("scanner-wrong-terminator", configured).message_for(long_code)
    assert message == long_code.encode() + sent


def test_qwerty_scanner_types_into_an_azerty_host(long_code):
    message = _variant("scanner-qwerty-on-azerty").message_for(long_code).decode()
    assert message.startswith("QPCV&M") and message == typed_on_azerty(long_code) + "\r"


def test_dropping_scanner_loses_the_byte_past_its_buffer(long_code, phone):
    scanner = _variant("scanner-drops-under-load")
    whole = long_code.encode() + b"\r"
    assert scanner.message_for(long_code) == whole[:SEND_BUFFER] + whole[SEND_BUFFER + 1:]
    phone.qr.select(None)
    short = phone.qr_payload()
    assert len(short) + 1 <= SEND_BUFFER and scanner.message_for(short) == short.encode() + b"\r"


def test_repeating_scanner_sends_the_previous_code_again(phone):
    scanner = _variant("scanner-repeats-previous-code")
    scanner.look_at(phone)
    first = scanner.next_message()
    assert first == phone.qr_payload().encode() + b"\r"
    phone.clock.advance(30)
    assert scanner.next_message() == first + phone.qr_payload().encode() + b"\r"


def test_every_variant_is_registered_and_unknown_ones_named():
    assert {v.name for v in variants_of("scanner")} == set(VARIANTS) and len(VARIANTS) == 5
    assert all(isinstance(_variant(name), SimulatedScanner) for name in VARIANTS)
    with pytest.raises(UnknownVariant,
                       match="unknown scanner variant 'scanner-x'; the scanner variants are: scanner-drops"):
        find_variant("scanner", "scanner-x")

"""The longest token the phone shows, read whole, with the configured terminator, in the host's
keyboard layout (APCV-SCN-001, -002, -003); a code that is not a token (APCV-SCN-008)."""

from __future__ import annotations

import time

import pytest

from apcv.links.keyboard_layout import layout_hint
from apcv.trace import TraceRecorder
from harness.dut.scanner import ScannerUnderTest
from harness.dut.timing import budget_ms
from harness.rig import RigConfig
from harness.scanner_stream import ScannedLine
from scenarios.conformance.scanner.conftest import QUIET_S, Reading, watch
from scenarios.conformance.scanner.judge import (
    TOKEN_PREFIX,
    closest_form,
    difference,
    foreign_characters,
    is_code,
    layout_forms,
    terminator_name,
)
from scenarios.conformance.scanner.screens import PlanPhones, TextScreen

NOT_A_TOKEN = "https://example.invalid/not-an-apcv-token?id=0042"
NOTHING_SHOWN_S = 0.2
"""How long the display stays blank before the other code, for anything sent with nothing in view."""


@pytest.fixture(scope="module")
def longest(scanner_under_test: ScannerUnderTest, phones: PlanPhones) -> Reading:
    """The longest token (a beneficiary's, on a delegate's phone) shown until read."""
    phone = phones.longest()
    code = phone.qr_payload()
    assert code is not None
    reading = watch(scanner_under_test, [(code, phone)], wait_s=scanner_under_test.timeout)
    phones.rotate()
    return reading


def _line(reading: Reading) -> ScannedLine | None:
    lines = reading.lines_of(0)
    return lines[0] if lines else None


def _text(reading: Reading, under_test: ScannerUnderTest) -> str:
    """The text the scanner sent for the code (ended or not); fails when nothing like it came."""
    line = _line(reading)
    if line is not None:
        return line.text
    pending = reading.pending
    if pending is not None and is_code(pending.text, reading.codes[0]):
        return pending.text
    sent = ("; it sent " + ", ".join(f"{len(x.text)} characters" for x in reading.lines)
            if reading.lines else "")
    pytest.fail(f"nothing like the code ({len(reading.codes[0])} characters) arrived within "
                f"{under_test.timeout:g} s of showing it{sent}", pytrace=False)


@pytest.mark.apcv_requirement("APCV-SCN-001")
def test_the_longest_token_arrives_whole(longest: Reading, scanner_under_test: ScannerUnderTest,
                                         trace: TraceRecorder) -> None:
    longest.note_into(trace)
    code = longest.codes[0]
    text = _text(longest, scanner_under_test)
    form = closest_form(text, code)  # a keyboard-layout swap is APCV-SCN-003's
    assert text == form, f"the {len(code)}-character token did not arrive whole: {difference(text, form)}"


@pytest.mark.apcv_requirement("APCV-SCN-002")
def test_the_token_ends_with_the_configured_terminator(longest: Reading, scanner_under_test: ScannerUnderTest,
                                                       trace: TraceRecorder) -> None:
    longest.note_into(trace)
    _text(longest, scanner_under_test)
    line = _line(longest)
    wanted = terminator_name(scanner_under_test.terminator)
    pending = len(longest.pending.text) if longest.pending is not None else 0
    assert line is not None, (f"the token arrived without a terminator: {pending} characters, then nothing "
                              f"for {QUIET_S:g} s ({wanted} expected)")
    assert line.terminator == scanner_under_test.terminator, (
        f"the token ended with {terminator_name(line.terminator)}, not the configured {wanted}")
    after = longest.lines[longest.lines.index(line) + 1:]
    trailing = [x.text + terminator_name(x.terminator) for x in after]
    if longest.pending is not None:
        trailing.append(longest.pending.text)
    assert not trailing, f"after the token and its {wanted} the scanner sent {trailing!r:.80}"


@pytest.mark.apcv_requirement("APCV-SCN-003")
def test_no_character_is_swapped_by_a_keyboard_layout(longest: Reading, scanner_under_test: ScannerUnderTest,
                                                      trace: TraceRecorder) -> None:
    longest.note_into(trace)
    text = _text(longest, scanner_under_test)
    foreign = foreign_characters(text)
    assert text.startswith(TOKEN_PREFIX) and not foreign, (
        f"the token arrived as {text[:12]!r}... with {''.join(foreign)!r} in it, which no token holds: "
        f"{layout_hint(text, TOKEN_PREFIX)}")


@pytest.mark.apcv_requirement("APCV-SCN-008")
def test_a_code_that_is_not_a_token_is_not_sent_as_one(scanner_under_test: ScannerUnderTest,
                                                       phones: PlanPhones, rig: RigConfig,
                                                       trace: TraceRecorder) -> None:
    earlier = {shown.payload for shown in scanner_under_test.display.history if shown.payload}
    mark = scanner_under_test.stream.mark()
    time.sleep(NOTHING_SHOWN_S)
    sent_with_nothing = scanner_under_test.stream.lines(mark)[0]
    other = watch(scanner_under_test, [(NOT_A_TOKEN, TextScreen(NOT_A_TOKEN))],
                  wait_s=budget_ms("APCV-SCN-005", rig) / 1000, quiet_s=0)
    phones.rotate()
    code = phones.holder.qr_payload()
    assert code is not None
    token = watch(scanner_under_test, [(code, phones.holder)], wait_s=scanner_under_test.timeout, quiet_s=0)
    other.note_into(trace)
    token.note_into(trace)
    assert not sent_with_nothing, (
        f"with nothing on the display the scanner sent {len(sent_with_nothing)} line(s)")
    read = token.lines_of(0)
    assert read, (f"after a code that is not a token, the next token was not read within "
                  f"{scanner_under_test.timeout:g} s")
    before = other.lines + token.lines[:token.lines.index(read[0])]
    token_like = [line.text for line in before if line.text.startswith(layout_forms(TOKEN_PREFIX))
                  and not any(is_code(line.text, old) for old in earlier)]  # an old code is APCV-SCN-004's
    assert not token_like, (
        f"shown a code that is not a token, the scanner sent a token-like line {token_like[0][:16]!r}...")

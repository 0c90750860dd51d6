"""The phone's code rotates in front of the scanner: each new code is read once, no old one is
sent again (APCV-SCN-004), each within the display-to-last-character budget (APCV-SCN-005)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apcv.links.scanner_base import QrScreen
from apcv.trace import TraceRecorder
from harness.dut.scanner import ScannerUnderTest
from harness.dut.timing import budget_ms, judge
from harness.rig import RigConfig
from scenarios.conformance.scanner.conftest import Reading, watch
from scenarios.conformance.scanner.judge import is_code
from scenarios.conformance.scanner.screens import PlanPhones

ROTATIONS = 3


def _rotating(phones: PlanPhones) -> Iterator[tuple[str, QrScreen]]:
    """The holder's phone, rotated to its next code each time the last one was read."""
    phone = phones.holder
    for rotation in range(ROTATIONS + 1):
        if rotation:
            phones.rotate()
        code = phone.qr_payload()
        assert code is not None
        yield code, phone


@pytest.fixture(scope="module")
def rotations(scanner_under_test: ScannerUnderTest, phones: PlanPhones,
              rig: RigConfig) -> tuple[Reading, set[str]]:
    """What the scanner sent while the phone's code rotated (each code shown until read, the
    last one for the APCV-SCN-005 budget more), and the codes shown before."""
    earlier = {shown.payload for shown in scanner_under_test.display.history if shown.payload}
    phones.rotate()
    reading = watch(scanner_under_test, _rotating(phones), wait_s=scanner_under_test.timeout,
                    quiet_s=budget_ms("APCV-SCN-005", rig) / 1000)
    return reading, earlier


@pytest.mark.apcv_requirement("APCV-SCN-004")
def test_each_new_code_is_read_once_and_no_old_one_again(rotations: tuple[Reading, set[str]],
                                                         scanner_under_test: ScannerUnderTest,
                                                         trace: TraceRecorder) -> None:
    reading, earlier = rotations
    reading.note_into(trace)
    codes = reading.codes
    for index in range(len(codes)):
        sent = len(reading.lines_of(index))
        assert sent, (f"code {index + 1} of {len(codes)} (after rotation {index}) was not sent within "
                      f"{scanner_under_test.timeout:g} s of appearing")
        assert sent == 1, f"code {index + 1} of {len(codes)} was sent {sent} times"
    newest = -1
    for line in reading.lines:
        index = next((i for i, code in enumerate(codes) if is_code(line.text, code)), None)
        if index is None:
            stale = any(is_code(line.text, old) for old in earlier)
            assert not stale, "a code shown before this test (already sent) was sent again"
            continue
        assert index >= newest, f"code {index + 1} was sent again after code {newest + 1} appeared"
        newest = index


@pytest.mark.apcv_requirement("APCV-SCN-005")
def test_display_to_last_character_within_budget(rotations: tuple[Reading, set[str]], rig: RigConfig,
                                                 measure, trace: TraceRecorder) -> None:
    reading, _ = rotations
    reading.note_into(trace)
    measured = []
    for index, shown_at in enumerate(reading.shown_at):
        lines = reading.lines_of(index)
        if lines and shown_at is not None:
            measured.append((lines[0].ended - shown_at) * 1000)
    assert measured, "no code was read: nothing to time"
    value, budget = judge("APCV-SCN-005", measured, rig, measure)
    assert value <= budget, (f"the slowest of {len(measured)} codes reached the host {value:.0f} ms after it "
                             f"appeared, over the {budget:.0f} ms budget")

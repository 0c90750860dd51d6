"""The read rate under camera conditions (APCV-SCN-006 mild, APCV-SCN-007 hard): the display
shows the phone's code as each condition of `apcv-hil qr-bench` makes it look (the picture a
camera would take, at the screen's scale), and the scanner films it in turn. A code counts as
read when the scanner sends it while the plan shows the codes, each shown until read or for the
display-to-last-character budget (APCV-SCN-005)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from apcv.imaging.conditions import CONDITIONS, Condition
from apcv.links.scanner_base import QrScreen
from apcv.trace import TraceRecorder
from harness.dut.scanner import ScannerUnderTest
from harness.dut.timing import budget_ms
from harness.rig import RigConfig
from scenarios.conformance.scanner.conftest import watch
from scenarios.conformance.scanner.screens import PictureScreen, PlanPhones

CLASSES = [
    pytest.param("mild", 0.95, marks=pytest.mark.apcv_requirement("APCV-SCN-006"), id="mild"),
    pytest.param("hard", 0.50, marks=pytest.mark.apcv_requirement("APCV-SCN-007"), id="hard"),
]


def _pictures(phones: PlanPhones, conditions: list[Condition]) -> Iterator[tuple[str, QrScreen]]:
    """A new code of the holder's phone under each condition, each rendered in a thread while
    the scanner reads the one before."""
    def render(seed: int, condition: Condition) -> PictureScreen:
        phones.rotate()
        return PictureScreen.of(phones.holder, condition, seed)

    with ThreadPoolExecutor(max_workers=1) as renderer:
        coming = [renderer.submit(render, seed, condition) for seed, condition in enumerate(conditions)]
        for future in coming:
            screen = future.result()
            yield screen.payload, screen


@pytest.mark.parametrize(("level", "threshold"), CLASSES)
def test_read_rate_per_condition_class(level: str, threshold: float, scanner_under_test: ScannerUnderTest,
                                       phones: PlanPhones, rig: RigConfig, measure, record_property,
                                       trace: TraceRecorder) -> None:
    conditions = [c for c in CONDITIONS.values() if c.level == level]
    window_s = budget_ms("APCV-SCN-005", rig) / 1000
    reading = watch(scanner_under_test, _pictures(phones, conditions), wait_s=window_s, quiet_s=0)
    reading.note_into(trace)
    missed = [c.name for i, c in enumerate(conditions) if not reading.lines_of(i)]
    rate = 1 - len(missed) / len(conditions)
    measure(f"read rate, {level} conditions", round(rate * 100, 1), unit="%", low=threshold * 100)
    record_property(f"missed, {level} conditions", ", ".join(missed) or "none")
    assert rate >= threshold, (
        f"read {len(conditions) - len(missed)} of {len(conditions)} codes under the {level} conditions "
        f"({rate:.0%}, under {threshold:.0%}); missed: {', '.join(missed)}")

"""Fixtures of the scanner plan: the scanner under test (a display to show codes on, the stream
of what it sends), the phones whose codes are shown, a trace per test."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest

from apcv.errors import ApcvError
from apcv.links.scanner_base import QrScreen
from apcv.trace import TraceRecorder
from harness.dut.scanner import ScannerUnderTest
from harness.pytest_plugin.keys import TRACE_KEY
from harness.rig import RigConfig
from harness.roles import get_role
from harness.scanner_stream import Pending, ScannedLine
from scenarios.conformance.scanner.judge import is_code, terminator_name
from scenarios.conformance.scanner.screens import PlanPhones

QUIET_S = 0.3
"""How long the plan watches, after a code was read, for anything more the scanner sends."""


@pytest.fixture(scope="session")
def scanner_under_test(rig: RigConfig, dut_process: None) -> Iterator[ScannerUnderTest]:
    """The rig's scanner with its display, for the whole plan (skipped on a rig without them),
    once the process the rig launches for its DUT (``dut.launch``) is up."""
    missing = [role for role in ("display", "scanner") if getattr(rig.roles, role) is None]
    if missing:
        pytest.skip(f"rig '{rig.name}' has no {' and no '.join(missing)} role: the scanner plan needs a "
                    "display to show codes on and the scanner's link")
    with contextlib.ExitStack() as stack:
        try:
            under_test = stack.enter_context(get_role("scanner").world(rig))
        except ApcvError as exc:
            pytest.fail(f"scanner under test on rig '{rig.name}': {exc}", pytrace=False)
        yield under_test


@pytest.fixture(scope="session")
def phones(rig: RigConfig) -> PlanPhones:
    """The phones whose codes the plan shows (the rig's simulated phone, and a delegate's)."""
    if rig.roles.phone is None or not rig.roles.phone.simulated:
        pytest.skip(f"rig '{rig.name}' has no simulated phone whose codes the display could show")
    return PlanPhones(rig)


@pytest.fixture
def trace(request: pytest.FixtureRequest, scanner_under_test: ScannerUnderTest) -> TraceRecorder:
    """The test's trace (kept with its report): what was shown, and each line the scanner sent,
    stamped with the scanner's link URL."""
    recorder = TraceRecorder(link=scanner_under_test.link.url)
    request.node.stash[TRACE_KEY] = recorder
    return recorder


@dataclass(frozen=True)
class Reading:
    """What the scanner sent while the plan showed ``codes`` (in that order) and after."""

    codes: list[str]
    lines: list[ScannedLine]
    pending: Pending | None
    shown_at: list[float | None]
    """When each code appeared on the display (monotonic s; None if it never did)."""

    def lines_of(self, index: int) -> list[ScannedLine]:
        """The lines that are the ``index``-th code shown."""
        return [line for line in self.lines if is_code(line.text, self.codes[index])]

    def note_into(self, trace: TraceRecorder) -> None:
        """Note in ``trace`` each code shown and each line sent (a token's first characters only)."""
        for number, code in enumerate(self.codes, start=1):
            trace.note(f"display showed code {number}: {len(code)} characters, {code[:12]}...")
        for line in self.lines:
            trace.note(f"scanner sent {len(line.text)} characters then {terminator_name(line.terminator)}: "
                       f"{line.text[:12]}...")
        if self.pending is not None:
            trace.note(f"scanner sent {len(self.pending.text)} characters and no terminator: "
                       f"{self.pending.text[:12]}...")


def watch(under_test: ScannerUnderTest, screens: Iterable[tuple[str, QrScreen]], *, wait_s: float,
          quiet_s: float = QUIET_S) -> Reading:
    """Show each screen (its code, and the screen) in turn until the scanner sent that code, at
    most ``wait_s`` each, watch ``quiet_s`` more after the last and blank the display; what was
    shown and what the scanner sent. ``screens`` may be a generator: it rotates phones lazily."""
    stream, display = under_test.stream, under_test.display
    mark = stream.mark()
    codes: list[str] = []
    for code, screen in screens:
        codes.append(code)
        display.show(screen)
        stream.wait_for(lambda lines, c=code: any(is_code(line.text, c) for line in lines), wait_s, mark)
    time.sleep(quiet_s)
    display.show(None)
    lines, pending = stream.lines(mark)
    shown = [under_test.shown_at(code) for code in codes]
    return Reading(codes, lines, pending, [s.at if s is not None else None for s in shown])

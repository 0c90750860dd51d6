"""The scanner role: a 2D QR scanner shown codes on the rig's display, its reads arriving on a link."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from apcv.trace import TraceRecorder
from harness.dut.scanner import ScannerUnderTest
from harness.rig import RigConfig
from harness.roles.base import DutRole, bench_world, register


class ScannerRole(DutRole):
    """A QR scanner; the harness plays the phone's screen and reads what the scanner sends. It needs
    no control act: the harness shows it the codes itself."""

    id = "scanner"

    def reach_problem(self, config: RigConfig) -> str | None:
        roles = config.roles
        if roles.scanner is None:
            return "a scanner DUT needs roles.scanner (the link its reads arrive on: serial: or wedge:)"
        if roles.display is None:
            return "a scanner DUT needs roles.display (where the harness shows it the codes: screen:)"
        if roles.phone is None or not roles.phone.simulated:
            return ("a scanner DUT needs roles.phone with simulated: true "
                    "(the phone whose codes the display shows)")
        return None

    def simulated(self, config: RigConfig) -> bool:
        return config.simulated_scanner()

    on_bench = False

    def world(self, config: RigConfig, folder: Path | None = None, *,
              recorder: TraceRecorder | None = None) -> AbstractContextManager[ScannerUnderTest]:
        """The rig's display to show codes on and the stream of what the scanner sends (our
        simulated scanner started as a process of its own when the rig's is in-process)."""
        return ScannerUnderTest(config)

    def probe(self, config: RigConfig) -> dict[str, str]:
        with bench_world(config) as bench:
            return {"scanner_link": bench.scanner.url}


register(ScannerRole())

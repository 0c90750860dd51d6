"""The scanner role: a 2D QR scanner shown codes on the rig's display, its reads arriving on a link."""

from __future__ import annotations

from harness.bench import Bench
from harness.dut.roles.base import DutRole, register
from harness.rig import RigConfig


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

    def probe(self, config: RigConfig) -> dict[str, str]:
        with Bench(config) as bench:
            return {"scanner_link": bench.scanner.url}


register(ScannerRole())

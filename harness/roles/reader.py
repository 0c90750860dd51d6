"""The reader role: a contactless reader transport, or a terminal with its own verification logic
judged on what it reports (``dut.output``, docs/reader-terminal.md); the harness plays the phone."""

from __future__ import annotations

from harness.rig import RigConfig
from harness.roles.base import DutRole, register
from harness.roles.reach import probe_over_reader

REFERENCE_TERMINAL = ("apcv-reader-terminal",)
"""The start of the read command of our reference reader terminal (the only one with variants)."""


class ReaderRole(DutRole):
    """A reader transport or terminal; the harness plays the phone."""

    id = "reader"
    default_rig = "reader-terminal"
    reports_output = True

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.phone is None or not config.roles.phone.simulated:
            return ("a reader DUT needs roles.phone with simulated: true "
                    "(the phone the harness presents to it)")
        return None

    def simulated(self, config: RigConfig) -> bool:
        """True when the rig's read command runs our reference terminal (its variants are programs
        of their own, judged on their reports)."""
        dut = config.dut
        if dut is None or dut.output is None:
            return False
        return tuple(dut.control.actions.get("read", "").split()[:1]) == REFERENCE_TERMINAL

    def control_problem(self, config: RigConfig) -> str | None:
        dut = config.dut
        if dut is None or dut.output is None:
            return None
        if dut.control.kind == "api" or (dut.control.kind == "command" and "read" not in dut.control.actions):
            return ("a reader terminal is driven by kind command with actions.read (its command template, "
                    "see docs/reader-terminal.md) or by kind prompt (a person)")
        if dut.output.kind == "prompt" and dut.control.kind != "prompt":
            return "an output of kind prompt (a person reads the screen) needs control kind prompt"
        return None

    def variant_hint(self) -> str:
        return (f"the reader's variants are terminal programs: give dut.output and a read command running "
                f"{' '.join(REFERENCE_TERMINAL)} (rigs/reader-terminal.yaml)")

    def probe(self, config: RigConfig) -> dict[str, str]:
        return probe_over_reader(config, "phone", self.world(config))


register(ReaderRole())

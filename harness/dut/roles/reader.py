"""The reader role: a contactless reader (and its kernel) the harness presents simulated phones to."""

from __future__ import annotations

from harness.dut.roles.base import DutRole, register
from harness.dut.roles.reach import probe_over_reader
from harness.rig import RigConfig


class ReaderRole(DutRole):
    """A reader transport or terminal; the harness plays the phone."""

    id = "reader"

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.phone is None or not config.roles.phone.simulated:
            return ("a reader DUT needs roles.phone with simulated: true "
                    "(the phone the harness presents to it)")
        return None

    def simulated(self, config: RigConfig) -> bool:
        return True  # the reader kernel under test always runs in the harness (a variant replaces it)

    def probe(self, config: RigConfig) -> dict[str, str]:
        return probe_over_reader(config, "phone")


register(ReaderRole())

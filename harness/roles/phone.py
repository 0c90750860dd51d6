"""The phone role: the apCV app, reached through the harness's reader (and a camera for its QR)."""

from __future__ import annotations

from harness.bench import Bench
from harness.rig import RigConfig
from harness.roles.base import DutRole, register
from harness.roles.reach import probe_over_reader
from harness.roles.state import phone_state_problem


class PhoneRole(DutRole):
    """A phone presenting the apCV over NFC (and a QR on its screen)."""

    id = "phone"
    acts = ("tap", "lock", "unlock", "enter_code", "biometric", "reactivate")
    reset_acts = ("remove", "tap", "unlock")

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.phone is None:
            return "a phone DUT needs roles.phone (the link the phone is on) and roles.reader"
        return None

    def simulated(self, config: RigConfig) -> bool:
        return config.roles.phone is not None and config.roles.phone.simulated

    def probe(self, config: RigConfig) -> dict[str, str]:
        return probe_over_reader(config, "phone", self.world(config))

    def state_problem(self, bench: Bench) -> str | None:
        """On the reader, the apCV application selectable, the app unlocked."""
        return phone_state_problem(bench.reader_link)


register(PhoneRole())

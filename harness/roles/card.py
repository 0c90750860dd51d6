"""The card role: the physical Vitale card, reached through the harness's reader."""

from __future__ import annotations

from harness.rig import RigConfig
from harness.roles.base import DutRole, register
from harness.roles.reach import probe_over_reader


class CardRole(DutRole):
    """The physical card as an ISO 7816 card."""

    id = "card"
    acts = ("tap",)

    def reach_problem(self, config: RigConfig) -> str | None:
        if config.roles.card is None:
            return "a card DUT needs roles.card (the link the card is on) and roles.reader"
        return None

    def simulated(self, config: RigConfig) -> bool:
        return config.roles.card is not None and config.roles.card.simulated

    def probe(self, config: RigConfig) -> dict[str, str]:
        return probe_over_reader(config, "card", self.world(config))


register(CardRole())

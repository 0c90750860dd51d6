"""The practice-software role: a billing program reading phones and cards through PC/SC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

from apcv.links.base import LinkUrl
from apcv.trace import TraceRecorder
from harness.rig import RigConfig
from harness.roles.base import DutRole, register

if TYPE_CHECKING:
    from harness.practice.world import PracticeWorld

REFERENCE_BILLING = ("apcv-hil", "practice", "bill")
"""The start of the bill command of our reference billing program (the only one with variants)."""


class PracticeSoftwareRole(DutRole):
    """A billing program; the harness plays phones and cards on vpcd, scanner input and the backend."""

    id = "practice-software"
    acts = ("bill",)
    default_rig = "practice-software"

    def reach_problem(self, config: RigConfig) -> str | None:
        roles = config.roles
        presented = [r for r in (roles.phone, roles.card) if r is not None]
        if LinkUrl.parse(roles.reader.link).scheme != "pcsc":
            return ("a practice-software DUT reads through PC/SC: "
                    "roles.reader.link must be pcsc://READER NAME")
        if not presented or any(LinkUrl.parse(r.link).scheme != "vpcd" for r in presented):
            return ("a practice-software DUT needs roles.phone (and roles.card) on vpcd://HOST:PORT, "
                    "where the harness presents its phones and cards to the DUT's reader")
        backend = roles.backend.link if roles.backend is not None else ""
        if not backend.startswith("http://127.0.0.1:"):
            return ("a practice-software DUT needs roles.backend http://127.0.0.1:PORT (port 0: any), "
                    "where the harness serves the insurer backend with its audit log for the DUT")
        return None

    def simulated(self, config: RigConfig) -> bool:
        dut = config.dut
        template = dut.control.actions.get("bill", "") if dut is not None else ""
        return tuple(template.split()[:3]) == REFERENCE_BILLING

    def control_problem(self, config: RigConfig) -> str | None:
        control = config.dut.control if config.dut is not None else None
        if control is not None and (control.kind == "api" or (
                control.kind == "command" and "bill" not in control.actions)):
            return ("a billing program is driven by kind command with actions.bill (its command template, "
                    "see docs/practice-software.md) or by kind prompt (a person)")
        return None

    @contextmanager
    def world(self, config: RigConfig, folder: Path | None = None, *,
              recorder: TraceRecorder | None = None) -> Iterator[PracticeWorld]:
        """The backend, phones, cards and scanner around the billing program, stopped on exit."""
        from harness.practice.world import PracticeWorld  # its backend process and PC/SC: when used

        with ExitStack() as stack:
            if folder is None:
                folder = Path(stack.enter_context(TemporaryDirectory(prefix="apcv-practice-world-")))
            world = PracticeWorld(config, folder)
            stack.callback(world.close)
            yield world

    def probe(self, config: RigConfig) -> dict[str, str]:
        return {"note": "the practice software is reached through its own plan; nothing to probe"}


register(PracticeSoftwareRole())

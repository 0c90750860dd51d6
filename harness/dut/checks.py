"""Checks of a rig's device under test, made before anything runs: one error naming what
to fix (a role with no way to reach it, a control lacking an action, an unknown variant)."""

from __future__ import annotations

from apcv.errors import ApcvError
from apcv.links.base import LinkUrl
from harness.rig import RigConfig, RigError

REQUIRED_ACTIONS = {
    "phone": ("tap", "lock", "unlock", "enter_code", "biometric", "reactivate"),
    "card": ("tap",),
    "practice-software": ("bill",),
}
"""Actions the mandatory tests of a role ask of a device the harness does not simulate (a scanner
under test needs none: the harness shows it the codes on the rig's display)."""


def _reach_problem(config: RigConfig, role: str) -> str | None:
    roles = config.roles
    if role == "phone" and roles.phone is None:
        return "a phone DUT needs roles.phone (the link the phone is on) and roles.reader"
    if role == "card" and roles.card is None:
        return "a card DUT needs roles.card (the link the card is on) and roles.reader"
    if role == "reader" and (roles.phone is None or not roles.phone.simulated):
        return "a reader DUT needs roles.phone with simulated: true (the phone the harness presents to it)"
    if role == "backend" and roles.backend is None:
        return "a backend DUT needs roles.backend with its http(s):// URL"
    if role == "scanner":
        if roles.scanner is None:
            return "a scanner DUT needs roles.scanner (the link its reads arrive on: serial: or wedge:)"
        if roles.display is None:
            return "a scanner DUT needs roles.display (where the harness shows it the codes: screen:)"
        if roles.phone is None or not roles.phone.simulated:
            return ("a scanner DUT needs roles.phone with simulated: true "
                    "(the phone whose codes the display shows)")
    if role == "practice-software":
        return _billing_bench_problem(config)
    return None


REFERENCE_BILLING = ("apcv-hil", "practice", "bill")
"""The start of the bill command of our reference billing program (the only one with variants)."""


def _billing_bench_problem(config: RigConfig) -> str | None:
    roles = config.roles
    presented = [r for r in (roles.phone, roles.card) if r is not None]
    if LinkUrl.parse(roles.reader.link).scheme != "pcsc":
        return "a practice-software DUT reads through PC/SC: roles.reader.link must be pcsc://READER NAME"
    if not presented or any(LinkUrl.parse(r.link).scheme != "vpcd" for r in presented):
        return ("a practice-software DUT needs roles.phone (and roles.card) on vpcd://HOST:PORT, where the "
                "harness presents its phones and cards to the DUT's reader")
    backend = roles.backend.link if roles.backend is not None else ""
    if not backend.startswith("http://127.0.0.1:"):
        return ("a practice-software DUT needs roles.backend http://127.0.0.1:PORT (port 0: any), where the "
                "harness serves the insurer backend with its audit log for the DUT")
    return None


def runs_reference_billing(config: RigConfig) -> bool:
    """True when the rig's bill command runs our reference billing program."""
    dut = config.dut
    template = dut.control.actions.get("bill", "") if dut is not None else ""
    return tuple(template.split()[:3]) == REFERENCE_BILLING


def _simulated(config: RigConfig, role: str) -> bool:
    presented = getattr(config.roles, role, None) if role in ("phone", "card") else None
    if presented is not None:
        return presented.simulated
    if role == "backend":
        return config.roles.backend is not None and config.roles.backend.link == "embedded:"
    if role == "scanner":
        return config.simulated_scanner()
    if role == "practice-software":
        return runs_reference_billing(config)
    return role == "reader"


def check_dut(config: RigConfig) -> None:
    """Raise RigError naming what to fix when the rig's DUT cannot be run; no DUT is fine."""
    dut = config.dut
    if dut is None:
        return
    where = f"{config.path or config.name}: dut"
    problem = _reach_problem(config, dut.role)
    if problem:
        raise RigError(f"{where}: role '{dut.role}' cannot be reached: {problem}")
    if dut.variant is not None:
        from simulators.variants import find_variant

        try:
            find_variant(dut.role, dut.variant)
        except ApcvError as exc:
            raise RigError(f"{where}.variant: {exc}") from None
        if not _simulated(config, dut.role):
            raise RigError(f"{where}.variant: a variant runs our own simulator, but the {dut.role} is a real "
                           f"device here; give --variant to the simulator the rig launches instead")
    control = dut.control
    if dut.role == "practice-software" and (control.kind == "api" or (
            control.kind == "command" and "bill" not in control.actions)):
        raise RigError(f"{where}.control: a billing program is driven by kind command with actions.bill (its "
                       f"command template, see docs/practice-software.md) or by kind prompt (a person)")
    if control.kind == "api" and not control.url and not _simulated(config, dut.role):
        raise RigError(f"{where}.control: kind api needs url: tcp://HOST:PORT (the simulator's channel)")
    if control.kind == "command" and not _simulated(config, dut.role):
        missing = [a for a in REQUIRED_ACTIONS.get(dut.role, ()) if a not in control.actions]
        if missing:
            raise RigError(f"{where}.control.actions: no command for {', '.join(missing)}, which the "
                           f"mandatory {dut.role} tests need")

"""Checks of a rig's device under test, made before anything runs: one error naming what
to fix (a role with no way to reach it, a control lacking an action, an unknown variant).
What each role needs comes from its module in :mod:`harness.roles`."""

from __future__ import annotations

from apcv.errors import ApcvError
from harness.rig import RigConfig, RigError
from harness.roles import get_role


def check_dut(config: RigConfig) -> None:
    """Raise RigError naming what to fix when the rig's DUT cannot be run; no DUT is fine."""
    dut = config.dut
    if dut is None:
        return
    where = f"{config.path or config.name}: dut"
    role = get_role(dut.role)
    problem = role.reach_problem(config)
    if problem:
        raise RigError(f"{where}: role '{dut.role}' cannot be reached: {problem}")
    simulated = role.simulated(config)
    if dut.variant is not None:
        try:
            role.find_variant(dut.variant)
        except ApcvError as exc:
            raise RigError(f"{where}.variant: {exc}") from None
        if not simulated:
            raise RigError(f"{where}.variant: {role.variant_hint()}")
    if dut.output is not None and not role.reports_output:
        raise RigError(f"{where}.output: an output channel is for a reader terminal (dut.role: reader)")
    control = dut.control
    problem = role.control_problem(config)
    if problem:
        raise RigError(f"{where}.control: {problem}")
    if control.kind == "api" and not control.url and not simulated:
        raise RigError(f"{where}.control: kind api needs url: tcp://HOST:PORT (the simulator's channel)")
    if control.kind == "command" and not simulated:
        missing = [a for a in role.acts if a not in control.actions]
        if missing:
            raise RigError(f"{where}.control.actions: no command for {', '.join(missing)}, which the "
                           f"mandatory {dut.role} tests need")

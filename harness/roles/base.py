"""What a device-under-test role is, and the registry of roles by the catalogue's role id.

A role is one object, the way a link scheme is (compare labgrid's target factory and OpenHTF's
plugs): the control acts its mandatory tests ask of a device the harness does not simulate, how a
rig reaches it, whether the rig's side of it is our simulator, its faulty variants (each a
:class:`Variant` that builds itself), how its identity is probed, the known state each test starts
it in, the world the harness plays around it (:meth:`DutRole.world`, a context manager) and the
built-in rig its plan runs on by default. Nothing else in the harness compares role names: it asks
the registry (:func:`get_role`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from apcv.profile.catalogue import ROLES
from apcv.trace import TraceRecorder
from harness.bench import Bench
from harness.rig import RigConfig, RigError
from simulators.variant import Variant
from simulators.variants import find_variant, variants_of


class UnknownRole(RigError):
    """A rig, a command or a plan folder named a role the catalogue does not know, or one with
    no module in :mod:`harness.roles`."""


class DutRole:
    """A device-under-test role. Subclasses set :attr:`id` and override what differs."""

    id: str = ""
    acts: tuple[str, ...] = ()
    """Control acts the mandatory tests ask of a device the harness does not simulate."""
    default_rig: str = "software"
    """The built-in rig this role's plan runs on when no rig is given (the variant matrix)."""
    reports_output: bool = False
    """True when a DUT of this role may declare an output channel (``dut.output``) to be judged on."""
    on_bench: bool = True
    """True when a DUT of this role is reached through the harness's reader: its world is the
    :class:`Bench` (reader, phones, cards), one per test."""
    reset_acts: tuple[str, ...] = ()
    """Control acts, in order, that put a DUT of this role back in its known state (:meth:`state_problem`)."""

    def reach_problem(self, config: RigConfig) -> str | None:
        """What the rig lacks to reach a DUT of this role, or None."""
        return None

    def simulated(self, config: RigConfig) -> bool:
        """True when the rig's DUT of this role is our own reference implementation (which a
        variant may replace)."""
        return False

    def control_problem(self, config: RigConfig) -> str | None:
        """What is wrong with the rig's DUT control (and the output it reads) for this role, beyond
        the acts it lacks."""
        return None

    def variant_hint(self) -> str:
        """What to do when the rig names a variant but its DUT is not our simulator."""
        return (f"a variant runs our own simulator, but the {self.id} is a real device here; give --variant "
                "to the simulator the rig launches instead")

    def probe(self, config: RigConfig) -> dict[str, str]:
        """What the DUT's link reports of it (an ATR, a reader name, a health answer). Raises an
        ApcvError (or OSError) when it does not answer."""
        return {}

    def world(self, config: RigConfig, folder: Path | None = None, *,
              recorder: TraceRecorder | None = None) -> AbstractContextManager[Any]:
        """The world the harness plays around a DUT of this role on ``config``'s rig, as a context
        manager that stops it all on exit; ``folder`` is where it may keep files (a temporary one
        when None), ``recorder`` the trace of the test. The default, for roles reached through the
        harness's reader: the :class:`Bench` of the rig."""
        return Bench(config, recorder=recorder)

    def state_problem(self, bench: Bench) -> str | None:
        """How the DUT differs from the known state every test of the plan starts in (read through
        the bench's links), or None; checked before each test that acts on the DUT. The default:
        a role with no state of its own to check."""
        return None

    def variants(self) -> list[Variant]:
        """The named faulty variants of this role's reference implementation."""
        return variants_of(self.id)

    def find_variant(self, name: str) -> Variant:
        """The variant ``name``; UnknownVariant (the one message naming the role's variants) else."""
        return find_variant(self.id, name)


REGISTRY: dict[str, DutRole] = {}


def register(role: DutRole) -> DutRole:
    """Add ``role`` to the registry under its catalogue id (an id the catalogue lacks is a bug)."""
    if role.id not in ROLES:
        raise UnknownRole(f"role module for '{role.id}': the requirement catalogue has no such role "
                          f"(roles: {', '.join(ROLES)})")
    REGISTRY[role.id] = role
    return role


def get_role(role_id: str) -> DutRole:
    """The registered role ``role_id``; UnknownRole in one line when the catalogue does not know it
    or no module registers it."""
    from harness import roles  # noqa: F401  (importing the package registers every role module)

    if role_id not in ROLES:
        raise UnknownRole(f"unknown role '{role_id}'; roles: {', '.join(ROLES)}")
    if role_id not in REGISTRY:
        raise UnknownRole(f"role '{role_id}' has no module in harness/roles/ (see docs/adding-a-role.md)")
    return REGISTRY[role_id]


def bench_world(config: RigConfig, recorder: TraceRecorder | None = None) -> AbstractContextManager[Bench]:
    """The reader-side world of a test: the world of the rig's DUT role when that role is reached
    through the harness's reader, else the bench of the rig (a run with no DUT on the reader)."""
    role = get_role(config.dut.role) if config.dut is not None else None
    if role is not None and role.on_bench:
        return role.world(config, recorder=recorder)
    return Bench(config, recorder=recorder)


def registered() -> list[DutRole]:
    """Every registered role, in the catalogue's order."""
    from harness import roles  # noqa: F401

    return [REGISTRY[role_id] for role_id in ROLES if role_id in REGISTRY]

"""The state a Locust process shares with its users: plan, material, signers, recorder."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from gevent.event import Event

from scenarios.load.collect import Recorder
from scenarios.load.plan import LoadPlan
from scenarios.load.supply import Supply
from simulators.backend.client import Signer
from simulators.backend.seeding import DIRECTORY_PRACTITIONERS, OPERATORS
from simulators.population.generator import generate_practitioners


@dataclass
class Runtime:
    """One process's run: what its users read and record."""

    plan: LoadPlan
    supply: Supply
    slot: int
    recorder: Recorder
    practitioners: list[Signer] = field(init=False)
    operator: Signer = field(init=False)
    devices: list[Signer] = field(init=False)
    """The signer of each wallet's device, in wallet order."""
    _claims: itertools.count = field(init=False, default_factory=itertools.count)

    def __post_init__(self) -> None:
        seed = self.plan.seed
        self.practitioners = [Signer.practitioner(p.rpps, seed)
                              for p in generate_practitioners(DIRECTORY_PRACTITIONERS, seed)]
        self.operator = Signer.operator(OPERATORS[0], seed)
        self.devices = [Signer.device(w.device_key) for w in self.supply.wallets]

    def next_claim_id(self) -> str:
        """A claim id unique to this run, slot and claim."""
        return f"{self.plan.run_id}-{self.slot}-{next(self._claims)}"


_current: Runtime | None = None
_plan: LoadPlan | None = None
_installed = Event()

MATERIAL_WAIT_S = 60.0
"""How long a worker's first users wait for the material the master sends (it comes at connection)."""


def install_plan(plan: LoadPlan) -> None:
    """Make ``plan`` the process's plan (every process has one; the master has no runtime)."""
    global _plan
    _plan = plan


def current_plan() -> LoadPlan:
    """The process's plan."""
    if _plan is None:
        raise RuntimeError("the load run has no plan: the locustfile's init hook did not run")
    return _plan


def install(runtime: Runtime) -> None:
    """Make ``runtime`` the process's run."""
    global _current
    _current = runtime
    _installed.set()


def current(wait_s: float = 0.0) -> Runtime:
    """The process's run (set when Locust starts, or on a worker when the master's material
    arrives: a user may wait ``wait_s`` for it)."""
    if _current is None and wait_s > 0:
        _installed.wait(wait_s)
    if _current is None:
        raise RuntimeError("the load run was not prepared: the locustfile's init hook did not run")
    return _current

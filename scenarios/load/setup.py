"""Getting a target ready for a run: its people, checks, and each worker slot's material.

Runs before the timed phase, through the same API the users call: people provisioned (or
known from the target's seeding or a file), the target checked to know them and our
practitioners and operator, then each slot's wallets activated and its tokens minted.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from itertools import islice

from apcv.people import Insured
from scenarios.load.errors import LoadError
from scenarios.load.material import Material
from scenarios.load.people import PROVISION_SEED, eligible, file_people, provision, seeded_people
from scenarios.load.plan import LoadPlan
from scenarios.load.prepare import material_needs, people_needed, prepare_slot, split_people
from scenarios.load.target import check_operator, check_people_known
from simulators.backend.client import BackendClient, Signer
from simulators.backend.seeding import DIRECTORY_PRACTITIONERS, OPERATORS
from simulators.population.generator import generate_population, generate_practitioners

PROVISION_POOL_FACTOR = 2
"""Generate twice the people needed when provisioning: about half are adults free of guardianship."""


@dataclass(frozen=True)
class PeopleSource:
    """Where a run's people come from: ``seeded`` (count, seed), ``file`` (path) or ``provision``."""

    kind: str
    count: int = 0
    seed: int = 0
    path: str = ""

    def describe(self) -> str:
        """For messages and the summary."""
        if self.kind == "seeded":
            return f"the target's seeded population ({self.count:,} insured, population seed {self.seed})"
        if self.kind == "file":
            return f"people file {self.path}"
        return "people registered through the API (PUT /v1/insured)"

    def remedy(self) -> str:
        """What to do when the target does not know these people."""
        if self.kind == "seeded":
            return (f"serve it with 'apcv-hil backend serve --seed-population {self.count} --population-seed "
                    f"{self.seed}' on a new database (a plain 'backend serve' holds no insured people), or "
                    "give no people count (--people, --apcv-people) and the run registers its own people "
                    "through the API")
        if self.kind == "file":
            return f"{self.path} must hold people the target was loaded with"
        return "the target lost the people registered a moment ago"

    def people(self, needed: int, today: dt.date) -> list[Insured]:
        """The ``needed`` adults free of guardianship the run uses."""
        if self.kind == "seeded":
            return eligible(seeded_people(self.count, self.seed), needed, today, self.describe())
        if self.kind == "file":
            return eligible(file_people(self.path), needed, today, self.describe())
        pool = generate_population(needed * PROVISION_POOL_FACTOR + 20, PROVISION_SEED)
        return eligible(pool, needed, today, "the provisioned population")


def practitioner_signer(seed: int) -> Signer:
    """The directory practitioner the set-up checks sign as."""
    first = next(islice(generate_practitioners(DIRECTORY_PRACTITIONERS, seed), 1))
    return Signer.practitioner(first.rpps, seed)


def prepare_target(client: BackendClient, plan: LoadPlan, source: PeopleSource, slots: int,
                   rng: random.Random | None = None) -> list[Material]:
    """Make the target ready and return one :class:`Material` per slot."""
    if slots < 1:
        raise LoadError(f"a run needs at least one worker slot, not {slots}")
    rng = rng or random.Random()
    people = source.people(people_needed(slots), dt.datetime.now(dt.UTC).date())
    operator = Signer.operator(OPERATORS[0], plan.seed)
    if source.kind == "provision":
        provision(client, people, operator)
    check_people_known(client, practitioner_signer(plan.seed), people, source.remedy())
    check_operator(client, operator)
    groups, delegates = split_people(people, slots)
    needs = material_needs(plan, slots)
    return [prepare_slot(client, plan, slot, group, delegates, needs, rng)
            for slot, group in enumerate(groups)]

"""Practitioners hitting the insurer backend (``apcv-hil backend serve``) with signed requests.

    apcv-hil backend serve --seed-population 10000 --port 8600
    apcv-hil rollout --export reports/rollout
    locust -f scenarios/load/locustfile.py,reports/rollout/locust_shape.py \\
        --host http://127.0.0.1:8600 --apcv-people 10000

Each user is a practitioner of the backend's synthetic directory (``--apcv-seed``, the
server's ``--seed``) who checks the service's health and looks up the rights (ADRi) of
insured people the server was seeded with (``--seed-population N --population-seed S`` are
``--apcv-people N --apcv-population-seed S`` here). Calls are signed with APCV-SIG-1 on
the wall clock. A user makes ``--apcv-requests-per-s`` requests per second, the rate the
exported shape assumes (its ``REQUESTS_PER_USER_PER_S``). NIRs never appear in the request
names Locust reports: lookups are grouped as ``/v1/rights/[nir]``.
"""

from __future__ import annotations

import random
import time
from functools import cache
from itertools import islice

from locust import HttpUser, events, task
from locust.argument_parser import LocustArgumentParser

from simulators.backend.signing import practitioner_key, sign_request
from simulators.population.generator import generate_population, generate_practitioners

DIRECTORY_SAMPLE = 50
PEOPLE_SAMPLE = 500


@events.init_command_line_parser.add_listener
def _options(parser: LocustArgumentParser) -> None:
    parser.add_argument("--apcv-seed", type=int, default=0, help="Seed of the backend's caller directory.")
    parser.add_argument("--apcv-people", type=int, default=1000,
                        help="Insured people the backend was seeded with (--seed-population).")
    parser.add_argument("--apcv-population-seed", type=int, default=0,
                        help="The backend's --population-seed.")
    parser.add_argument("--apcv-requests-per-s", type=float, default=1.0,
                        help="Requests per second made by each user.")


@cache
def _nirs(people: int, seed: int) -> list[str]:
    return [p.identity.nir for p in islice(generate_population(people, seed), min(people, PEOPLE_SAMPLE))]


@cache
def _rpps(seed: int) -> list[str]:
    return [p.rpps for p in generate_practitioners(DIRECTORY_SAMPLE, seed)]


class Practitioner(HttpUser):
    """A practitioner's software: health checks and signed rights lookups."""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.rng = random.Random()
        self.seed = options.apcv_seed
        self.rpps = self.rng.choice(_rpps(self.seed))
        self.key = practitioner_key(self.rpps, self.seed)
        self.nirs = _nirs(options.apcv_people, options.apcv_population_seed)
        self.period = 1 / options.apcv_requests_per_s
        self.last = time.monotonic()

    def wait_time(self) -> float:
        """Constant pacing: one request every ``period`` seconds, whatever the response time."""
        now = time.monotonic()
        pause = max(0.0, self.period - (now - self.last))
        self.last = now + pause
        return pause

    @task(1)
    def health(self) -> None:
        """The unauthenticated health check."""
        self.client.get("/v1/health")

    @task(4)
    def rights(self) -> None:
        """ADRi: the rights of a seeded insured person, signed by this practitioner."""
        path = f"/v1/rights/{self.rng.choice(self.nirs)}"
        headers = sign_request(self.key, f"rpps:{self.rpps}", "GET", path, b"", int(time.time()))
        self.client.get(path, headers=headers, name="/v1/rights/[nir]")

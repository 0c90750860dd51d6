"""The M/M/c validation model: Poisson arrivals, exponential service, ``c`` servers.

It runs on the same :mod:`scenarios.models.engine` as the waiting rooms, so agreeing
with Erlang C validates the engine.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from scenarios.models.engine import Desk, visit
from scenarios.models.erlang import check_mmc, mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.stats import Estimate, batch_means

MAX_CUSTOMERS = 5_000_000
"""Customers one run may simulate (about 1 GB of memory, two minutes)."""
MAX_SERVERS = 10_000
"""Servers of one run (Erlang C sums over every server)."""


@dataclass(frozen=True)
class MmcResult:
    """Simulated mean wait in queue (batch-means interval) beside Erlang C's exact value."""

    arrival_rate: float
    service_rate: float
    servers: int
    customers: int
    seed: int
    simulated: Estimate
    erlang_c: float

    @property
    def relative_error(self) -> float:
        """(simulated − exact) / exact."""
        return (self.simulated.mean - self.erlang_c) / self.erlang_c

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "arrival_rate": self.arrival_rate, "service_rate": self.service_rate,
            "servers": self.servers, "customers": self.customers, "seed": self.seed,
            "utilisation": self.arrival_rate / (self.servers * self.service_rate),
            "simulated_mean_wait": self.simulated.to_json(),
            "erlang_c_mean_wait": self.erlang_c, "relative_error": self.relative_error,
        }


def _arrivals(env: simpy.Environment, desk: Desk, gaps: np.ndarray,
              services: np.ndarray) -> Generator[Any, Any, None]:
    for gap, service in zip(gaps.tolist(), services.tolist(), strict=True):
        yield env.timeout(gap)
        env.process(visit(desk, service))


def simulate_mmc(arrival_rate: float, service_rate: float, servers: int,
                 customers: int = 200_000, seed: int = 0) -> MmcResult:
    """Run ``customers`` through an M/M/c desk and compare the mean wait with Erlang C."""
    check_mmc(arrival_rate, service_rate, servers)
    if customers < 1000:
        raise ModelError(f"customers must be at least 1000 for a meaningful estimate (got {customers})")
    if customers > MAX_CUSTOMERS:
        raise ModelError(f"customers must be at most {MAX_CUSTOMERS:,} (got {customers:,}): each takes about "
                         "200 bytes of memory while the queue runs")
    if servers > MAX_SERVERS:
        raise ModelError(f"servers must be at most {MAX_SERVERS:,} (got {servers:,})")
    exact = mean_wait_in_queue(arrival_rate, service_rate, servers)
    if exact == 0:
        rho = arrival_rate / (servers * service_rate)
        raise ModelError(f"at ρ = {rho:.3g} nobody waits: Erlang C's mean wait is 0 to double precision, "
                         "so there is nothing to compare (raise the utilisation)")
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / arrival_rate, customers)
    services = rng.exponential(1 / service_rate, customers)
    env = simpy.Environment()
    desk = Desk(env, servers)
    env.process(_arrivals(env, desk, gaps, services))
    env.run()
    order = np.argsort(desk.log.arrivals, kind="stable")
    waits = np.asarray(desk.log.waits())[order]
    return MmcResult(arrival_rate, service_rate, servers, customers, seed,
                     batch_means(waits.tolist()), exact)

"""The M/M/c validation model: Poisson arrivals, exponential service, ``c`` servers.

It runs on the same :mod:`scenarios.models.engine` as the waiting rooms, so agreeing
with Erlang C validates the engine.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from scenarios.models.engine import Desk, visit
from scenarios.models.erlang import check_mmc, erlang_c, mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.stats import BatchMeans, Estimate, batch_means

MAX_CUSTOMERS = 5_000_000
"""Customers one run may simulate (about 1 GB of memory, two minutes)."""
MAX_SERVERS = 10_000
"""Servers of one run (Erlang C sums over every server)."""


PRECISION = 0.05
"""Relative precision asked by default: the interval's upper half within 5 % of the mean."""


@dataclass(frozen=True)
class MmcResult:
    """Simulated mean wait in queue and share of customers who wait, beside Erlang C's exact values.

    ``warnings`` say when the interval cannot be trusted as asked: batches too short (their
    means are correlated), precision not reached, too few customers waited.
    """

    arrival_rate: float
    service_rate: float
    servers: int
    customers: int
    seed: int
    simulated: Estimate
    erlang_c: float
    waited: Estimate
    erlang_c_waited: float
    batches: BatchMeans
    warnings: list[str] = field(default_factory=list)

    @property
    def relative_error(self) -> float | None:
        """(simulated − exact) / exact, or None when nobody waited in the simulation."""
        if self.simulated.mean == 0:
            return None
        return (self.simulated.mean - self.erlang_c) / self.erlang_c

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "arrival_rate": self.arrival_rate, "service_rate": self.service_rate,
            "servers": self.servers, "customers": self.customers, "seed": self.seed,
            "utilisation": self.arrival_rate / (self.servers * self.service_rate),
            "simulated_mean_wait": self.simulated.to_json(),
            "erlang_c_mean_wait": self.erlang_c, "relative_error": self.relative_error,
            "simulated_probability_of_waiting": self.waited.to_json(),
            "erlang_c_probability_of_waiting": self.erlang_c_waited,
            "batches": self.batches.batches, "batch_size": self.batches.batch_size,
            "batch_lag1_autocorrelation": self.batches.lag1, "warnings": self.warnings,
        }


def _arrivals(env: simpy.Environment, desk: Desk, gaps: np.ndarray,
              services: np.ndarray) -> Generator[Any, Any, None]:
    for gap, service in zip(gaps.tolist(), services.tolist(), strict=True):
        yield env.timeout(gap)
        env.process(visit(desk, service))


def check_precision(batches: BatchMeans, customers: int, waiting: int, precision: float) -> list[str]:
    """Why the batch-means interval of a run of ``customers`` may not hold or be as precise as asked."""
    warnings = []
    estimate = batches.estimate
    if batches.correlated:
        warnings.append(f"the {batches.batches} batch means are correlated (lag-1 autocorrelation "
                        f"{batches.lag1:.2f}): batches of {batches.batch_size:,} customers are too short "
                        "for the interval to hold; run more customers")
    if waiting < 10 * batches.batches:
        warnings.append(f"only {waiting:,} of {customers:,} customers waited: too few to estimate the "
                        "mean wait; run more customers")
    elif estimate.has_interval and estimate.mean > 0:
        relative = (estimate.high - estimate.mean) / estimate.mean  # type: ignore[operator]
        if relative > precision:
            needed = customers * (relative / precision) ** 2
            warnings.append(f"the interval reaches {relative:.1%} above the mean, more than the asked "
                            f"{precision:.1%}: about {needed:,.0f} customers would be needed")
    return warnings


def simulate_mmc(arrival_rate: float, service_rate: float, servers: int,
                 customers: int = 200_000, seed: int = 0, precision: float = PRECISION) -> MmcResult:
    """Run ``customers`` through an M/M/c desk and compare the mean wait and P(wait > 0) with Erlang C."""
    check_mmc(arrival_rate, service_rate, servers)
    if customers < 1000:
        raise ModelError(f"customers must be at least 1000 for a meaningful estimate (got {customers})")
    if customers > MAX_CUSTOMERS:
        raise ModelError(f"customers must be at most {MAX_CUSTOMERS:,} (got {customers:,}): each takes about "
                         "200 bytes of memory while the queue runs")
    if servers > MAX_SERVERS:
        raise ModelError(f"servers must be at most {MAX_SERVERS:,} (got {servers:,})")
    if not precision > 0:
        raise ModelError(f"precision must be a positive fraction of the mean (got {precision})")
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
    batches = batch_means(waits)
    waiting = int(np.count_nonzero(waits > 0))
    simulated = batches.estimate
    if waiting == 0:
        simulated = Estimate(0.0, reason=f"nobody waited among {customers:,} customers (Erlang C expects "
                                         f"{customers * erlang_c(arrival_rate, service_rate, servers):.2g})")
    waited = batch_means((waits > 0).astype(float), proportion=True).estimate
    return MmcResult(arrival_rate, service_rate, servers, customers, seed, simulated, exact, waited,
                     erlang_c(arrival_rate, service_rate, servers), batches,
                     check_precision(batches, customers, waiting, precision))

"""The M/M/c network run in Ciw, an independent simulator, to cross-check the engine."""

from __future__ import annotations

import ciw
import numpy as np

from scenarios.models.erlang import check_mmc
from scenarios.models.stats import Estimate, batch_means


def ciw_mean_wait(arrival_rate: float, service_rate: float, servers: int, duration: float,
                  seed: int = 0) -> Estimate:
    """Mean wait in queue of an M/M/c node simulated by Ciw for ``duration`` time units."""
    check_mmc(arrival_rate, service_rate, servers)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate)],
        service_distributions=[ciw.dists.Exponential(rate=service_rate)],
        number_of_servers=[servers],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(duration)
    records = sorted(simulation.get_all_records(), key=lambda record: record.arrival_date)
    return batch_means(np.array([record.waiting_time for record in records])).estimate

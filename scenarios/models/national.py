"""A national day: many independent practices of each scenario kind, on the vectorised engine.

Arrivals, services and identifications are sampled with NumPy for all practices at once,
from the same YAML parameters as the SimPy waiting rooms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.models.identification import Identifier, Mix
from scenarios.models.lindley import fifo_waits
from scenarios.models.params import GpScenario, WalkInScenario


@dataclass(frozen=True)
class PracticesDay:
    """Padded per-practice arrays of one day of many practices of one scenario."""

    arrivals: np.ndarray
    services: np.ndarray
    identification: np.ndarray
    servers: int


def _pad(rows: list[np.ndarray]) -> np.ndarray:
    width = max((row.size for row in rows), default=0)
    padded = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        padded[i, : row.size] = row
    return padded


def _arrivals(scenario: GpScenario | WalkInScenario, practices: int, rng: np.random.Generator) -> np.ndarray:
    start, end = scenario.opening.start_hour * 3600, scenario.opening.end_hour * 3600
    if isinstance(scenario, GpScenario):
        slots = np.arange(start, end, scenario.slot_minutes * 60)
        times = np.broadcast_to(slots, (practices, slots.size)).copy()
        times[rng.random(times.shape) < scenario.no_show] = np.nan
        shift = scenario.lateness.sampler().sample(rng, times.size).reshape(times.shape) * 60
        sign = np.where(rng.random(times.shape) < scenario.early_share, -1.0, 1.0)
        return np.sort(np.maximum(times + sign * shift, start), axis=1)  # NaNs sort last
    pieces = []
    for hour, rate in sorted(scenario.arrivals_per_hour.items()):
        low, high = max(hour * 3600, start), min((hour + 1) * 3600, end)
        if high > low:
            counts = rng.poisson(rate * (high - low) / 3600, practices)
            width = int(counts.max(initial=0))
            block = rng.uniform(low, high, (practices, width))
            block[np.arange(width)[None, :] >= counts[:, None]] = np.nan
            pieces.append(block)
    return np.sort(np.concatenate(pieces, axis=1), axis=1)


def sample_practices(scenario: GpScenario | WalkInScenario, practices: int, mix: Mix,
                     identifier: Identifier, rng: np.random.Generator) -> PracticesDay:
    """One day of ``practices`` independent practices of ``scenario``."""
    arrivals = _arrivals(scenario, practices, rng)
    width = int((~np.isnan(arrivals)).sum(axis=1).max(initial=0))
    arrivals = arrivals[:, :width]
    present = ~np.isnan(arrivals)
    work = scenario.consultation if isinstance(scenario, GpScenario) else scenario.service
    services = np.zeros(arrivals.shape)
    services[present] = work.sampler().sample(rng, int(present.sum()))
    identification = np.zeros(arrivals.shape)
    identification[present] = identifier.identify_many(mix.choose_many(rng, int(present.sum())), rng)[0]
    servers = 1 if isinstance(scenario, GpScenario) else scenario.servers
    return PracticesDay(arrivals, services, identification, servers)


@dataclass(frozen=True)
class NationalResult:
    """Visits simulated, their identification time and waits."""

    visits: int
    identification_hours: float
    wait_p50_s: float
    wait_p95_s: float


def simulate_practices(day: PracticesDay) -> NationalResult:
    """Queue every practice (identification done by whoever serves, no secretary)."""
    waits = fifo_waits(day.arrivals, day.services + day.identification, day.servers)
    done = waits[~np.isnan(waits)]
    return NationalResult(int(done.size), float(day.identification.sum() / 3600),
                          float(np.percentile(done, 50)) if done.size else 0.0,
                          float(np.percentile(done, 95)) if done.size else 0.0)

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
from scenarios.models.streams import DayStreams


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
        shift = scenario.lateness.sampler().sample(rng, times.size).reshape(times.shape)
        sign = np.where(rng.random(times.shape) < scenario.early_share, -1.0, 1.0)
        return np.sort(np.maximum(times + sign * shift, start), axis=1)  # NaNs sort last
    return _walk_ins(scenario, practices, rng)


def _walk_ins(scenario: WalkInScenario, practices: int, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals at the hourly rates: a unit-rate process mapped through the cumulative rate.

    The same process as Poisson counts per hour placed uniformly
    (:func:`scenarios.models.waiting_room.walk_in_arrivals`),
    drawn already in order, so no sort is needed.
    """
    start, end = scenario.opening.start_hour * 3600, scenario.opening.end_hour * 3600
    times, cumulative = [start], [0.0]
    for hour, rate in sorted(scenario.arrivals_per_hour.items()):
        low, high = max(hour * 3600, start), min((hour + 1) * 3600, end)
        if high > low and rate > 0:
            if low > times[-1]:
                times.append(low)
                cumulative.append(cumulative[-1])
            times.append(high)
            cumulative.append(cumulative[-1] + rate * (high - low) / 3600)
    total = cumulative[-1]
    width = int(total + 6 * np.sqrt(total) + 10)
    points = np.cumsum(rng.standard_exponential((practices, width)), axis=1)
    while points.size and points[:, -1].min() < total:  # a row still short of the day's end
        more = np.cumsum(rng.standard_exponential((practices, width)), axis=1) + points[:, -1:]
        points = np.concatenate([points, more], axis=1)
    keep = points < total
    points = points[:, : int(keep.sum(axis=1).max(initial=0))]
    arrivals = np.interp(points, cumulative, times)
    arrivals[points >= total] = np.nan
    return arrivals


def sample_practices(scenario: GpScenario | WalkInScenario, practices: int, mix: Mix,
                     identifier: Identifier, rng: np.random.Generator | DayStreams) -> PracticesDay:
    """One day of ``practices`` independent practices of ``scenario``.

    ``rng`` is the day's streams (one per attribute: arrivals, work, methods, identification;
    a generator gives one draw that keys them).
    """
    streams = DayStreams.drawn_from(rng) if isinstance(rng, np.random.Generator) else rng
    arrivals = _arrivals(scenario, practices, streams.arrivals())
    width = int((~np.isnan(arrivals)).sum(axis=1).max(initial=0))
    arrivals = arrivals[:, :width]
    present = ~np.isnan(arrivals)
    count = int(present.sum())
    work = scenario.consultation if isinstance(scenario, GpScenario) else scenario.service
    services = np.zeros(arrivals.shape)
    services[present] = work.sampler().sample(streams.work(), count)
    identification = np.zeros(arrivals.shape)
    identification[present] = identifier.sample_durations(mix, count, streams.patient(0))
    servers = 1 if isinstance(scenario, GpScenario) else scenario.servers
    return PracticesDay(arrivals, services, identification, servers)


@dataclass(frozen=True)
class NationalResult:
    """Visits simulated, their identification time and waits."""

    visits: int
    identification_hours: float
    wait_p50_s: float
    wait_p95_s: float


def queue_waits(day: PracticesDay) -> np.ndarray:
    """The wait of every visit (identification done by whoever serves, no secretary), flat."""
    waits = fifo_waits(day.arrivals, day.services + day.identification, day.servers)
    return waits[~np.isnan(waits)]


def national_result(days: list[PracticesDay], waits: list[np.ndarray]) -> NationalResult:
    """Visits, identification hours and wait percentiles of ``days`` (``waits``: :func:`queue_waits`)."""
    done = np.concatenate(waits) if waits else np.empty(0)
    p50, p95 = np.percentile(done, [50, 95]) if done.size else (0.0, 0.0)
    hours = sum(float(day.identification.sum()) for day in days) / 3600
    return NationalResult(int(done.size), hours, float(p50), float(p95))


def simulate_practices(day: PracticesDay) -> NationalResult:
    """Queue every practice of ``day`` and sum up."""
    return national_result([day], [queue_waits(day)])

"""A national day: many independent practices of each scenario kind, on the vectorised engine.

Arrivals, services and identifications are sampled with NumPy for all practices at once,
from the same YAML parameters as the SimPy waiting rooms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.models.identification import Identifier, Mix
from scenarios.models.lindley import column_waits
from scenarios.models.params import GpScenario, WalkInScenario
from scenarios.models.streams import DayStreams


@dataclass(frozen=True)
class PracticesDay:
    """Padded per-practice arrays of one day of many practices of one scenario.

    Each array is (practices, customers), a transposed view of one laid out (customers,
    practices): the queue engine steps through customer k of every practice, one row.
    """

    arrivals: np.ndarray
    services: np.ndarray
    identification: np.ndarray
    servers: int


def _arrivals(scenario: GpScenario | WalkInScenario, practices: int, rng: np.random.Generator) -> np.ndarray:
    """Arrival times, (customers, practices): one row per rank of arrival (see :class:`PracticesDay`)."""
    start, end = scenario.opening.start_hour * 3600, scenario.opening.end_hour * 3600
    if isinstance(scenario, GpScenario):
        slots = np.arange(start, end, scenario.slot_minutes * 60)
        times = np.repeat(slots[:, None], practices, axis=1)
        # One uniform per slot decides both: below no_show the patient does not come; above,
        # rescaled to [0, 1) (uniform again, and independent of coming), whether they are early.
        draw = rng.random(times.shape)
        shift = scenario.lateness.sampler().sample(rng, times.size).reshape(times.shape)
        early = scenario.no_show + scenario.early_share * (1 - scenario.no_show)
        np.negative(shift, out=shift, where=draw < early)
        times += shift
        np.maximum(times, start, out=times)
        np.copyto(times, np.nan, where=draw < scenario.no_show)
        times.sort(axis=0)  # NaNs sort last
        return times
    return _walk_ins(scenario, practices, rng)


def _walk_ins(scenario: WalkInScenario, practices: int, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals at the hourly rates: a unit-rate process mapped through the cumulative rate.

    The same process as Poisson counts per hour placed uniformly
    (:func:`scenarios.models.waiting_room.walk_in_arrivals`), drawn already in order, so no
    sort is needed: each practice's count is Poisson, and given the count the points are
    uniform order statistics, the cumulative sums of count + 1 exponentials scaled by the last.
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
    counts = rng.poisson(total, practices)
    width = int(counts.max(initial=0))
    points = np.cumsum(rng.standard_exponential((width + 1, practices)), axis=0)
    points *= total / points[counts, np.arange(practices)]
    arrivals = np.interp(points[:width], cumulative, times)
    arrivals[np.arange(width)[:, None] >= counts[None, :]] = np.nan
    return arrivals


def sample_practices(scenario: GpScenario | WalkInScenario, practices: int, mix: Mix,
                     identifier: Identifier, rng: np.random.Generator | DayStreams) -> PracticesDay:
    """One day of ``practices`` independent practices of ``scenario``.

    ``rng`` is the day's streams (one per attribute: arrivals, work, methods, identification;
    a generator gives one draw that keys them).
    """
    streams = DayStreams.drawn_from(rng) if isinstance(rng, np.random.Generator) else rng
    ranks = _arrivals(scenario, practices, streams.arrivals())
    width = int((~np.isnan(ranks)).sum(axis=0).max(initial=0))
    ranks = ranks[:width]
    present = ~np.isnan(ranks)
    count = int(present.sum())
    work = scenario.consultation if isinstance(scenario, GpScenario) else scenario.service
    services = np.zeros(ranks.shape)
    services[present] = work.sampler().sample(streams.work(), count)
    identification = np.zeros(ranks.shape)
    identification[present] = identifier.sample_durations(mix, count, streams.patient(0))
    servers = 1 if isinstance(scenario, GpScenario) else scenario.servers
    return PracticesDay(ranks.T, services.T, identification.T, servers)


@dataclass(frozen=True)
class NationalResult:
    """Visits simulated, their identification time and waits."""

    visits: int
    identification_hours: float
    wait_p50_s: float
    wait_p95_s: float


def queue_waits(day: PracticesDay) -> np.ndarray:
    """The wait of every visit (identification done by whoever serves, no secretary), flat."""
    arriving = day.arrivals.T
    serving = np.add(day.services.T, day.identification.T, out=np.empty(arriving.shape))
    waits = column_waits(arriving, serving, day.servers)
    return waits[~np.isnan(arriving)]


def national_result(days: list[PracticesDay], waits: list[np.ndarray]) -> NationalResult:
    """Visits, identification hours and wait percentiles of ``days`` (``waits``: :func:`queue_waits`)."""
    done = np.concatenate(waits) if waits else np.empty(0)
    p50, p95 = percentiles(done, (50, 95)) if done.size else (0.0, 0.0)
    hours = sum(float(day.identification.sum()) for day in days) / 3600
    return NationalResult(int(done.size), hours, float(p50), float(p95))


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """``np.percentile(values, qs)`` (linear interpolation), partitioning ``values`` in place
    instead of copying millions of waits twice."""
    positions = [q / 100 * (values.size - 1) for q in qs]
    below = [int(np.floor(p)) for p in positions]
    ranks = sorted({rank for low in below for rank in (low, min(low + 1, values.size - 1))})
    values.partition(ranks)
    return [float(values[low] + (p - low) * (values[min(low + 1, values.size - 1)] - values[low]))
            for p, low in zip(positions, below, strict=True)]


def simulate_practices(day: PracticesDay) -> NationalResult:
    """Queue every practice of ``day`` and sum up."""
    return national_result([day], [queue_waits(day)])

"""The waiting-room day: patients arrive, wait, get identified and served, on the SimPy engine.

One function per kind of place: :func:`simulate_day` picks the GP practice (appointments,
one practitioner, optional secretary) or a walk-in place (pharmacy, admissions desk).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
import simpy.rt

from scenarios.models.engine import Desk, visit
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import GpScenario, WalkInScenario
from scenarios.models.streams import DayStreams

QUEUE_STEP_S = 300.0
"""Queue length is sampled every five minutes from opening to closing."""


@dataclass
class DayResult:
    """What one simulated day produced."""

    identification_s: float = 0.0
    secretary_identification_s: float = 0.0
    waits: list[float] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)
    served: int = 0
    methods: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)


def _identify(identifier: Identifier, mix: Mix, streams: DayStreams, draws: np.ndarray, day: DayResult,
              by_secretary: bool = False) -> Callable[[int], float]:
    """Identification of the patient of a given rank: their place in the mix, their own stream."""
    def service(rank: int) -> float:
        outcome = identifier.identify(mix.pick(float(draws[rank])), streams.patient(rank))
        day.methods[outcome.method] += 1
        day.failures.update(outcome.failures)
        if by_secretary:
            day.secretary_identification_s += outcome.seconds
        else:
            day.identification_s += outcome.seconds
        return outcome.seconds
    return service


def _monitor(env: simpy.Environment, desks: list[Desk], day: DayResult, until: float
             ) -> Generator[Any, Any, None]:
    while env.now <= until:
        day.queue.append(sum(desk.queue_length for desk in desks))
        yield env.timeout(QUEUE_STEP_S)


def _patient(env: simpy.Environment, rank: int, arrival: float, secretary: Desk | None, practitioner: Desk,
             identify: Callable[[int], float], consultation: float, day: DayResult
             ) -> Generator[Any, Any, None]:
    yield env.timeout(arrival - env.now)
    waited = 0.0
    if secretary is not None:
        waited += yield env.process(visit(secretary, lambda: identify(rank)))
        waited += yield env.process(visit(practitioner, consultation))
    else:
        waited += yield env.process(visit(practitioner, lambda: identify(rank) + consultation))
    day.waits.append(waited)
    day.served += 1


def gp_arrivals(scenario: GpScenario, rng: np.random.Generator) -> np.ndarray:
    """Arrival times (s since midnight) of the patients who come, from the appointment book."""
    start, end = scenario.opening.start_hour * 3600, scenario.opening.end_hour * 3600
    slots = np.arange(start, end, scenario.slot_minutes * 60)
    slots = slots[rng.random(slots.size) >= scenario.no_show]
    shift = scenario.lateness.sampler().sample(rng, slots.size)
    sign = np.where(rng.random(slots.size) < scenario.early_share, -1.0, 1.0)
    return np.sort(np.maximum(slots + sign * shift, start))


def walk_in_arrivals(scenario: WalkInScenario, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrival times (s since midnight) with the hourly rates, within opening hours."""
    start, end = scenario.opening.start_hour * 3600, scenario.opening.end_hour * 3600
    times: list[np.ndarray] = []
    for hour, rate in sorted(scenario.arrivals_per_hour.items()):
        low, high = max(hour * 3600, start), min((hour + 1) * 3600, end)
        if high > low:
            count = rng.poisson(rate * (high - low) / 3600)
            times.append(rng.uniform(low, high, count))
    return np.sort(np.concatenate(times)) if times else np.empty(0)


def simulate_day(scenario: GpScenario | WalkInScenario, mix: Mix, identifier: Identifier,
                 streams: DayStreams | np.random.Generator, realtime: float | None = None) -> DayResult:
    """Simulate one day of ``scenario`` with patients identifying by ``mix``.

    ``streams`` are the day's random streams (:class:`DayStreams`; a generator gives one draw
    that keys them): the same streams give the same patients under every mix and every
    identifier. With ``realtime``, the day runs on SimPy's real-time environment at
    ``realtime`` simulated seconds per wall-clock second (it lags rather than fails when reads
    are slow).
    """
    if isinstance(streams, np.random.Generator):
        streams = DayStreams.drawn_from(streams)
    day = DayResult()
    start = scenario.opening.start_hour * 3600
    env = (simpy.Environment(initial_time=start) if realtime is None
           else simpy.rt.RealtimeEnvironment(initial_time=start, factor=1 / realtime, strict=False))
    identifier.start_day(env)
    if isinstance(scenario, GpScenario):
        arrivals = gp_arrivals(scenario, streams.arrivals())
        practitioner = Desk(env, 1)
        secretary = Desk(env, 1) if scenario.secretary else None
        desks = [practitioner] if secretary is None else [secretary, practitioner]
        works = scenario.consultation.sampler().sample(streams.work(), arrivals.size)
    else:
        arrivals = walk_in_arrivals(scenario, streams.arrivals())
        practitioner, secretary = Desk(env, scenario.servers), None
        desks = [practitioner]
        works = scenario.service.sampler().sample(streams.work(), arrivals.size)
    draws = streams.methods().random(arrivals.size)
    identify = _identify(identifier, mix, streams, draws, day, by_secretary=secretary is not None)
    for rank, (arrival, work) in enumerate(zip(arrivals.tolist(), works.tolist(), strict=True)):
        env.process(_patient(env, rank, arrival, secretary, practitioner, identify, work, day))
    env.process(_monitor(env, desks, day, scenario.opening.end_hour * 3600))
    env.run()
    return day

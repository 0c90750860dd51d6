"""Replications of a waiting-room scenario and their summary with confidence intervals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scenarios.models.detailed import DetailedIdentifier
from scenarios.models.distributions import Sampler
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import GpScenario, WalkInScenario
from scenarios.models.stats import Estimate, paired_difference, pooled_percentile, t_interval
from scenarios.models.streams import DayStreams
from scenarios.models.waiting_room import simulate_day


@dataclass
class Replication:
    """``days`` simulated days of one scenario and mix (one independent replication)."""

    identification_s: list[float]
    secretary_identification_s: list[float]
    waits: list[float]
    queue: list[float]
    served: list[int]
    methods: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    replication: int = 0


def run_replication(scenario: GpScenario | WalkInScenario, mix: Mix, days: int, seed: int,
                    replication: int, reads: Mapping[str, Sampler] | None = None,
                    detailed: bool = False) -> Replication:
    """Simulate ``days`` days; the same (seed, replication) gives the same patients for every mix
    and every read-time file (common random numbers, :mod:`scenarios.models.streams`).

    ``detailed`` runs the real phone, card, reader kernel and backend for each NFC and card
    identification (:mod:`scenarios.models.detailed`).
    """
    identifier = (DetailedIdentifier(scenario.identification, reads, seed) if detailed
                  else Identifier(scenario.identification, reads))
    result = Replication([], [], [], [], [], replication=replication)
    queues: list[list[int]] = []
    try:
        for number in range(days):
            day = simulate_day(scenario, mix, identifier, DayStreams.for_day(seed, replication, number))
            result.identification_s.append(day.identification_s)
            result.secretary_identification_s.append(day.secretary_identification_s)
            result.waits.extend(day.waits)
            result.served.append(day.served)
            result.methods.update(day.methods)
            result.failures.update(day.failures)
            queues.append(day.queue)
    finally:
        identifier.close()
    width = min(len(q) for q in queues)
    result.queue = np.mean([q[:width] for q in queues], axis=0).tolist()
    return result


@dataclass(frozen=True)
class MixSummary:
    """One adoption mix: identification time with intervals over replications, waits, queue.

    ``per_replication_day_s`` (identification seconds per day, one value per replication, in
    replication order) is what paired comparisons between mixes are made from.
    """

    mix: str
    identification_per_day_s: Estimate
    identification_per_week_s: Estimate
    secretary_per_day_s: Estimate
    wait_p50_s: Estimate
    wait_p95_s: Estimate
    throughput_per_day: Estimate
    queue_profile: list[float]
    methods: dict[str, int]
    failures: dict[str, int]
    per_replication_day_s: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain data for ``--json``."""
        return {
            "mix": self.mix,
            "identification_per_day_s": self.identification_per_day_s.to_json(),
            "identification_per_week_s": self.identification_per_week_s.to_json(),
            "secretary_identification_per_day_s": self.secretary_per_day_s.to_json(),
            "wait_p50_s": self.wait_p50_s.to_json(), "wait_p95_s": self.wait_p95_s.to_json(),
            "throughput_per_day": self.throughput_per_day.to_json(),
            "queue_profile": self.queue_profile, "methods": self.methods, "failures": self.failures,
        }


def summarise(mix: Mix, replications: list[Replication], days_per_week: int) -> MixSummary:
    """Pool the replications of one mix: t intervals over replication means, bootstrap on waits."""
    replications = sorted(replications, key=lambda r: r.replication)
    per_day = [float(np.mean(r.identification_s)) for r in replications]
    per_day_estimate = t_interval(per_day, nonnegative=True)
    width = min(len(r.queue) for r in replications)
    methods: Counter = Counter()
    failures: Counter = Counter()
    for r in replications:
        methods.update(r.methods)
        failures.update(r.failures)
    waits = [r.waits for r in replications]
    return MixSummary(
        mix=mix.label,
        identification_per_day_s=per_day_estimate,
        identification_per_week_s=per_day_estimate.scaled(days_per_week),
        secretary_per_day_s=t_interval([float(np.mean(r.secretary_identification_s)) for r in replications],
                                       nonnegative=True),
        wait_p50_s=pooled_percentile(waits, 50),
        wait_p95_s=pooled_percentile(waits, 95),
        throughput_per_day=t_interval([float(np.mean(r.served)) for r in replications], nonnegative=True),
        queue_profile=np.mean([r.queue[:width] for r in replications], axis=0).tolist(),
        methods=dict(methods), failures=dict(failures), per_replication_day_s=per_day,
    )


@dataclass(frozen=True)
class Comparison:
    """One mix against the first: the paired difference in identification hours per week."""

    mix: str
    base: str
    hours_per_week: Estimate

    def to_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"mix": self.mix, "against": self.base,
                "identification_h_per_week": self.hours_per_week.to_json()}


def compare_to_first(summaries: list[MixSummary], days_per_week: int) -> list[Comparison]:
    """Each later mix against the first, replication by replication (same patients in both)."""
    base = summaries[0]
    return [Comparison(s.mix, base.mix, paired_difference(base.per_replication_day_s, s.per_replication_day_s)
                       .scaled(days_per_week / 3600)) for s in summaries[1:]]

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
from scenarios.models.stats import Estimate, t_interval
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


def run_replication(scenario: GpScenario | WalkInScenario, mix: Mix, days: int, seed: int,
                    replication: int, reads: Mapping[str, Sampler] | None = None,
                    detailed: bool = False) -> Replication:
    """Simulate ``days`` days; the same (seed, replication) gives the same patients for every mix.

    ``detailed`` runs the real phone, card, reader kernel and backend for each NFC and card
    identification (:mod:`scenarios.models.detailed`).
    """
    rng = np.random.default_rng([seed, replication])
    identifier = (DetailedIdentifier(scenario.identification, reads, seed) if detailed
                  else Identifier(scenario.identification, reads))
    result = Replication([], [], [], [], [])
    queues: list[list[int]] = []
    try:
        for _ in range(days):
            day = simulate_day(scenario, mix, identifier, rng)
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
    """One adoption mix: identification time with intervals over replications, waits, queue."""

    mix: str
    identification_per_day_s: Estimate
    identification_per_week_s: Estimate
    secretary_per_day_s: Estimate
    wait_p50_s: float
    wait_p95_s: float
    throughput_per_day: Estimate
    queue_profile: list[float]
    methods: dict[str, int]
    failures: dict[str, int]

    def to_json(self) -> dict:
        """Plain data for ``--json``."""
        return {
            "mix": self.mix,
            "identification_per_day_s": self.identification_per_day_s.to_json(),
            "identification_per_week_s": self.identification_per_week_s.to_json(),
            "secretary_identification_per_day_s": self.secretary_per_day_s.to_json(),
            "wait_p50_s": self.wait_p50_s, "wait_p95_s": self.wait_p95_s,
            "throughput_per_day": self.throughput_per_day.to_json(),
            "queue_profile": self.queue_profile, "methods": self.methods, "failures": self.failures,
        }


def summarise(mix: Mix, replications: list[Replication], days_per_week: int) -> MixSummary:
    """Pool the replications of one mix: t intervals over replication means."""
    per_day = [float(np.mean(r.identification_s)) for r in replications]
    per_day_estimate = t_interval(per_day)
    waits = np.concatenate([r.waits for r in replications]) if replications else np.empty(0)
    width = min(len(r.queue) for r in replications)
    methods: Counter = Counter()
    failures: Counter = Counter()
    for r in replications:
        methods.update(r.methods)
        failures.update(r.failures)
    return MixSummary(
        mix=mix.label,
        identification_per_day_s=per_day_estimate,
        identification_per_week_s=Estimate(per_day_estimate.mean * days_per_week,
                                           per_day_estimate.half_width * days_per_week),
        secretary_per_day_s=t_interval([float(np.mean(r.secretary_identification_s)) for r in replications]),
        wait_p50_s=float(np.percentile(waits, 50)) if waits.size else 0.0,
        wait_p95_s=float(np.percentile(waits, 95)) if waits.size else 0.0,
        throughput_per_day=t_interval([float(np.mean(r.served)) for r in replications]),
        queue_profile=np.mean([r.queue[:width] for r in replications], axis=0).tolist(),
        methods=dict(methods), failures=dict(failures),
    )

"""The national day as replications: every practice of the country, one day, repeated.

One replication samples and queues every GP practice, pharmacy and admissions desk
(:data:`PRACTICES`) on the vectorised engine (:mod:`scenarios.models.national`); its random
streams are keyed by (seed, replication, kind of place), so replications are independent and
a replication gives the same day wherever it runs (in this process or on a Dask worker).
The summary gives, per kind and for the whole country, the mean over replications with a
95 % interval (none, with the reason, for one replication).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scenarios.models.dask_jobs import on_dask
from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.national import NationalResult, national_result, queue_waits, sample_practices
from scenarios.models.params import GpScenario, WalkInScenario, load_scenario
from scenarios.models.runner import MAX_REPLICATIONS
from scenarios.models.stats import Estimate, t_interval
from scenarios.models.streams import DayStreams

PRACTICES = {"gp": 60_000, "pharmacy": 11_000, "hospital": 300}
"""Places of each kind: about 2.4 M GP visits, 3.0 M pharmacy visits, 0.1 M admissions a day."""
CHUNK_VISITS = 600_000
"""Places are simulated in chunks of about this many visits: wide enough that each NumPy call
does work rather than overhead, and no single call runs long enough to delay Ctrl-C."""


@dataclass(frozen=True)
class NationalDay:
    """One replication: the result of each kind of place."""

    replication: int
    kinds: dict[str, NationalResult]


def national_day(mix: Mix, seed: int, replication: int, practices: Mapping[str, int] = PRACTICES,
                 reads: Mapping[str, Sampler] | None = None) -> NationalDay:
    """Simulate one national day (replication ``replication`` of ``seed``)."""
    kinds = {}
    for index, (name, count) in enumerate(practices.items()):
        scenario = _builtin(name)
        identifier = Identifier(scenario.identification, reads)
        size = max(1, int(CHUNK_VISITS / expected_visits(scenario)))
        days, waits = [], []
        for chunk, first in enumerate(range(0, count, size)):
            day = sample_practices(scenario, min(size, count - first), mix, identifier,
                                   DayStreams((seed, replication, index, chunk)))
            days.append(day)
            waits.append(queue_waits(day))
        kinds[name] = national_result(days, waits)
    return NationalDay(replication, kinds)


@functools.cache
def _builtin(name: str) -> GpScenario | WalkInScenario:
    """A built-in scenario, read once per process (they are frozen)."""
    return load_scenario(name)


def expected_visits(scenario: GpScenario | WalkInScenario) -> float:
    """Visits one place of ``scenario`` expects in a day."""
    start, end = scenario.opening.start_hour, scenario.opening.end_hour
    if isinstance(scenario, GpScenario):
        return max(1.0, (end - start) * 60 / scenario.slot_minutes * (1 - scenario.no_show))
    return max(1.0, sum(rate * max(0.0, min(hour + 1, end) - max(hour, start))
                        for hour, rate in scenario.arrivals_per_hour.items()))


def run_national(mix: Mix, replications: int, seed: int = 0, practices: Mapping[str, int] = PRACTICES,
                 reads: Mapping[str, Sampler] | None = None, dask: str | None = None,
                 progress: Callable[[], None] | None = None) -> list[NationalDay]:
    """``replications`` national days, in replication order: here, or on the Dask scheduler ``dask``."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ModelError(f"replications must be 1 to {MAX_REPLICATIONS} (got {replications})")
    bad = {name: count for name, count in practices.items() if count < 1}
    if bad:
        raise ModelError(f"practices must be at least 1 of each kind (got {bad})")
    tick = progress or (lambda: None)
    days: list[NationalDay] = []
    jobs = (day for _, day in on_dask(dask, national_day, [(r, (mix, seed, r, dict(practices), reads))
                                                            for r in range(replications)])
            ) if dask else (national_day(mix, seed, r, practices, reads) for r in range(replications))
    for day in jobs:
        days.append(day)
        tick()
    return sorted(days, key=lambda d: d.replication)


@dataclass(frozen=True)
class KindSummary:
    """One kind of place (or the whole country) over the replications."""

    name: str
    visits: Estimate
    identification_hours: Estimate
    wait_p50_s: Estimate | None
    wait_p95_s: Estimate | None
    """None for the whole country: waits are summarised per kind of place."""

    def to_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"kind": self.name, "visits": self.visits.to_json(),
                "identification_hours": self.identification_hours.to_json(),
                "wait_p50_s": self.wait_p50_s and self.wait_p50_s.to_json(),
                "wait_p95_s": self.wait_p95_s and self.wait_p95_s.to_json()}


def summarise_national(days: list[NationalDay]) -> list[KindSummary]:
    """Per kind, then ``all`` (visits and hours summed; no pooled waits), with intervals over replications."""
    summaries = []
    for name in days[0].kinds:
        results = [day.kinds[name] for day in days]
        summaries.append(KindSummary(
            name, t_interval([r.visits for r in results], nonnegative=True),
            t_interval([r.identification_hours for r in results], nonnegative=True),
            t_interval([r.wait_p50_s for r in results], nonnegative=True),
            t_interval([r.wait_p95_s for r in results], nonnegative=True)))
    summaries.append(KindSummary(
        "all", t_interval([sum(r.visits for r in d.kinds.values()) for d in days], nonnegative=True),
        t_interval([sum(r.identification_hours for r in d.kinds.values()) for d in days], nonnegative=True),
        None, None))
    return summaries

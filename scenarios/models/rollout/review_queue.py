"""SimPy model of the identity-check queue: video enrolments reviewed by operators on shifts.

Enrolments arrive as a Poisson process whose rate changes every hour of the day
(``arrivals_by_hour`` × the day's volume); each shift of ``identity_check.shifts`` is staffed
by the same number of operators, who take the oldest waiting enrolment while on duty and
finish the review they hold when their shift ends. Enrolments sent while nobody is on duty
wait for the next shift. At the end of a shift its operators stay until no enrolment is
left waiting (the day's queue is closed out). Review times are exponential with mean ``review_minutes`` (as in
Erlang C, which the stationary case is checked against). Times are in minutes.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from scenarios.models.errors import ModelError
from scenarios.models.rollout.params import IdentityCheck, Shift

MINUTES_PER_DAY = 24 * 60


def arrival_times(videos_per_day: float, shares: dict[int, float], days: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival minutes over ``days`` days: Poisson counts per hour, uniform within the hour."""
    chunks = [day * MINUTES_PER_DAY + (hour + rng.random(rng.poisson(videos_per_day * share))) * 60
              for day in range(days) for hour, share in shares.items()]
    return np.sort(np.concatenate(chunks)) if chunks else np.empty(0)


@dataclass(frozen=True)
class ReviewRun:
    """What one run of the review queue gave: every wait, and the work done after shifts ended."""

    waits: np.ndarray
    """Minutes each enrolment waited for its review, in review order."""
    overtime_minutes: float
    """Operator minutes worked after the end of their shift, closing out the queue (all days)."""
    close_out_reviews: int
    """Reviews started after the shift of the operator who did them had ended."""


class ReviewQueue:
    """One run of the review queue: the arrivals, the operators, and the waits they give."""

    def __init__(self, check: IdentityCheck, operators: int, arrivals: np.ndarray,
                 rng: np.random.Generator) -> None:
        if operators < 1:
            raise ModelError(f"operators per shift must be at least 1 (got {operators})")
        self.check = check
        self.rng = rng
        self.env = simpy.Environment()
        self.pending = simpy.Store(self.env)
        self.arrivals = arrivals
        self.waits: list[float] = []
        self.reviewed = 0
        self.overtime = 0.0
        self.close_out = 0
        self.all_reviewed = self.env.event()
        self.env.process(self._send())
        for shift in check.shifts:
            for _ in range(operators):
                self.env.process(self._operator(shift))

    def _send(self) -> Generator[Any, Any, None]:
        for arrival in self.arrivals:
            yield self.env.timeout(arrival - self.env.now)
            yield self.pending.put(arrival)

    def _operator(self, shift: Shift) -> Generator[Any, Any, None]:
        env = self.env
        day = 0
        while True:
            start = day * MINUTES_PER_DAY + shift.start * 60
            end = day * MINUTES_PER_DAY + shift.end * 60
            day += 1
            if env.now >= end:
                continue
            yield env.timeout(max(0.0, start - env.now))
            while env.now < end or self.pending.items:
                take = self.pending.get()
                yield (take | env.timeout(end - env.now)) if env.now < end else take
                if not take.triggered:
                    take.cancel()
                    break
                self.waits.append(env.now - take.value)
                self.close_out += env.now >= end
                yield env.timeout(self.rng.exponential(self.check.review_time.minutes))
                self.reviewed += 1
                if self.reviewed == len(self.arrivals):
                    self.all_reviewed.succeed()  # the last review is over: all work is known
            self.overtime += max(0.0, env.now - end)

    def run(self) -> ReviewRun:
        """Simulate until every enrolment is reviewed."""
        if len(self.arrivals):
            self.env.run(until=self.all_reviewed)
        return ReviewRun(np.asarray(self.waits), self.overtime, self.close_out)


def review_run(check: IdentityCheck, videos_per_day: float, operators: int, seed: int,
               replication: int, days: int = 1) -> ReviewRun:
    """One replication of ``days`` days with ``operators`` on each shift."""
    rng = np.random.default_rng([seed, replication])
    arrivals = arrival_times(videos_per_day, check.arrivals_by_hour, days, rng)
    return ReviewQueue(check, operators, arrivals, rng).run()


def review_waits(check: IdentityCheck, videos_per_day: float, operators: int, seed: int,
                 replication: int, days: int = 1) -> np.ndarray:
    """Waits (minutes) of one replication of ``days`` days with ``operators`` on each shift."""
    return review_run(check, videos_per_day, operators, seed, replication, days).waits

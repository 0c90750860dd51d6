"""How many operators per shift keep the review wait under target, by simulation (Erlang C beside).

For a day's volume of video enrolments, replications of :mod:`review_queue` are run for a
number of operators per shift; the target is met when the mean over replications of the
chosen statistic (``mean`` or ``p95`` wait) is within ``target_wait_minutes``. The search
starts from Erlang C's answer for the busiest hour and bisects to the fewest operators that
meet the target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from functools import cache

import numpy as np

from scenarios.models.dask_jobs import on_dask
from scenarios.models.errors import ModelError
from scenarios.models.rollout.operators import MAX_OPERATORS, operators_needed
from scenarios.models.rollout.params import IdentityCheck
from scenarios.models.rollout.review_queue import ReviewRun, review_run
from scenarios.models.runner import MAX_WORKERS, process_pool
from scenarios.models.stats import Estimate, t_interval
from scenarios.models.units import Duration

MAX_REVIEW_REPLICATIONS = 1000
"""Replications of the review queue per sized day, at most."""


@dataclass(frozen=True)
class ReviewSizing:
    """The review queue on one day: operators per shift by simulation and by Erlang C, and waits."""

    date: dt.date
    video_enrolments: float
    operators: int
    erlang_operators: int
    mean_wait_min: Estimate
    p95_wait_min: Estimate
    target_statistic: str
    target_wait: Duration
    operator_hours: float
    """Operator hours a day: every shift staffed in full, plus the overtime closing out the queue."""
    overtime_hours: float = 0.0
    close_out_reviews: float = 0.0
    warnings: tuple[str, ...] = ()
    """Hours and shifts whose operators on duty cannot keep up (utilisation ≥ 1)."""
    explanation: str = ""
    """Why Erlang C's count differs from the simulation's."""

    def to_json(self) -> dict:
        """Plain data (ISO date, intervals as mean/low/high)."""
        return {"date": self.date.isoformat(), "video_enrolments": self.video_enrolments,
                "operators_per_shift": self.operators, "erlang_c_operators": self.erlang_operators,
                "mean_wait_min": self.mean_wait_min.to_json(), "p95_wait_min": self.p95_wait_min.to_json(),
                "target_statistic": self.target_statistic, "target_wait_min": self.target_wait.minutes,
                "operator_hours_per_day": self.operator_hours, "overtime_hours_per_day": self.overtime_hours,
                "close_out_reviews_per_day": self.close_out_reviews, "warnings": list(self.warnings),
                "erlang_c_vs_simpy": self.explanation}


def utilisation_warnings(check: IdentityCheck, videos_per_day: float, operators: int) -> list[str]:
    """Each hour and shift where the operators on duty get as much work as they can do, or more."""
    per_operator_hour = Duration.of_hours(1) / check.review_time
    warnings = []
    for hour, share in check.arrivals_by_hour.items():
        on_duty = operators * sum(1 for s in check.shifts if s.start <= hour and hour + 1 <= s.end)
        if share > 0 and on_duty:
            load = videos_per_day * share / (on_duty * per_operator_hour)
            if load >= 1:
                warnings.append(f"{hour:02d}:00-{hour + 1:02d}:00 utilisation {load:.2f} ≥ 1: "
                                f"{on_duty} operators on duty cannot keep up, the queue grows")
    for shift in check.shifts:
        work = sum(videos_per_day * share for hour, share in check.arrivals_by_hour.items()
                   if shift.start <= hour < shift.end)
        load = work / (operators * (shift.end - shift.start) * per_operator_hour)
        if load >= 1:
            warnings.append(f"shift {shift.start:g}-{shift.end:g} h utilisation {load:.2f} ≥ 1: the shift "
                            "ends with a queue its operators close out in overtime")
    return warnings


def explain(check: IdentityCheck, videos_per_day: float, operators: int, erlang: int) -> str:
    """Why the two sizings differ, in one sentence with the figures."""
    peak = max(check.arrivals_by_hour.values()) * videos_per_day
    return (f"Erlang C: {erlang} operators for the busiest hour ({peak:,.0f} videos/h) as if it lasted, "
            f"mean wait ≤ {check.target_wait.minutes:g} min; SimPy: {operators} per shift on each of "
            f"{len(check.shifts)} shifts for the whole day's profile (queues carry over between hours, "
            f"shifts close out), {check.target_statistic} wait ≤ {check.target_wait.minutes:g} min")


def wait_estimates(check: IdentityCheck, videos_per_day: float, operators: int, replications: int,
                   seed: int = 0, days: int = 1) -> tuple[Estimate, Estimate]:
    """Mean and p95 wait (minutes), each with a 95 % interval over ``replications``."""
    return _estimates([review_run(check, videos_per_day, operators, seed, replication, days)
                       for replication in range(replications)])


def _estimates(runs: list[ReviewRun]) -> tuple[Estimate, Estimate]:
    means, p95s = [], []
    for run in runs:
        waits = run.waits
        means.append(float(waits.mean()) if waits.size else 0.0)
        p95s.append(float(np.percentile(waits, 95)) if waits.size else 0.0)
    return t_interval(means, nonnegative=True), t_interval(p95s, nonnegative=True)


def size_review_queue(day: dt.date, new_activations: float, check: IdentityCheck, replications: int = 5,
                      seed: int = 0) -> ReviewSizing:
    """The fewest operators per shift whose simulated wait statistic meets the target on ``day``."""
    if replications < 1:
        raise ModelError(f"review replications must be at least 1 (got {replications})")
    videos = new_activations * check.video_share
    erlang, _ = operators_needed(new_activations, check)
    shift_hours = sum(shift.end - shift.start for shift in check.shifts)
    if videos <= 0:
        none = Estimate(0.0, reason="no video enrolments")
        return ReviewSizing(day, 0.0, 0, 0, none, none, check.target_statistic, check.target_wait,
                            0.0)

    @cache
    def runs(operators: int) -> list[ReviewRun]:
        return [review_run(check, videos, operators, seed, r) for r in range(replications)]

    def meets(operators: int) -> bool:
        mean, p95 = _estimates(runs(operators))
        statistic = mean if check.target_statistic == "mean" else p95
        return Duration.of_minutes(statistic.mean) <= check.target_wait

    fails, enough = 0, max(1, erlang)  # 0 operators never meet the target
    while not meets(enough):
        fails, enough = enough, enough * 2
        if enough > MAX_OPERATORS:
            raise ModelError(f"more than {MAX_OPERATORS} operators per shift needed: "
                             "check the identity_check parameters")
    while enough - fails > 1:  # bisection: the same patients for every count, so waits fall with it
        middle = (fails + enough) // 2
        fails, enough = (fails, middle) if meets(middle) else (middle, enough)
    operators = enough
    mean, p95 = _estimates(runs(operators))
    overtime = float(np.mean([run.overtime_minutes for run in runs(operators)])) / 60
    close_out = float(np.mean([run.close_out_reviews for run in runs(operators)]))
    return ReviewSizing(day, videos, operators, erlang, mean, p95, check.target_statistic,
                        check.target_wait, operators * shift_hours + overtime, overtime, close_out,
                        tuple(utilisation_warnings(check, videos, operators)),
                        explain(check, videos, operators, erlang))


def size_days(days: Sequence[tuple[dt.date, float]], check: IdentityCheck, replications: int = 5,
              seed: int = 0, workers: int | None = None, progress: Callable[[], None] | None = None,
              dask: str | None = None) -> list[ReviewSizing]:
    """:func:`size_review_queue` for each (day, new activations), in that order.

    ``workers`` = 1 sizes them in this process; otherwise in a process pool (``None``: one
    worker per CPU), or, with ``dask`` (``tcp://host:port``), one task per day on that Dask
    cluster. Each day's random streams depend on (seed, day) only, so all three give the same
    sizing.
    """
    if not 1 <= replications <= MAX_REVIEW_REPLICATIONS:
        raise ModelError(f"review replications must be 1 to {MAX_REVIEW_REPLICATIONS} (got {replications})")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ModelError(f"workers must be 1 to {MAX_WORKERS} (got {workers})")
    tick = progress or (lambda: None)
    if dask is not None:
        done: dict[int, ReviewSizing] = {}
        jobs = [(index, (day, new, check, replications, seed)) for index, (day, new) in enumerate(days)]
        for index, sizing in on_dask(dask, size_review_queue, jobs):
            done[int(index)] = sizing
            tick()
        return [done[index] for index in range(len(days))]
    if workers == 1:
        sized = []
        for day, new in days:
            sized.append(size_review_queue(day, new, check, replications, seed))
            tick()
        return sized
    with process_pool(workers) as pool:
        futures = {pool.submit(size_review_queue, day, new, check, replications, seed): index
                   for index, (day, new) in enumerate(days)}
        done = {}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            tick()
    return [done[index] for index in range(len(days))]

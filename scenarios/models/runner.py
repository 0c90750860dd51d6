"""Run the replications of several mixes: in this process, in worker processes, or on Dask."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from scenarios.models.dask_jobs import on_dask
from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.identification import Mix
from scenarios.models.params import GpScenario, WalkInScenario
from scenarios.models.replications import MixSummary, Replication, run_replication, summarise

MAX_DAYS = 366
MAX_REPLICATIONS = 1000
"""Bounds that keep a run's memory and time finite (each replication's results are kept)."""
MAX_WORKERS = 64


@contextmanager
def process_pool(workers: int | None) -> Iterator[ProcessPoolExecutor]:
    """A process pool that, when its block is left by an exception (Ctrl-C), cancels what has
    not started and stops its workers at once instead of waiting for every queued task."""
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in multiprocessing.active_children():
            process.terminate()
        raise
    pool.shutdown()


def run_mixes(scenario: GpScenario | WalkInScenario, mixes: Sequence[Mix], days: int, replications: int,
              seed: int = 0, reads: Mapping[str, Sampler] | None = None, *, workers: int | None = None,
              dask: str | None = None, progress: Callable[[], None] | None = None,
              detailed: bool = False) -> list[MixSummary]:
    """Every mix × replication, summarised per mix, in the order of ``mixes``.

    ``workers`` = 1 runs in this process; otherwise a process pool (``None``: one per CPU)
    runs them, or the Dask cluster whose scheduler is at ``dask`` (``tcp://host:port``).
    ``detailed`` drives the real simulators for every NFC and card read.
    """
    if days < 1 or replications < 1:
        raise ModelError(f"days and replications must be at least 1 (got {days} and {replications})")
    if days > MAX_DAYS or replications > MAX_REPLICATIONS:
        raise ModelError(f"days and replications must be at most {MAX_DAYS} and {MAX_REPLICATIONS} "
                         f"(got {days} and {replications})")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ModelError(f"workers must be 1 to {MAX_WORKERS} (got {workers})")
    tasks = [(index, mix, rep) for index, mix in enumerate(mixes) for rep in range(replications)]
    done: dict[int, list[Replication]] = {index: [] for index in range(len(mixes))}
    tick = progress or (lambda: None)

    def args(mix: Mix, replication: int) -> tuple:
        return scenario, mix, days, seed, replication, reads, detailed

    if dask is not None:
        for index, result in on_dask(dask, run_replication, [(i, args(m, r)) for i, m, r in tasks]):
            done[index].append(result)
            tick()
    elif workers == 1:
        for index, mix, replication in tasks:
            done[index].append(run_replication(*args(mix, replication)))
            tick()
    else:
        with process_pool(workers) as pool:
            futures = {pool.submit(run_replication, *args(m, r)): i for i, m, r in tasks}
            for future in as_completed(futures):
                done[futures[future]].append(future.result())
                tick()
    return [summarise(mix, done[index], scenario.opening.days_per_week) for index, mix in enumerate(mixes)]

"""A vectorised FIFO queue engine for many independent practices at once (national scale).

For each practice, customers in arrival order take the first server to become free
(Kiefer–Wolfowitz; Lindley's recursion when there is one server): start = max(arrival,
earliest free time), and that server is then free at start + service. One step handles
customer k of every practice with NumPy. This is exactly what the SimPy engine's FIFO
:class:`~scenarios.models.engine.Desk` does; a test checks they agree on the same inputs.
"""

from __future__ import annotations

import numpy as np

from scenarios.models.errors import ModelError


def fifo_waits(arrivals: np.ndarray, services: np.ndarray, servers: int | np.ndarray) -> np.ndarray:
    """Waits in queue, shape (practices, customers); arrivals sorted per row, NaN-padded.

    ``servers`` is one count for every practice or one per practice. Padded entries (NaN
    arrival) get a NaN wait and do not occupy a server.
    """
    if arrivals.shape != services.shape or arrivals.ndim != 2:
        raise ModelError("arrivals and services must be 2-D arrays of the same shape")
    practices, customers = arrivals.shape
    counts = np.broadcast_to(np.asarray(servers, dtype=int), (practices,))
    if counts.min(initial=1) < 1:
        raise ModelError("every practice needs at least one server")
    # Padding comes last in each row: as an arrival at +inf it takes a server for ever, which no
    # later customer of that row needs. Columns are copied contiguous, one per step.
    arriving = np.ascontiguousarray(np.where(np.isnan(arrivals), np.inf, arrivals).T)
    serving = np.ascontiguousarray(services.T)
    waits = np.empty((customers, practices))
    with np.errstate(invalid="ignore"):  # inf − inf: a padded entry's wait, NaN as it should be
        _advance(arriving, serving, counts, waits)
    waits = waits.T
    waits[np.isnan(arrivals)] = np.nan
    return waits


def _advance(arriving: np.ndarray, serving: np.ndarray, counts: np.ndarray, waits: np.ndarray) -> None:
    """Fill ``waits`` (customers × practices) step by step, customer k of every practice at once."""
    customers, practices = arriving.shape
    if counts.max(initial=1) == 1:
        free = np.zeros(practices)
        for k in range(customers):
            start = np.maximum(arriving[k], free, out=free)
            np.subtract(start, arriving[k], out=waits[k])
            free += serving[k]
    else:
        free = np.zeros((practices, int(counts.max())))
        free[np.arange(free.shape[1])[None, :] >= counts[:, None]] = np.inf  # servers a practice lacks
        rows = np.arange(practices)
        for k in range(customers):
            server = free.argmin(axis=1)
            start = np.maximum(arriving[k], free[rows, server])
            np.subtract(start, arriving[k], out=waits[k])
            free[rows, server] = start + serving[k]

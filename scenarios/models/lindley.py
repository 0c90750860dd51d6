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
    free = np.zeros((practices, int(counts.max(initial=1))))
    free[np.arange(free.shape[1])[None, :] >= counts[:, None]] = np.inf  # servers a practice lacks
    rows = np.arange(practices)
    waits = np.full(arrivals.shape, np.nan)
    for k in range(customers):
        arrival = arrivals[:, k]
        present = ~np.isnan(arrival)
        server = free.argmin(axis=1)
        start = np.maximum(arrival, free[rows, server])
        waits[present, k] = start[present] - arrival[present]
        free[rows[present], server[present]] = start[present] + services[present, k]
    return waits

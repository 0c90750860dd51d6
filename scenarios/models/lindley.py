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
    return column_waits(np.ascontiguousarray(arrivals.T), np.ascontiguousarray(services.T), servers).T


def column_waits(arriving: np.ndarray, serving: np.ndarray, servers: int | np.ndarray) -> np.ndarray:
    """:func:`fifo_waits` on arrays laid out (customers, practices), C-contiguous: one row per step.

    Padding comes last in each practice's column: its NaN arrival makes its start, its wait
    and then that server's free time NaN, which only later padding of that column meets.
    """
    customers, practices = arriving.shape
    counts = np.broadcast_to(np.asarray(servers, dtype=int), (practices,))
    if counts.min(initial=1) < 1:
        raise ModelError("every practice needs at least one server")
    waits = np.empty((customers, practices))
    _advance(arriving, serving, counts, waits)
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
        # Each column holds a practice's servers' free times, kept sorted: the customer takes
        # row 0 (the earliest), and their end time is merged into the rest in one pass.
        # Servers a practice lacks are free at +inf and stay at the bottom.
        free = np.zeros((int(counts.max()), practices))
        free[np.arange(free.shape[0])[:, None] >= counts[None, :]] = np.inf
        rows = list(free)
        carry, spare = np.empty(practices), np.empty(practices)
        for k in range(customers):
            start = np.maximum(arriving[k], rows[0], out=carry)
            np.subtract(start, arriving[k], out=waits[k])
            carry += serving[k]
            for row in range(1, len(rows)):
                np.minimum(rows[row], carry, out=rows[row - 1])
                np.maximum(rows[row], carry, out=spare)
                carry, spare = spare, carry
            rows[-1], carry = carry, rows[-1]  # the last row's values are merged: its buffer is free

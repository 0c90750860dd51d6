"""The queueing engine every model runs on: a desk of servers and a visit process.

A :class:`Desk` is a SimPy resource with a log of every visit; :func:`visit` is the
process of one customer: arrive, queue, be served for a duration computed when service
starts, leave. The M/M/c validation model and the waiting rooms use exactly this code.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy


@dataclass
class VisitLog:
    """Arrival, service start and departure times of every finished visit, in order of departure."""

    arrivals: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    departures: list[float] = field(default_factory=list)

    def waits(self) -> list[float]:
        """Time each customer waited in the queue."""
        return [s - a for a, s in zip(self.arrivals, self.starts, strict=True)]

    def __len__(self) -> int:
        return len(self.departures)


class Desk:
    """``servers`` identical servers sharing one first-come-first-served queue."""

    def __init__(self, env: simpy.Environment, servers: int) -> None:
        self.env = env
        self.resource = simpy.Resource(env, capacity=servers)
        self.log = VisitLog()

    @property
    def queue_length(self) -> int:
        """Customers waiting (not being served) right now."""
        return len(self.resource.queue)


ServiceTime = float | Callable[[], float]


def visit(desk: Desk, service: ServiceTime) -> Generator[Any, Any, float]:
    """One customer: queue at ``desk``, then hold a server for ``service`` seconds.

    ``service`` is a duration, or a function called when service starts that returns one.

    Returns the time waited in the queue.
    """
    env = desk.env
    arrived = env.now
    with desk.resource.request() as request:
        yield request
        started = env.now
        yield env.timeout(service() if callable(service) else service)
    desk.log.arrivals.append(arrived)
    desk.log.starts.append(started)
    desk.log.departures.append(env.now)
    return started - arrived

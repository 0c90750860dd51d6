"""Read times of the real simulators, measured: what ``waiting-room --detailed`` draws its reads from.

The detailed mode really runs every identification on the SimPy clock, which moves by modelled
time. So that its reads are the simulators' own and not the step-time distributions, the reads
are first timed, outside the simulated day: a :class:`~scenarios.models.detailed_practice.Practice`
reads a card holder's Vitale card and an apCV user's phone over NFC (reader kernel, ``sim:``
link) and scans the phone's QR code (``sim:`` scanner), each ``samples`` times, on this
machine's clock (``time.perf_counter``). Those samples become the read-time distribution of
each method (:class:`~scenarios.models.distributions.Empirical`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import simpy

from scenarios.models.detailed_practice import Practice, phone_of
from scenarios.models.distributions import Empirical
from scenarios.models.errors import ModelError

DEFAULT_SAMPLES = 200
MAX_SAMPLES = 10_000
ORIGIN = "reads through the simulators"
CALIBRATION_HOUR = 9
"""The (simulated) hour of day at which the reads are timed: the backend and the phones need a day."""


def measure_simulator_reads(samples: int = DEFAULT_SAMPLES, seed: int = 0) -> dict[str, Empirical]:
    """``samples`` timed reads (seconds) of a card, a phone over NFC and a phone's QR code."""
    if not 2 <= samples <= MAX_SAMPLES:
        raise ModelError(f"simulator read samples must be 2 to {MAX_SAMPLES} (got {samples})")
    practice = Practice(seed)
    practice.clock.start_day(simpy.Environment(initial_time=CALIBRATION_HOUR * 3600))
    try:
        holder, user = practice.people.card_holder(), practice.people.app_user()
        phone = phone_of(user)
        phone.unlock()
        reads: dict[str, Callable[[], object]] = {
            "card": lambda: practice.tap(holder.card),
            "nfc": lambda: practice.tap(phone),
            "qr": lambda: practice.scan(phone),
        }
        return {method: Empirical([_timed(read) for _ in range(samples)], ORIGIN)
                for method, read in reads.items()}
    finally:
        practice.close()


def _timed(read: Callable[[], object]) -> float:
    start = time.perf_counter()
    read()
    return time.perf_counter() - start

"""Offered load of a waiting room: is there enough staff for who comes, hour by hour and over the day?

The utilisation of a desk is the work brought to it (patients × mean time each needs: service
or consultation plus identification by the mix) over the time its servers are there. Over the
whole day at 1 or more, the queue never clears: the day is refused. An hour at 1 or more is a
rush the desk can only absorb by building a queue: it is warned about.
"""

from __future__ import annotations

import numpy as np

from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import GpScenario, WalkInScenario

SAMPLED_PATIENTS = 20_000
"""Patients drawn to estimate the mean identification time of a mix."""


def _patients_by_hour(scenario: GpScenario | WalkInScenario) -> dict[int, float]:
    start, end = scenario.opening.start_hour, scenario.opening.end_hour
    hours = range(int(start), int(np.ceil(end)))

    def open_share(hour: int) -> float:
        return max(0.0, min(hour + 1, end) - max(hour, start))
    if isinstance(scenario, GpScenario):
        per_hour = 60 / scenario.slot_minutes * (1 - scenario.no_show)
        return {hour: per_hour * open_share(hour) for hour in hours}
    return {hour: scenario.arrivals_per_hour.get(hour, 0.0) * open_share(hour) for hour in hours}


def check_capacity(scenario: GpScenario | WalkInScenario, mix: Mix) -> list[str]:
    """Warnings for hours at utilisation ≥ 1; a :class:`ModelError` when the whole day is."""
    identification = float(Identifier(scenario.identification).sample_durations(
        mix, SAMPLED_PATIENTS, np.random.default_rng(0)).mean())
    if isinstance(scenario, GpScenario):
        own = 0.0 if scenario.secretary else identification
        desks = {"practitioner": (1, scenario.consultation.mean + own)}
        if scenario.secretary:
            desks["secretary"] = (1, identification)
    else:
        desks = {"counters": (scenario.servers, scenario.service.mean + identification)}
    patients = _patients_by_hour(scenario)
    start, end = scenario.opening.start_hour, scenario.opening.end_hour
    open_s = (scenario.opening.end_hour - scenario.opening.start_hour) * 3600
    warnings = []
    for desk, (servers, seconds) in desks.items():
        day = sum(patients.values()) * seconds / (servers * open_s)
        if day >= 1:
            raise ModelError(f"{scenario.name}, {mix.label}: {desk} at utilisation {day:.2f} over the "
                             f"day (≥ 1): {servers} cannot serve everyone who comes; add servers or lower "
                             "arrivals")
        for hour, count in patients.items():
            there = servers * 3600 * max(0.0, min(hour + 1, end) - max(hour, start))
            if count and count * seconds / there >= 1:
                warnings.append(f"{scenario.name}, {mix.label}: {desk} at utilisation "
                                f"{count * seconds / there:.2f} from {hour:02d}:00 (≥ 1: the queue grows)")
    return warnings

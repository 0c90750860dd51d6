"""The rollout day by day, and the backend request rate by hour of day that follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import default_identification
from scenarios.models.rollout.curves import activations, practitioners
from scenarios.models.rollout.operators import operators_needed
from scenarios.models.rollout.params import RolloutParams
from scenarios.models.units import Duration


@dataclass(frozen=True)
class RolloutDay:
    """The state of the rollout on one day."""

    date: dt.date
    activations: float
    new_activations: float
    practitioners: float
    video_enrolments: float
    operators: int
    operator_wait: Duration
    """Erlang C's mean wait for a review with ``operators``."""
    apcv_visits: float
    peak_requests_per_s: float
    identification_time: Duration
    """Practitioners' time spent identifying patients that day, nationally (card, QR and NFC)."""
    public_point: bool = False
    """Whether the activation count on this day is a published figure (the curve goes through it)."""

    def to_json(self) -> dict:
        """Plain data (ISO date, the wait in minutes, identification in hours)."""
        data = {field.name: getattr(self, field.name) for field in fields(self)
                if not isinstance(getattr(self, field.name), Duration)}
        return {**data, "date": self.date.isoformat(), "operator_wait_min": self.operator_wait.minutes,
                "identification_hours": self.identification_time.hours}


def apcv_visits(params: RolloutParams, day: dt.date) -> float:
    """Visits on ``day`` where the patient presents the app to an equipped practitioner."""
    backend = params.backend
    holders = min(1.0, activations(params.activations, day) / backend.card_holders) * backend.usage_share
    equipped = min(1.0, practitioners(params.practitioners, day) / params.practitioners.ceiling)
    return backend.visits_per_day * holders * equipped


def visit_mix(params: RolloutParams, day: dt.date) -> Mix:
    """How the day's visits identify: the app where it is presented (QR or NFC), the card elsewhere."""
    app = apcv_visits(params, day) / params.backend.visits_per_day
    nfc = params.backend.nfc_share
    return Mix({"card": 1 - app, "qr": app * (1 - nfc), "nfc": app * nfc})


def identification_time(params: RolloutParams, day: dt.date, identifier: Identifier) -> Duration:
    """Time all practitioners spend identifying patients on ``day`` (mean identification × visits)."""
    return identifier.expected(visit_mix(params, day)) * params.backend.visits_per_day


def hourly_requests(params: RolloutParams, day: dt.date) -> dict[int, float]:
    """Backend requests per second in each hour of ``day``."""
    backend = params.backend
    requests = apcv_visits(params, day) * backend.requests_per_visit
    return {hour: requests * share / 3600 for hour, share in backend.hourly_visit_share.items()}


LAST_DAY = dt.date(2100, 12, 31)
"""The last day a rollout may be modelled to (dates past it would overflow the calendar)."""


def timeline(params: RolloutParams, start: dt.date, until: dt.date, step_days: int = 7,
             progress: Callable[[], None] | None = None, reads: Mapping[str, Sampler] | None = None
             ) -> list[RolloutDay]:
    """One :class:`RolloutDay` every ``step_days`` from ``start``, and on ``until`` itself and on
    every public activation point up to it, whatever the step.

    Identification hours use the built-in step times and failures, with ``reads`` (measured read
    times by method, ``--timings``) in place of the modelled reads.
    """
    if until < start:
        raise ModelError(f"--until {until} is before the start of the rollout ({start})")
    if until > LAST_DAY:
        raise ModelError(f"--until {until} is past {LAST_DAY}: the rollout is modelled up to then")
    if not 1 <= step_days <= 366:
        raise ModelError(f"--step-days must be 1 to 366 (got {step_days})")
    identifier = Identifier(default_identification(), reads)
    points = set(params.activations.points)
    grid = {start + dt.timedelta(days=k) for k in range(0, (until - start).days + 1, step_days)}
    days: list[RolloutDay] = []
    for day in sorted(grid | {until} | {p for p in points if start <= p <= until}):
        active = activations(params.activations, day)
        new = active - activations(params.activations, day - dt.timedelta(days=1))
        operators, wait = operators_needed(new, params.identity_check)
        days.append(RolloutDay(
            date=day, activations=active, new_activations=new,
            practitioners=practitioners(params.practitioners, day),
            video_enrolments=new * params.identity_check.video_share, operators=operators,
            operator_wait=wait, apcv_visits=apcv_visits(params, day),
            peak_requests_per_s=max(hourly_requests(params, day).values()),
            identification_time=identification_time(params, day, identifier), public_point=day in points,
        ))
        if progress:
            progress()
    return days


def sample_days(days: list[RolloutDay], rows: int = 12) -> list[RolloutDay]:
    """About ``rows`` evenly spaced days of ``days``, always including the public points and the last."""
    step = max(1, len(days) // rows)
    return [d for i, d in enumerate(days) if i % step == 0 or d.public_point or d is days[-1]]

"""Rollout parameters (``params/rollout.yaml``), validated with pydantic."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from apcv.input_files import load_yaml, read_text
from apcv.validation import first_error
from scenarios.models.errors import ModelError
from scenarios.models.params import MAX_PARAMS_BYTES, PARAMS_DIR
from scenarios.models.units import Duration

Positive = Annotated[float, Field(gt=0)]


def _check_hour_shares(shares: dict[int, float]) -> dict[int, float]:
    """Hours 0..23 whose shares of a day sum to 1."""
    if any(not 0 <= hour <= 23 for hour in shares):
        raise ValueError("hours must be 0..23")
    if abs(sum(shares.values()) - 1) > 1e-3:
        raise ValueError(f"shares must sum to 1, not {sum(shares.values()):.3f}")
    return dict(sorted(shares.items()))


HourShares = Annotated[dict[int, Annotated[float, Field(ge=0)]], AfterValidator(_check_hour_shares)]
"""Share of a day's total in each hour of the day."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Curve(_Strict):
    """Cumulative counts at dates (growing), and the ceiling they tend to."""

    points: dict[dt.date, Positive]
    ceiling: Positive

    @field_validator("points")
    @classmethod
    def _growing(cls, points: dict[dt.date, float]) -> dict[dt.date, float]:
        ordered = sorted(points.items())
        if len(ordered) < 2:
            raise ValueError("needs at least two dated points")
        if any(b[1] <= a[1] for a, b in itertools.pairwise(ordered)):
            raise ValueError("counts must grow with the dates")
        return dict(ordered)


class PractitionerCurve(Curve):
    """Practitioners: points, then a steady monthly increase up to the ceiling."""

    monthly_increase: float = Field(ge=0)


class Shift(_Strict):
    """Hours of the day (0-24) when a shift of operators is on duty."""

    start: float = Field(ge=0, lt=24)
    end: float = Field(gt=0, le=24)

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: float, info: ValidationInfo) -> float:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError(f"a shift must end after it starts ({start} to {end})")
        return end


class IdentityCheck(_Strict):
    """Video enrolments reviewed by operators.

    ``arrivals_by_hour`` gives both sizings their arrivals: Erlang C takes its busiest hour as
    a stationary queue; the SimPy review queue follows it hour by hour with the ``shifts``.
    """

    video_share: float = Field(ge=0, le=1)
    review_minutes: Positive
    target_wait_minutes: Positive
    target_statistic: Literal["mean", "p95"]
    arrivals_by_hour: HourShares
    shifts: list[Shift] = Field(min_length=1)

    @property
    def review_time(self) -> Duration:
        """The mean time of one review (``review_minutes``)."""
        return Duration.of_minutes(self.review_minutes)

    @property
    def target_wait(self) -> Duration:
        """The wait the sizing must keep within (``target_wait_minutes``)."""
        return Duration.of_minutes(self.target_wait_minutes)


class Backend(_Strict):
    """What drives the backend load: visits, app usage, requests per visit, hours."""

    visits_per_day: Positive
    card_holders: Positive
    usage_share: float = Field(ge=0, le=1)
    nfc_share: float = Field(default=0.3, ge=0, le=1)
    """Share of app presentations made by NFC; the others by QR code."""
    requests_per_visit: Positive
    hourly_visit_share: HourShares


class RolloutParams(_Strict):
    """Everything the rollout model needs."""

    activations: Curve
    practitioners: PractitionerCurve
    identity_check: IdentityCheck
    backend: Backend


def load_rollout(path: str | Path | None = None) -> RolloutParams:
    """Read and validate the rollout parameters (the built-in file by default).

    A file of the user's must be a regular file of at most :data:`MAX_PARAMS_BYTES`.
    """
    source = Path(path) if path else PARAMS_DIR / "rollout.yaml"
    text = (read_text(source, limit=MAX_PARAMS_BYTES, what="rollout file", error=ModelError) if path
            else source.read_text(encoding="utf-8"))
    data = load_yaml(text, str(source), ModelError)
    try:
        return RolloutParams.model_validate(data)
    except ValidationError as exc:
        raise ModelError(f"{source}: {first_error(exc)}") from None

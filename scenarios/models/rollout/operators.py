"""How many identity-check operators keep the wait for a video enrolment review under target."""

from __future__ import annotations

from scenarios.models.erlang import mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.rollout.params import IdentityCheck
from scenarios.models.units import Duration

MAX_OPERATORS = 100_000


def peak_videos_per_minute(daily_enrolments: float, check: IdentityCheck) -> float:
    """Video enrolments per minute in the busiest hour of ``arrivals_by_hour`` (the SimPy queue's profile)."""
    return daily_enrolments * check.video_share * max(check.arrivals_by_hour.values()) / 60


def operators_needed(daily_enrolments: float, check: IdentityCheck) -> tuple[int, Duration]:
    """Fewest operators whose mean wait (Erlang C, busiest hour) is within target; and that wait."""
    videos_per_minute = peak_videos_per_minute(daily_enrolments, check)
    if videos_per_minute <= 0:
        return 0, Duration.of_minutes(0)
    service_rate = 1 / check.review_time.minutes
    operators = max(1, int(videos_per_minute / service_rate) + 1)
    while operators <= MAX_OPERATORS:
        wait = Duration.of_minutes(mean_wait_in_queue(videos_per_minute, service_rate, operators))
        if wait <= check.target_wait:
            return operators, wait
        operators += 1
    raise ModelError(f"more than {MAX_OPERATORS} operators needed: check the identity_check parameters")

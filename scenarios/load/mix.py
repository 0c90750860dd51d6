"""Which users a load test runs, and how fast each kind works: the rollout's mix for a date.

Four kinds of user call the insurer's services. A *journey* is what one user does in one go:

- ``practice``: practice software verifies a presentation (NFC or QR), looks up the rights
  (ADRi) and submits the claim (FSE): 3 requests (2 when ``claim_share`` leaves the claim out,
  as the raw throughput benchmark does);
- ``phone``: the app fetches its new receipts, and now and then delegates the card
  (create, list, revoke: 3 more requests);
- ``activation``: a phone enrols through France Identité (active at once) or a video (then
  asks once for its state);
- ``operator``: an identity-check operator reads the review queue and decides on one enrolment.

The rollout model says how many visits, activations and video enrolments a day brings; each
kind's share of the requests follows. Every kind gets at least ``minimum_user_share`` of the
users (paced slower, so its share of the *requests* is kept): with few users, the operators
and activations still run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scenarios.load.errors import LoadError
from scenarios.load.params import LoadParams
from scenarios.models.rollout.curves import activations
from scenarios.models.rollout.model import apcv_visits
from scenarios.models.rollout.params import RolloutParams

KINDS = ("practice", "phone", "activation", "operator")
VERIFY_AND_RIGHTS_REQUESTS = 2
PRACTICE_REQUESTS = VERIFY_AND_RIGHTS_REQUESTS + 1
DELEGATION_REQUESTS = 3
OPERATOR_REQUESTS = 2


@dataclass(frozen=True)
class UserPlan:
    """One kind of user in a run: its Locust weight and the seconds between its journeys."""

    weight: float
    pace_s: float


@dataclass(frozen=True)
class UserMix:
    """Each kind's share of the requests, and the choices users make inside their journeys."""

    request_shares: dict[str, float]
    qr_share: float
    delegation_chance: float
    video_share: float
    video_status_polls: int
    rejection_share: float
    source: str
    claim_share: float = 1.0
    """Share of visits whose claim is submitted during the visit."""

    def journey_requests(self, kind: str) -> float:
        """Mean requests in one journey of ``kind``."""
        return {"practice": VERIFY_AND_RIGHTS_REQUESTS + self.claim_share,
                "phone": 1 + DELEGATION_REQUESTS * self.delegation_chance,
                "activation": 1 + self.video_share * self.video_status_polls,
                "operator": OPERATOR_REQUESTS}[kind]

    def user_plans(self, requests_per_user_s: float, minimum_share: float) -> dict[str, UserPlan]:
        """Weights and paces giving, on average, ``requests_per_user_s`` per user and the request shares.

        A kind below ``minimum_share`` of the requests still gets that share of the users, each
        of them slower in proportion.
        """
        live = {k: s for k, s in self.request_shares.items() if s > 0}
        users = _user_shares(live, minimum_share)
        plans = {}
        for kind, share in live.items():
            rate = requests_per_user_s * share / users[kind]
            plans[kind] = UserPlan(weight=round(users[kind] * 1000, 3),
                                   pace_s=self.journey_requests(kind) / rate)
        return plans


def _user_shares(request_shares: dict[str, float], minimum: float) -> dict[str, float]:
    """Shares of the users: the request shares, with every kind raised to ``minimum`` and the
    others scaled down to make room (``minimum`` times the kinds is at most 1)."""
    raised: set[str] = set()
    while True:
        free = {k: s for k, s in request_shares.items() if k not in raised}
        room = 1 - minimum * len(raised)
        total = sum(free.values())
        scaled = {k: s / total * room for k, s in free.items()}
        low = {k for k, share in scaled.items() if share < minimum}
        if not low:
            return {**dict.fromkeys(raised, minimum), **scaled}
        raised |= low


def daily_requests(rollout: RolloutParams, load: LoadParams, day: dt.date) -> dict[str, float]:
    """Requests a day brings to the backend, for each kind of user (all of France)."""
    visits = apcv_visits(rollout, day)
    new = activations(rollout.activations, day) - activations(rollout.activations, day - dt.timedelta(days=1))
    holders = activations(rollout.activations, day)
    video = rollout.identity_check.video_share
    return {
        "practice": visits * PRACTICE_REQUESTS,
        "phone": visits * load.receipt_syncs_per_visit
        + holders * load.delegations_per_holder_per_day * DELEGATION_REQUESTS,
        "activation": new * (1 + video * load.video_status_polls),
        "operator": new * video * OPERATOR_REQUESTS,
    }


def _delegation_chance(rollout: RolloutParams, load: LoadParams, day: dt.date) -> float:
    syncs = apcv_visits(rollout, day) * load.receipt_syncs_per_visit
    delegations = activations(rollout.activations, day) * load.delegations_per_holder_per_day
    return min(1.0, delegations / syncs) if syncs else 0.0


def rollout_mix(rollout: RolloutParams, load: LoadParams, day: dt.date) -> UserMix:
    """The mix of users the rollout model gives for ``day``."""
    volumes = daily_requests(rollout, load, day)
    total = sum(volumes.values())  # above 0: the adoption curves are positive on every day
    return UserMix({k: v / total for k, v in volumes.items()}, load.qr_share,
                   _delegation_chance(rollout, load, day), rollout.identity_check.video_share,
                   load.video_status_polls, load.review_rejection_share, f"rollout model, {day}")


def explicit_mix(text: str, rollout: RolloutParams, load: LoadParams, day: dt.date) -> UserMix:
    """A mix given as ``practice=60,phone=25,activation=10,operator=5`` (shares of the requests)."""
    shares: dict[str, float] = {}
    for part in text.split(","):
        kind, sep, value = part.partition("=")
        kind = kind.strip()
        if not sep or kind not in KINDS:
            raise LoadError(f"--mix {text!r}: expected KIND=SHARE items with KIND in {', '.join(KINDS)}, "
                            f"got {part.strip()!r}")
        if kind in shares:
            raise LoadError(f"--mix {text!r}: {kind} is given twice")
        try:
            shares[kind] = float(value)
        except ValueError:
            raise LoadError(f"--mix {text!r}: share of {kind} is not a number: {value!r}") from None
        if not 0 <= shares[kind] < float("inf"):
            raise LoadError(f"--mix {text!r}: share of {kind} must be 0 or more, got {value}")
    total = sum(shares.values())
    if total <= 0:
        raise LoadError(f"--mix {text!r}: at least one share must be above 0")
    base = rollout_mix(rollout, load, day)
    return UserMix({k: shares.get(k, 0.0) / total for k in KINDS}, base.qr_share, base.delegation_chance,
                   base.video_share, base.video_status_polls, base.rejection_share, f"--mix {text}")


def _shift_hours(rollout: RolloutParams) -> dict[int, float]:
    """Share of a day's reviews in each hour: operators work evenly through their shifts."""
    shifts = rollout.identity_check.shifts
    covered = {hour: sum(max(0.0, min(hour + 1, s.end) - max(hour, s.start)) for s in shifts)
               for hour in range(24)}
    total = sum(covered.values())
    return {h: c / total for h, c in covered.items() if c > 0}


def hourly_requests(rollout: RolloutParams, load: LoadParams, day: dt.date, share: float) -> dict[int, float]:
    """Backend requests per second in each busy hour of ``day``, for ``share`` of France, all users."""
    volumes = daily_requests(rollout, load, day)
    profiles = {"practice": rollout.backend.hourly_visit_share, "phone": rollout.backend.hourly_visit_share,
                "activation": rollout.identity_check.arrivals_by_hour, "operator": _shift_hours(rollout)}
    rates: dict[int, float] = {}
    for kind, volume in volumes.items():
        for hour, fraction in profiles[kind].items():
            rates[hour] = rates.get(hour, 0.0) + volume * fraction * share / 3600
    return {hour: rate for hour, rate in sorted(rates.items()) if rate > 0}

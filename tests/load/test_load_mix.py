"""The mix of users: the rollout model's for a date, or given; weights and paces that keep it."""

from __future__ import annotations

import datetime as dt

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.mix import KINDS, daily_requests, explicit_mix, hourly_requests, rollout_mix
from scenarios.load.params import load_params
from scenarios.models.rollout.params import load_rollout

ROLLOUT, LOAD = load_rollout(), load_params()
DAY = dt.date(2026, 12, 31)


def test_the_rollout_mix_has_every_kind_of_user_and_shares_that_add_up() -> None:
    mix = rollout_mix(ROLLOUT, LOAD, DAY)
    assert set(mix.request_shares) == set(KINDS)
    assert sum(mix.request_shares.values()) == pytest.approx(1)
    assert all(share > 0 for share in mix.request_shares.values())
    assert mix.request_shares["practice"] > mix.request_shares["phone"] > mix.request_shares["operator"]


def test_the_mix_follows_the_rollout_practice_grows_as_activations_level_off() -> None:
    early = rollout_mix(ROLLOUT, LOAD, dt.date(2025, 11, 18))
    late = rollout_mix(ROLLOUT, LOAD, dt.date(2028, 1, 3))
    assert late.request_shares["practice"] > early.request_shares["practice"]
    assert late.request_shares["activation"] < early.request_shares["activation"]


def test_weights_and_paces_keep_the_request_shares_and_the_rate_per_user() -> None:
    mix = rollout_mix(ROLLOUT, LOAD, dt.date(2028, 1, 3))
    plans = mix.user_plans(2.0, 0.1)
    total = sum(p.weight for p in plans.values())
    requests = {k: p.weight / total * mix.journey_requests(k) / p.pace_s for k, p in plans.items()}
    assert sum(requests.values()) == pytest.approx(2.0, rel=1e-4)
    for kind, rate in requests.items():
        assert rate / 2.0 == pytest.approx(mix.request_shares[kind], rel=1e-4)
        assert plans[kind].weight / total >= 0.1 - 1e-9  # even the rarest kind has users


def test_an_explicit_mix_keeps_only_the_kinds_given() -> None:
    mix = explicit_mix("practice=3, operator=1", ROLLOUT, LOAD, DAY)
    assert mix.request_shares == {"practice": 0.75, "phone": 0.0, "activation": 0.0, "operator": 0.25}
    assert set(mix.user_plans(1.0, 0.1)) == {"practice", "operator"}


@pytest.mark.parametrize(("text", "message"), [
    ("practice", "KIND=SHARE"), ("doctors=5", "KIND=SHARE"), ("practice=1,practice=2", "given twice"),
    ("practice=lots", "not a number"), ("practice=-1", "0 or more"), ("practice=0,phone=0", "above 0"),
    ("practice=inf", "0 or more"),
])
def test_a_malformed_mix_is_named(text: str, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        explicit_mix(text, ROLLOUT, LOAD, DAY)


def test_the_hourly_profile_spreads_the_day_s_requests_for_a_share_of_france() -> None:
    total = sum(daily_requests(ROLLOUT, LOAD, DAY).values())
    hourly = hourly_requests(ROLLOUT, LOAD, DAY, 0.5)
    assert sum(hourly.values()) * 3600 == pytest.approx(total * 0.5)
    assert max(hourly, key=hourly.get) in range(9, 12)  # the morning peak
    assert all(rate > 0 for rate in hourly.values())

"""Load shapes: who runs when, and every shape ends at its run time."""

from __future__ import annotations

import pytest

from scenarios.load.shapes import ShapeSpec, rollout_hourly_users, user_seconds, users_at


@pytest.mark.parametrize("name", ["constant", "step", "spike", "soak"])
def test_every_shape_ends_at_its_duration(name: str) -> None:
    spec = ShapeSpec(name, users=10, spawn_rate=2, duration_s=30)
    assert users_at(spec, 29.9) is not None
    assert users_at(spec, 30) is None
    assert users_at(spec, 3600) is None


def test_the_rollout_shape_plays_each_hour_in_turn_and_ends() -> None:
    spec = ShapeSpec("rollout", users=4, spawn_rate=2, duration_s=30, hourly_users=((8, 1), (9, 4), (10, 2)))
    assert [users_at(spec, t)[0] for t in (0, 9.9, 10, 19.9, 20, 29.9)] == [1, 1, 4, 4, 2, 2]
    assert users_at(spec, 30) is None
    assert spec.peak_users == 4


def test_the_step_shape_climbs_equal_stairs_to_the_peak() -> None:
    spec = ShapeSpec("step", users=10, spawn_rate=5, duration_s=50, steps=5)
    assert [users_at(spec, t)[0] for t in (0, 10, 20, 30, 40, 49.9)] == [2, 4, 6, 8, 10, 10]


def test_the_spike_jumps_to_the_peak_at_once_and_falls_back() -> None:
    spec = ShapeSpec("spike", users=50, spawn_rate=1, duration_s=100)
    before, during, after = users_at(spec, 10), users_at(spec, 40), users_at(spec, 80)
    assert before[0] == after[0] == 10
    assert during == (50, 50.0)  # all users within a second, whatever the spawn rate asked


def test_the_soak_ramps_over_a_tenth_of_the_run_at_most_a_minute() -> None:
    assert users_at(ShapeSpec("soak", 100, 1, 200), 0) == (100, 5.0)
    assert users_at(ShapeSpec("soak", 120, 1, 3600), 0) == (120, 2.0)


def test_user_seconds_add_up_what_the_shape_asks_for() -> None:
    assert user_seconds(ShapeSpec("constant", 7, 7, 20)) == 140
    assert user_seconds(ShapeSpec("step", 10, 10, 50, steps=5)) == 10 * (2 + 4 + 6 + 8 + 10)


def test_rollout_users_follow_the_hourly_rate_or_are_scaled_to_a_peak() -> None:
    rates = {8: 1.0, 9: 3.5, 10: 0.2}
    assert rollout_hourly_users(rates, 1.0, None) == ((8, 1), (9, 4), (10, 1))
    assert rollout_hourly_users(rates, 1.0, 35) == ((8, 10), (9, 35), (10, 2))

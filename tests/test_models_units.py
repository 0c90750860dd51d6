"""Durations carry their unit: seconds and minutes cannot be mixed silently."""

from __future__ import annotations

import pytest

from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import default_identification, load_scenario
from scenarios.models.rollout.operators import operators_needed
from scenarios.models.rollout.params import load_rollout
from scenarios.models.units import Duration


def test_a_duration_reads_back_in_any_unit() -> None:
    wait = Duration.of_minutes(4) + Duration.of_seconds(30)
    assert (wait.seconds, wait.minutes, wait.hours) == (270, 4.5, 0.075)
    assert Duration.of_hours(1) / Duration.of_minutes(4) == 15
    assert Duration.of_seconds(90) * 2 == 3 * Duration.of_minutes(1)
    assert Duration.of_seconds(59) < Duration.of_minutes(1)


@pytest.mark.parametrize("mixing", [
    lambda: Duration.of_minutes(4) + 30,
    lambda: 30 + Duration.of_minutes(4),
    lambda: Duration.of_minutes(4) - 0.5,
    lambda: Duration.of_minutes(4) < 30,
    lambda: Duration.of_minutes(4) / 2,
    lambda: float(Duration.of_minutes(4)),
    lambda: Duration.of_seconds(Duration.of_minutes(1)),
    lambda: Duration.of_minutes(1) * Duration.of_minutes(1),
])
def test_mixing_a_duration_with_a_bare_number_is_refused(mixing) -> None:
    with pytest.raises(TypeError):
        mixing()


def test_the_models_hand_out_durations_not_bare_numbers() -> None:
    check = load_rollout().identity_check
    _, wait = operators_needed(10_000, check)
    assert isinstance(wait, Duration) and wait <= check.target_wait
    with pytest.raises(TypeError):  # the target is in minutes, the file says so; a bare 30 says nothing
        _ = wait <= check.target_wait_minutes
    identifier = Identifier(default_identification())
    expected = identifier.expected(Mix.parse("card=100"))
    assert isinstance(expected, Duration) and 5 < expected.seconds < 60
    lateness = load_scenario("gp").lateness  # given in minutes in gp.yaml, sampled in seconds
    assert lateness.sampler().mean().minutes == pytest.approx(lateness.mean)

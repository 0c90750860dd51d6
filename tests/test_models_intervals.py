"""Intervals that mean what they say: never below zero for what cannot be, or none with the reason."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.mmc import simulate_mmc
from scenarios.models.rollout.params import load_rollout
from scenarios.models.rollout.review_sizing import wait_estimates
from scenarios.models.stats import batch_means, paired_difference, pooled_percentile, t_interval


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_one_replication_has_no_interval_and_says_why() -> None:
    estimate = t_interval([12.0])
    assert not estimate.has_interval and estimate.low is None and estimate.high is None
    assert estimate.reason == "one replication, no spread to measure"
    assert estimate.to_json()["no_interval"] == estimate.reason
    assert "no interval: one replication" in estimate.text()


def test_a_skewed_non_negative_sample_gets_a_bootstrap_interval_above_zero() -> None:
    samples = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 9.0]
    assert t_interval(samples).low < 0  # what the plain t interval says
    estimate = t_interval(samples, nonnegative=True)
    assert estimate.method == "percentile bootstrap"
    assert 0 <= estimate.low < estimate.mean < estimate.high <= 9


def test_wait_percentiles_get_an_interval_over_replications() -> None:
    rng = np.random.default_rng(1)
    groups = [np.where(rng.random(400) < 0.3, rng.exponential(60, 400), 0.0) for _ in range(8)]
    p95 = pooled_percentile(groups, 95)
    assert p95.method == "bootstrap over replications"
    assert 0 <= p95.low <= p95.mean <= p95.high
    assert p95.mean == pytest.approx(np.percentile(np.concatenate(groups), 95, method="inverted_cdf"))
    assert not pooled_percentile(groups[:1], 95).has_interval
    nobody = pooled_percentile([np.zeros(50), np.zeros(40)], 50)
    assert nobody.mean == 0 and nobody.reason == "nobody waited"


def test_paired_difference_needs_pairs() -> None:
    assert paired_difference([1.0, 2.0, 3.0], [1.5, 2.4, 3.6]).contains(0.5)
    with pytest.raises(ValueError, match="differ in length"):
        paired_difference([1.0], [1.0, 2.0])


def test_batch_means_of_a_proportion_stay_within_0_and_1() -> None:
    rng = np.random.default_rng(2)
    share = batch_means((rng.random(5000) < 0.97).astype(float), proportion=True).estimate
    assert 0 < share.low < share.mean < share.high < 1


@pytest.mark.slow  # many replications at light load
def test_light_load_wait_interval_is_never_negative() -> None:
    """The issue's case: ``queue mmc -L 30 -M 1 -C 50 --seed 9`` gave [-1.4e-05, 9.0e-05]."""
    code, out, _ = _run("queue", "mmc", "-L", "30", "-M", "1", "-C", "50", "--seed", "9", "--json")
    assert code == 0
    data = json.loads(out)
    wait = data["simulated_mean_wait"]
    assert 0 < wait["low"] <= wait["mean"] <= wait["high"]
    waited = data["simulated_probability_of_waiting"]
    assert 0 < waited["low"] <= data["erlang_c_probability_of_waiting"] <= waited["high"] < 1


def test_nobody_waiting_gives_no_interval_and_no_relative_error() -> None:
    result = simulate_mmc(30, 1, 50, customers=1000, seed=0)
    assert result.simulated.mean == 0 and not result.simulated.has_interval
    assert "nobody waited among 1,000 customers" in result.simulated.reason
    assert result.relative_error is None
    assert any("only 0 of 1,000 customers waited" in w for w in result.warnings)


def test_short_heavy_runs_are_warned_about() -> None:
    code, out, err = _run("queue", "mmc", "-L", "0.95", "-M", "1", "-C", "1", "--customers", "1000",
                          "--json")
    assert code == 0
    warnings = json.loads(out)["warnings"]
    assert any("more than the asked 5.0%" in w for w in warnings), warnings
    code, out, err = _run("queue", "mmc", "-L", "0.95", "-M", "1", "-C", "1", "--customers", "1000")
    assert code == 0 and "warning: the interval reaches" in err
    assert "P(wait > 0)" in out


def test_correlated_batches_are_named() -> None:
    trend = np.repeat(np.arange(10.0), 100)  # batch means rising one after another
    assert batch_means(trend, warmup=0).correlated


def test_review_queue_intervals_are_never_negative() -> None:
    """The review queue's p95 gave [-1.34, 5.56] over five replications where most waited 0."""
    check = load_rollout().identity_check
    _, p95 = wait_estimates(check, 15, 1, replications=5, seed=0)  # a Student t low bound: -0.35 min
    assert p95.method == "percentile bootstrap" and 0 <= p95.low < p95.mean < p95.high
    _, nobody = wait_estimates(check, 20, 3, replications=5, seed=0)
    assert nobody.mean == 0 and nobody.reason == "every replication gave 0"


def test_waiting_room_with_one_replication_says_there_is_no_interval() -> None:
    code, out, _ = _run("waiting-room", "--scenario", "pharmacy", "--days", "1", "--replications", "1",
                        "--workers", "1", "--mix", "card=100", "--json")
    assert code == 0
    day = json.loads(out)["mixes"][0]["identification_per_day_s"]
    assert day["low"] is None and day["no_interval"] == "one replication, no spread to measure"
    code, out, _ = _run("waiting-room", "--scenario", "pharmacy", "--days", "1", "--replications", "1",
                        "--workers", "1", "--mix", "card=100")
    assert code == 0 and "±" not in out and "no interval" in out


@pytest.mark.parametrize("command", [("waiting-room",), ("rollout",), ("national-day",),
                                     ("queue", "mmc", "-L", "1", "-M", "2", "-C", "1")])
def test_a_negative_seed_is_one_line(command: tuple[str, ...]) -> None:
    code, _, err = _run(*command, "--seed", "-1")
    assert code == 2 and "--seed" in err and "Traceback" not in err

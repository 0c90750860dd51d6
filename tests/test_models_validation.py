"""The model engine against Erlang C and against Ciw, and ``apcv-hil queue mmc``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.ciw_mmc import ciw_mean_wait
from scenarios.models.erlang import erlang_c, mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.lindley import fifo_waits
from scenarios.models.mmc import simulate_mmc
from scenarios.models.stats import batch_means


def test_erlang_c_textbook_values() -> None:
    assert mean_wait_in_queue(0.8, 1.0, 1) == pytest.approx(4.0)  # M/M/1: ρ/(μ-λ)
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1 / 3)
    assert mean_wait_in_queue(1.0, 1.0, 2) == pytest.approx(1 / 3)


@pytest.mark.slow  # long simulated runs to meet Erlang C within 2 %
@pytest.mark.parametrize(("arrival", "service", "servers"), [(0.5, 1.0, 1), (0.6, 1.0, 1), (1.0, 1.0, 2)])
def test_engine_matches_erlang_c_within_2_percent(arrival: float, service: float, servers: int) -> None:
    result = simulate_mmc(arrival, service, servers, customers=500_000, seed=1)
    assert abs(result.relative_error) < 0.02
    assert result.simulated.contains(result.erlang_c)


@pytest.mark.slow  # replications of our engine and of ciw
def test_engine_agrees_with_ciw_within_confidence_intervals() -> None:
    ours = simulate_mmc(1.0, 1.0, 2, customers=200_000, seed=3).simulated
    theirs = ciw_mean_wait(1.0, 1.0, 2, duration=150_000, seed=3)
    ours_half, theirs_half = (ours.high - ours.low) / 2, (theirs.high - theirs.low) / 2
    assert abs(ours.mean - theirs.mean) <= (ours_half**2 + theirs_half**2) ** 0.5
    assert theirs.contains(mean_wait_in_queue(1.0, 1.0, 2))


@pytest.mark.parametrize(("args", "message"), [
    ((1.0, 1.0, 1), "ρ"), ((2.0, 1.0, 1), "ρ"), ((-1.0, 1.0, 1), "arrival rate"),
    ((1.0, 0.0, 1), "service rate"), ((0.5, 1.0, 0), "servers"), ((1.0, 2.0, 10**9), "at most 10,000"),
    ((1.0, 2.0, 200), "nobody waits"),
])
def test_bad_parameters_are_named(args: tuple[float, float, int], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        simulate_mmc(*args, customers=2000)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_simulated_beside_erlang_c() -> None:
    code, out, _ = _run("queue", "mmc", "--arrival-rate", "0.5", "--service-rate", "1", "--servers", "1",
                        "--customers", "20000", "--seed", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["erlang_c_mean_wait"] == pytest.approx(1.0)
    assert abs(data["simulated_mean_wait"]["mean"] - 1.0) < 0.2
    code, out, _ = _run("queue", "mmc", "-L", "0.5", "-M", "1", "-C", "1", "--customers", "5000")
    assert code == 0 and "Erlang C" in out


@pytest.mark.parametrize(("args", "message"), [
    (("-L", "3", "-M", "1", "-C", "2"), "apcv-hil: error: utilisation"),
    (("-L", "-1", "-M", "1", "-C", "2"), "apcv-hil: error: arrival rate must be positive"),
    (("-L", "1", "-M", "1", "-C", "2", "--customers", "10"), "apcv-hil: error: customers"),
])
def test_cli_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("queue", "mmc", *args)
    assert code == 2
    assert err.startswith(message) and "Traceback" not in err


@pytest.mark.parametrize("servers", [1, 10, 50])
def test_heavy_load_intervals_cover_erlang_c_in_nine_runs_out_of_ten(servers: int) -> None:
    """ρ = 0.95: the 95 % batch-means interval of each of 60 seeds is checked against Erlang C.

    The runs go through the vectorised FIFO engine, which gives the SimPy engine's waits
    exactly on the same inputs (tests/test_models_national.py), 60 seeds at once: the same
    check on SimPy would take minutes. What is checked is the interval method of
    ``queue mmc`` (:func:`scenarios.models.stats.batch_means`) under heavy load.
    """
    arrival_rate, customers, seeds = 0.95 * servers, 200_000, 60
    exact = mean_wait_in_queue(arrival_rate, 1.0, servers)
    covered = 0
    for chunk in range(2):
        rng = np.random.default_rng([servers, chunk])
        arrivals = np.cumsum(rng.exponential(1 / arrival_rate, (seeds // 2, customers)), axis=1)
        waits = fifo_waits(arrivals, rng.exponential(1.0, arrivals.shape), servers)
        covered += sum(batch_means(row).estimate.contains(exact) for row in waits)
    assert covered >= 0.9 * seeds, f"{covered} of {seeds} intervals cover Erlang C's {exact:.4g}"

"""The vectorised national engine agrees with the SimPy engine and the scalar identifier."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from scenarios.models.engine import Desk, visit
from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.lindley import fifo_waits
from scenarios.models.national import sample_practices, simulate_practices
from scenarios.models.params import load_scenario


def _simpy_waits(arrivals: np.ndarray, services: np.ndarray, servers: int) -> np.ndarray:
    env = simpy.Environment()
    desk = Desk(env, servers)
    waits = np.full(arrivals.size, np.nan)

    def patient(index: int, arrival: float, service: float):
        yield env.timeout(arrival)
        waits[index] = yield env.process(visit(desk, service))

    for index, (arrival, service) in enumerate(zip(arrivals, services, strict=True)):
        if not np.isnan(arrival):
            env.process(patient(index, float(arrival), float(service)))
    env.run()
    return waits


@pytest.mark.parametrize("scenario_name", ["gp", "pharmacy", "hospital"])
def test_vectorised_engine_matches_simpy_on_the_same_inputs(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    mix = Mix.parse("card=40,qr=30,nfc=30")
    day = sample_practices(scenario, 12, mix, Identifier(scenario.identification), np.random.default_rng(7))
    services = day.services + day.identification
    fast = fifo_waits(day.arrivals, services, day.servers)
    for row in range(day.arrivals.shape[0]):
        reference = _simpy_waits(day.arrivals[row], services[row], day.servers)
        np.testing.assert_allclose(fast[row], reference, rtol=1e-9, atol=1e-6, equal_nan=True)
    assert np.nanmax(fast) > 0


def test_per_practice_server_counts() -> None:
    rng = np.random.default_rng(1)
    arrivals = np.sort(rng.uniform(0, 1000, (3, 200)), axis=1)
    services = rng.exponential(20, (3, 200))
    waits = fifo_waits(arrivals, services, np.array([1, 2, 3]))
    for row, servers in enumerate((1, 2, 3)):
        np.testing.assert_allclose(waits[row], _simpy_waits(arrivals[row], services[row], servers), atol=1e-6)
    with pytest.raises(ModelError, match="at least one server"):
        fifo_waits(arrivals, services, 0)
    with pytest.raises(ModelError, match="same shape"):
        fifo_waits(arrivals, services[:, :5], 1)


def test_vectorised_identification_agrees_with_the_scalar_one() -> None:
    scenario = load_scenario("pharmacy")
    identifier = Identifier(scenario.identification)
    mix = Mix.parse("card=40,qr=30,nfc=30")
    rng = np.random.default_rng(3)
    size = 40_000
    scalar = [identifier.identify(mix.choose(rng), rng) for _ in range(size)]
    seconds, methods = identifier.identify_many(mix.choose_many(rng, size), rng)
    scalar_seconds = np.array([o.seconds for o in scalar])
    standard_error = np.hypot(scalar_seconds.std(), seconds.std()) / np.sqrt(size)
    assert abs(scalar_seconds.mean() - seconds.mean()) < 4 * standard_error
    for method in ("card", "qr", "nfc", "paper"):
        share = np.mean([o.method == method for o in scalar])
        tolerance = 4 * np.sqrt(share * (1 - share) / size) + 1e-3
        assert np.mean(methods == method) == pytest.approx(share, abs=tolerance)


def test_national_result_counts_every_visit() -> None:
    scenario = load_scenario("gp")
    day = sample_practices(scenario, 50, Mix.parse("card=100"), Identifier(scenario.identification),
                           np.random.default_rng(2))
    result = simulate_practices(day)
    assert result.visits == int((~np.isnan(day.arrivals)).sum()) > 1500
    assert result.wait_p95_s >= result.wait_p50_s >= 0

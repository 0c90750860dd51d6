"""The vectorised national engine agrees with the SimPy engine and the scalar identifier."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from scipy import stats

from scenarios.models.engine import Desk, visit
from scenarios.models.errors import ModelError
from scenarios.models.identification import Identifier, Mix
from scenarios.models.lindley import fifo_waits
from scenarios.models.national import percentiles, sample_practices, simulate_practices
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


def test_national_result_counts_every_visit() -> None:
    scenario = load_scenario("gp")
    day = sample_practices(scenario, 50, Mix.parse("card=100"), Identifier(scenario.identification),
                           np.random.default_rng(2))
    result = simulate_practices(day)
    assert result.visits == int((~np.isnan(day.arrivals)).sum()) > 1500
    assert result.wait_p95_s >= result.wait_p50_s >= 0


def test_paths_cover_every_outcome_of_the_scalar_identifier() -> None:
    identifier = Identifier(load_scenario("pharmacy").identification)
    paths = identifier.paths()
    for start in ("card", "qr", "nfc"):
        assert sum(p.probability for p in paths if p.start == start) == pytest.approx(1)
    rng = np.random.default_rng(5)
    size = 30_000
    for start in ("card", "nfc"):
        seen: dict[tuple, int] = {}
        for _ in range(size):
            outcome = identifier.identify(start, rng)
            key = (tuple(outcome.failures), outcome.method)
            seen[key] = seen.get(key, 0) + 1
        for path in (p for p in paths if p.start == start):
            share = seen.get((path.failures, path.final), 0) / size
            tolerance = 4 * np.sqrt(path.probability * (1 - path.probability) / size) + 2e-4
            assert share == pytest.approx(path.probability, abs=tolerance), path


def test_national_durations_have_the_scalar_identifiers_distribution() -> None:
    scenario = load_scenario("pharmacy")
    identifier = Identifier(scenario.identification)
    mix = Mix.parse("card=40,qr=30,nfc=30")
    rng = np.random.default_rng(4)
    size = 40_000
    scalar = np.array([identifier.identify(mix.choose(rng), rng).seconds for _ in range(size)])
    fast = identifier.sample_durations(mix, size, rng)
    statistic = stats.ks_2samp(scalar, fast)
    assert statistic.pvalue > 1e-3, statistic
    assert fast.size == size and not np.isnan(fast).any()
    assert np.corrcoef(fast[:-1], fast[1:])[0, 1] == pytest.approx(0, abs=0.03)  # shuffled


@pytest.mark.parametrize("size", [1, 2, 7, 1000, 12_345])
def test_in_place_percentiles_are_numpys(size: int) -> None:
    values = np.random.default_rng(size).exponential(60, size)
    values[: size // 3] = 0  # waits: many zeros
    expected = np.percentile(values, [50, 95])
    np.testing.assert_allclose(percentiles(values.copy(), (50, 95)), expected, rtol=1e-12)


def test_walk_in_arrivals_are_the_waiting_rooms_process() -> None:
    scenario = load_scenario("pharmacy")
    arrivals = sample_practices(scenario, 4000, Mix.parse("card=100"), Identifier(scenario.identification),
                                np.random.default_rng(6)).arrivals
    counts = (~np.isnan(arrivals)).sum(axis=1)
    expected = sum(rate * (min(h + 1, 19.5) - max(h, 8.5)) for h, rate in scenario.arrivals_per_hour.items())
    assert counts.mean() == pytest.approx(expected, rel=0.01)
    assert counts.var() == pytest.approx(expected, rel=0.1)  # Poisson
    assert (np.diff(arrivals, axis=1)[~np.isnan(np.diff(arrivals, axis=1))] >= 0).all()
    per_hour = np.histogram(arrivals[~np.isnan(arrivals)], bins=np.arange(8, 21) * 3600)[0] / 4000
    for hour, rate in scenario.arrivals_per_hour.items():
        open_share = max(0.0, min(hour + 1, 19.5) - max(hour, 8.5))
        assert per_hour[hour - 8] == pytest.approx(rate * open_share, rel=0.05, abs=0.2), hour


def test_gp_arrivals_keep_no_shows_and_early_patients_independent() -> None:
    scenario = load_scenario("gp").model_copy(update={"no_show": 0.3, "early_share": 0.4})
    practices = 3000
    identifier = Identifier(scenario.identification)
    arrivals = sample_practices(scenario, practices, Mix.parse("card=100"), identifier,
                                np.random.default_rng(8)).arrivals
    slots = np.arange(8.5 * 3600, 19 * 3600, 15 * 60)
    assert (~np.isnan(arrivals)).sum() / (practices * slots.size) == pytest.approx(0.7, abs=0.01)
    # Slots are 15 min apart and lateness rarely passes 7.5 min: nearest slot tells early from late.
    present = arrivals[~np.isnan(arrivals)]
    nearest = slots[np.abs(present[:, None] - slots[None, :]).argmin(axis=1)]
    inside = (present > slots[0]) & (np.abs(present - nearest) > 1)
    assert np.mean(present[inside] < nearest[inside]) == pytest.approx(0.4, abs=0.03)

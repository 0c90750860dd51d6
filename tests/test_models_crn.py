"""Common random numbers: the same patients under every mix, every day and every read-time file."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.models.distributions import Empirical
from scenarios.models.identification import Mix
from scenarios.models.params import load_scenario
from scenarios.models.replications import compare_to_first, run_replication
from scenarios.models.runner import run_mixes

MIXES = ("card=100", "card=50,nfc=50", "qr=100", "nfc=100")


@pytest.mark.slow  # replicates days under every mix
@pytest.mark.parametrize("name", ["pharmacy", "gp"])
def test_the_same_patients_arrive_every_day_under_every_mix(name: str) -> None:
    scenario = load_scenario(name)
    runs = [run_replication(scenario, Mix.parse(mix), days=4, seed=3, replication=1) for mix in MIXES]
    served = [run.served for run in runs]
    assert all(days == served[0] for days in served), served
    assert len(set(served[0])) > 1  # the days differ from each other: the streams are per day


def test_a_read_time_file_changes_the_reads_and_nothing_else() -> None:
    scenario = load_scenario("pharmacy")
    mix = Mix.parse("card=50,nfc=50")
    modelled = run_replication(scenario, mix, days=3, seed=5, replication=0)
    measured = run_replication(scenario, mix, days=3, seed=5, replication=0,
                               reads={"nfc": Empirical([0.2, 0.4, 0.9])})
    assert measured.served == modelled.served
    assert measured.methods == modelled.methods and measured.failures == modelled.failures
    assert all(a != b for a, b in zip(measured.identification_s, modelled.identification_s, strict=True))


def test_a_slower_read_costs_exactly_its_extra_seconds_per_reader() -> None:
    """With the same patients, one more second per NFC read adds one second per NFC identification."""
    scenario = load_scenario("hospital")
    mix = Mix.parse("card=30,nfc=70")
    quick = run_replication(scenario, mix, 3, seed=2, replication=4, reads={"nfc": Empirical([1.0, 2.0])})
    slow = run_replication(scenario, mix, 3, seed=2, replication=4, reads={"nfc": Empirical([2.0, 3.0])})
    extra = np.sum(slow.identification_s) - np.sum(quick.identification_s)
    assert extra == pytest.approx(quick.methods["nfc"] * 1.0)


@pytest.mark.slow  # replicates days under each mix
def test_mixes_are_compared_as_paired_differences_with_their_interval() -> None:
    scenario = load_scenario("pharmacy")
    mixes = [Mix.parse("card=50,nfc=50"), Mix.parse("card=50,qr=50"), Mix.parse("card=50,nfc=50")]
    summaries = run_mixes(scenario, mixes, 2, 6, seed=1, workers=1)
    qr, same = compare_to_first(summaries, scenario.opening.days_per_week)
    assert qr.base == "card 50% nfc 50%" and qr.mix == "card 50% qr 50%"
    week = [s.identification_per_week_s.scaled(1 / 3600) for s in summaries[:2]]
    unpaired = np.hypot(*(w.high - w.mean for w in week))
    difference = qr.hours_per_week
    assert difference.mean == pytest.approx(week[1].mean - week[0].mean)
    assert difference.high - difference.mean < unpaired / 2  # same patients: the noise cancels
    assert difference.low > 0  # QR is slower than NFC per the built-in step times
    assert not same.hours_per_week.has_interval and same.hours_per_week.mean == 0
    assert "every replication gave 0" in same.hours_per_week.reason


@pytest.mark.slow  # replicates days twice
def test_a_slower_measured_read_lengthens_the_waits() -> None:
    scenario = load_scenario("pharmacy")
    mixes = [Mix.parse("nfc=100")]
    quick, = run_mixes(scenario, mixes, 2, 3, seed=8, workers=1, reads={"nfc": Empirical([0.5, 0.7, 0.9])})
    slow, = run_mixes(scenario, mixes, 2, 3, seed=8, workers=1, reads={"nfc": Empirical([8.5, 8.7, 8.9])})
    assert slow.wait_p95_s.mean > quick.wait_p95_s.mean
    assert slow.wait_p50_s.mean >= quick.wait_p50_s.mean
    assert slow.identification_per_day_s.low > quick.identification_per_day_s.high

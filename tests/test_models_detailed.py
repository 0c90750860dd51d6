"""Detailed waiting-room mode: real phone, card, reader kernel and embedded backend on the SimPy clock."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest
import simpy
from click.testing import CliRunner
from sqlalchemy import func, select

from harness.cli import cli
from scenarios.models.day_clock import DAY_S, EPOCH, DayClock
from scenarios.models.detailed import DetailedIdentifier
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import Failures, GpScenario, Identification, load_scenario
from scenarios.models.replications import run_replication
from scenarios.models.waiting_room import simulate_day
from simulators.backend import db
from simulators.backend.client import BackendRefused


def _morning(hours: float = 2.0) -> GpScenario:
    """The GP practice open only ``hours`` from 8:30 (about four patients an hour)."""
    gp = load_scenario("gp")
    assert isinstance(gp, GpScenario)
    return gp.model_copy(update={"opening": gp.opening.model_copy(update={"end_hour": 8.5 + hours})})


def _only(failure: str | None, identification: Identification) -> Identification:
    """``identification`` where ``failure`` always happens and no other failure ever does."""
    failures = {name: value.model_copy(update={"probability": 1.0 if name == failure else 0.0})
                for name, value in identification.failures}
    return identification.model_copy(update={"failures": Failures(**failures)})


def _count(identifier: DetailedIdentifier, table, *where) -> int:
    engine = db.make_engine(identifier.practice.database)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def detailed() -> Iterator[DetailedIdentifier]:
    identifier = DetailedIdentifier(load_scenario("gp").identification, seed=3)
    yield identifier
    identifier.close()


@pytest.mark.slow  # a detailed-model day through the backend
def test_a_gp_day_really_goes_through_the_backend(detailed: DetailedIdentifier) -> None:
    scenario = load_scenario("gp")
    day = simulate_day(scenario, Mix.parse("card=50,nfc=50"), detailed, np.random.default_rng(1))
    assert not [f for f in day.failures if f.startswith("presentation failed")]
    nfc, qr, card = day.methods["nfc"], day.methods["qr"], day.methods["card"]
    assert nfc > 5 and qr > 0 and card > 5  # QR: NFC patients whose phone has no NFC
    assert detailed.exchanges["qr_scan"] >= qr
    assert detailed.exchanges["claim"] == detailed.exchanges["receipt"] == nfc + qr
    assert detailed.exchanges["rights"] == detailed.exchanges["card_read"] == card
    assert _count(detailed, db.claim) == nfc + qr
    assert _count(detailed, db.receipt, db.receipt.c.downloaded_at.is_not(None)) == nfc + qr
    assert _count(detailed, db.used_token) == detailed.exchanges["verified"] >= nfc + qr
    assert _count(detailed, db.device, db.device.c.status == "active") >= nfc + qr
    assert detailed.practice.clock.monotonic() >= scenario.opening.end_hour * 3600


def test_claims_are_stamped_with_simulated_time_days_apart(detailed: DetailedIdentifier) -> None:
    scenario = _morning(1)
    for _ in range(2):
        simulate_day(scenario, Mix.parse("nfc=100"), detailed, np.random.default_rng(2))
    engine = db.make_engine(detailed.practice.database)
    with engine.connect() as conn:
        stamps = conn.execute(select(db.claim.c.acknowledged_at)).scalars().all()
    engine.dispose()
    days = {int((t - EPOCH) // DAY_S) for t in stamps}
    assert days == {0, 1}
    assert all(8.5 * 3600 <= (t - EPOCH) % DAY_S <= 12 * 3600 for t in stamps)


def test_a_presentation_is_single_use(detailed: DetailedIdentifier) -> None:
    practice = detailed.practice
    detailed.start_day(simpy.Environment(initial_time=9 * 3600))
    patient = practice.people.app_user()
    presented = practice.present("nfc", patient)
    first = practice.verify(presented, patient)
    with pytest.raises(BackendRefused) as replay:
        practice.verify(presented, patient)
    assert (replay.value.status, replay.value.code) == (409, "token_replayed")
    assert _count(detailed, db.replay, db.replay.c.token_id == first["token_id"]) == 1
    again = practice.verify(practice.present("nfc", patient), patient)  # a new tap is a new token
    assert again["token_id"] != first["token_id"]


def test_a_qr_code_scanned_twice_in_its_window_is_refused_the_second_time(
        detailed: DetailedIdentifier) -> None:
    practice = detailed.practice
    detailed.start_day(simpy.Environment(initial_time=9 * 3600))
    patient = practice.people.app_user()
    first, second = practice.present("qr", patient), practice.present("qr", patient)
    assert first.qr_text == second.qr_text  # the same 30-s window shows the same token
    verified = practice.verify(first, patient)
    assert verified["rights"]["fund_code"] == patient.insured.coverage.fund_code
    with pytest.raises(BackendRefused) as replay:
        practice.verify(second, patient)
    assert (replay.value.status, replay.value.code) == (409, "token_replayed")


@pytest.mark.slow  # a detailed-model day through the backend for each failure
@pytest.mark.parametrize(("method", "failure", "fallback"), [
    ("nfc", "phone_without_nfc", "qr"),
    ("nfc", "battery_dead", "card"),
    ("nfc", "app_not_activated", "card"),
    ("nfc", "app_locked", "card"),
    ("nfc", "biometric_failed", "nfc"),
    ("nfc", "network_down", "paper"),
    ("qr", "battery_dead", "card"),
    ("qr", "app_not_activated", "card"),
    ("qr", "app_locked", "card"),
    ("qr", "biometric_failed", "qr"),
    ("qr", "network_down", "paper"),
])
def test_each_failure_really_happens_and_takes_its_fallback(method: str, failure: str, fallback: str) -> None:
    scenario = _morning()
    identifier = DetailedIdentifier(_only(failure, scenario.identification), seed=6)
    try:
        day = simulate_day(scenario, Mix.parse(f"{method}=100"), identifier, np.random.default_rng(3))
        assert day.served > 3
        assert dict(day.methods) == {fallback: day.served}
        assert dict(day.failures) == {failure: day.served}
        assert identifier.exchanges[failure] == day.served  # the refusal came from the real exchange
        if failure == "app_not_activated":
            assert _count(identifier, db.device, db.device.c.status == "revoked") == day.served
        if fallback == "card":
            assert identifier.exchanges["rights"] == day.served
        if fallback in ("qr", "nfc"):
            assert identifier.exchanges["claim"] == _count(identifier, db.claim) == day.served
        else:
            assert _count(identifier, db.claim) == 0
    finally:
        identifier.close()


def test_a_refusal_that_does_not_come_sends_the_patient_to_paper() -> None:
    scenario = _morning()
    identifier = DetailedIdentifier(_only("app_not_activated", scenario.identification), seed=7)
    identifier.practice.people.activate_elsewhere = lambda patient: None  # the phone stays active
    try:
        day = simulate_day(scenario, Mix.parse("nfc=100"), identifier, np.random.default_rng(4))
    finally:
        identifier.close()
    assert dict(day.methods) == {"paper": day.served}
    assert day.failures["presentation failed: UnexpectedOutcome"] == day.served > 3


def test_a_read_that_fails_for_real_falls_back_to_paper() -> None:
    scenario = _morning()
    identifier = DetailedIdentifier(_only(None, scenario.identification), seed=4)
    identifier.practice.slot.attach = lambda device: None  # nothing reaches the reader: a real NoCardPresent
    try:
        day = simulate_day(scenario, Mix.parse("nfc=100"), identifier, np.random.default_rng(1))
    finally:
        identifier.close()
    assert day.failures["presentation failed: NoCardPresent"] == day.served > 3
    assert dict(day.methods) == {"paper": day.served}


@pytest.mark.slow  # simulates hundreds of patients through the detailed model
def test_outcomes_agree_with_the_fast_mode_branch_probabilities() -> None:
    scenario = load_scenario("gp")
    mix = Mix.parse("card=20,qr=30,nfc=50")
    identifier = Identifier(scenario.identification)
    fast_seconds = identifier.sample_durations(mix, 200_000, np.random.default_rng(1))
    replications = [run_replication(scenario, mix, 2, seed=11, replication=r, detailed=True)
                    for r in range(3)]
    methods: Counter = sum((r.methods for r in replications), Counter())
    failures: Counter = sum((r.failures for r in replications), Counter())
    assert not [f for f in failures if f.startswith("presentation failed")]
    patients = sum(methods.values())
    assert patients > 200
    for method in ("card", "qr", "nfc", "paper"):
        expected = sum(mix.shares[path.start] * path.probability for path in identifier.paths()
                       if path.final == method)
        tolerance = 4 * math.sqrt(expected * (1 - expected) / patients) + 0.005
        assert abs(methods[method] / patients - expected) <= tolerance, (method, methods, expected)
    mean = sum(sum(r.identification_s) for r in replications) / patients
    assert abs(mean - fast_seconds.mean()) <= 4 * fast_seconds.std() / math.sqrt(patients)


def test_day_clock_runs_days_one_after_another() -> None:
    clock = DayClock()
    with pytest.raises(RuntimeError, match="start_day"):
        clock.now()
    first = simpy.Environment(initial_time=8 * 3600)
    clock.start_day(first)
    assert clock.now() == EPOCH + 8 * 3600
    clock.start_day(simpy.Environment(initial_time=8 * 3600))
    assert clock.now() == EPOCH + DAY_S + 8 * 3600
    assert clock.monotonic() == DAY_S + 8 * 3600
    with pytest.raises(RuntimeError, match=r"env\.timeout"):
        clock.sleep(1)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow  # runs a detailed-model day through the command
def test_cli_detailed() -> None:
    code, out, _ = _run("waiting-room", "--scenario", "gp", "--days", "1", "--replications", "1",
                        "--workers", "1", "--mix", "nfc=100", "--detailed", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["detailed"] is True
    assert not [f for f in data["mixes"][0]["failures"] if f.startswith("presentation failed")]


@pytest.mark.parametrize(("args", "message"), [
    (("--realtime", "60", "--rig", "rigs/software.yaml"),
     "apcv-hil: error: --detailed and --realtime do not go together"),
    (("--scenario", "dentist"), "apcv-hil: error: scenario file dentist not found"),
    (("--mix", "nfc=90"), "apcv-hil: error: mix 'nfc=90': shares add up to 90%"),
    (("--timings", "/nonexistent.jsonl"), "apcv-hil: error: timing file /nonexistent.jsonl not found"),
])
def test_cli_detailed_bad_input(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("waiting-room", "--detailed", "--days", "1", "--replications", "1", "--workers", "1",
                        *args)
    assert code == 2
    assert err.startswith(message), err

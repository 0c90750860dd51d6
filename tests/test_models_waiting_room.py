"""Waiting-room models: behaviour of the day model, replications, CLI, Dask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.distributions import Empirical
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import load_scenario
from scenarios.models.runner import run_mixes
from scenarios.models.waiting_room import simulate_day


def test_every_arriving_patient_is_served_and_counted() -> None:
    scenario = load_scenario("pharmacy")
    day = simulate_day(scenario, Mix.parse("card=100"), Identifier(scenario.identification),
                       np.random.default_rng(4))
    assert day.served == len(day.waits) == sum(day.methods.values()) > 200
    assert set(day.methods) <= {"card", "paper"}
    assert day.methods["paper"] == day.failures["forgotten_card"]


def test_nfc_falls_back_to_qr_and_card() -> None:
    scenario = load_scenario("hospital")
    day = simulate_day(scenario, Mix.parse("nfc=100"), Identifier(scenario.identification),
                       np.random.default_rng(5))
    assert day.methods["nfc"] > day.methods["qr"] > 0
    assert day.failures["phone_without_nfc"] + day.failures["no_compatible_reader"] >= day.methods["qr"]


def test_secretary_takes_identification_off_the_practitioner() -> None:
    alone = load_scenario("gp")
    helped = alone.model_copy(update={"secretary": True})
    mixes = [Mix.parse("card=100")]
    without, = run_mixes(alone, mixes, days=2, replications=3, workers=1)
    with_secretary, = run_mixes(helped, mixes, days=2, replications=3, workers=1)
    assert without.identification_per_day_s.mean > 0 == with_secretary.identification_per_day_s.mean
    assert with_secretary.secretary_per_day_s.mean > 0


def test_measured_read_times_flow_into_the_model() -> None:
    scenario = load_scenario("pharmacy")
    mixes = [Mix.parse("nfc=100")]
    quick, = run_mixes(scenario, mixes, 1, 3, workers=1)
    slow, = run_mixes(scenario, mixes, 1, 3, workers=1, reads={"nfc": Empirical([30.0])})
    assert slow.identification_per_day_s.low > quick.identification_per_day_s.high


def test_replications_are_reproducible_and_parallel_matches_serial() -> None:
    scenario = load_scenario("gp")
    mixes = [Mix.parse("card=50,qr=50")]
    serial, = run_mixes(scenario, mixes, 2, 4, seed=9, workers=1)
    parallel, = run_mixes(scenario, mixes, 2, 4, seed=9, workers=2)
    assert serial.identification_per_day_s.mean == pytest.approx(parallel.identification_per_day_s.mean)
    assert serial.identification_per_day_s.high > serial.identification_per_day_s.low


def test_dask_cluster_on_loopback() -> None:
    distributed = pytest.importorskip("distributed", reason="Dask runs need the [models] group's distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        scenario = load_scenario("gp")
        mixes = [Mix.parse("card=100"), Mix.parse("qr=100")]
        on_dask = run_mixes(scenario, mixes, 1, 2, seed=2, dask=cluster.scheduler_address)
    local = run_mixes(scenario, mixes, 1, 2, seed=2, workers=1)
    assert [s.identification_per_day_s.mean for s in on_dask] == pytest.approx(
        [s.identification_per_day_s.mean for s in local])


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_and_plots(tmp_path: Path) -> None:
    code, out, _ = _run("waiting-room", "--scenario", "pharmacy", "--days", "1", "--replications", "2",
                        "--workers", "1", "--mix", "card=100", "--mix", "card=50,nfc=50",
                        "--plot", str(tmp_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert [m["mix"] for m in data["mixes"]] == ["card 100%", "card 50% nfc 50%"]
    first = data["mixes"][0]
    assert first["identification_per_day_s"]["low"] <= first["identification_per_day_s"]["mean"]
    assert first["wait_p95_s"]["mean"] >= first["wait_p50_s"]["mean"]
    assert first["wait_p95_s"]["low"] >= 0 and first["wait_p95_s"]["method"] == "bootstrap over replications"
    for plot in data["plots"]:
        assert Path(plot).read_bytes().startswith(b"\x89PNG")


def test_cli_table() -> None:
    code, out, _ = _run("waiting-room", "--scenario", "gp", "--days", "1", "--replications", "2",
                        "--workers", "1")
    assert code == 0
    assert "nfc 100%" in out and "ident." in out


@pytest.mark.parametrize(("args", "message"), [
    (("--scenario", "dentist"), "apcv-hil: error: scenario file dentist not found"),
    (("--mix", "card=90"), "apcv-hil: error: mix 'card=90': shares add up to 90%"),
    (("--days", "0"), "apcv-hil: error: days and replications must be at least 1"),
    (("--timings", "/nonexistent.jsonl"), "apcv-hil: error: timing file /nonexistent.jsonl not found"),
    (("--dask", "tcp://127.0.0.1:9"), "apcv-hil: error: cannot reach the Dask scheduler"),
])
def test_cli_bad_input(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("waiting-room", "--replications", "1", "--days", "1", "--workers", "1", *args)
    assert code == 2
    assert err.startswith(message), err

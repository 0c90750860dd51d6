"""Measured read times as distributions: run reports give every read, and slower reads cost time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import default_identification
from scenarios.models.timings import load_timings

ROOT = Path(__file__).resolve().parents[1]
READ_TESTS = ("scenarios/conformance/reader/test_reader_kernel.py::test_reads_phone",
              "scenarios/conformance/reader/test_reader_kernel.py::test_falls_back_to_card",
              "scenarios/e2e/test_qr_presentation.py::test_unlock_then_scan")


def test_a_run_report_gives_every_read_as_samples(tmp_path: Path) -> None:
    report = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                          *READ_TESTS, f"--apcv-report={report}"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout[-2000:]
    reads = load_timings(report / "results.json")
    assert set(reads) == {"card", "qr", "nfc"}
    for method, measured in reads.items():
        assert measured.values.size >= 5 and np.unique(measured.values).size > 1, method


def _results(path: Path, card_ms: list[float]) -> Path:
    path.write_text(json.dumps({"results": [{"measurements": [
        {"name": "card_read_ms", "value": float(np.median(card_ms)), "samples": card_ms}]}]}))
    return path


def test_measurement_samples_are_read_not_just_their_median(tmp_path: Path) -> None:
    reads = load_timings(_results(tmp_path / "results.json", [900.0, 1000.0, 1100.0, 4000.0]))
    assert sorted(reads["card"].values) == [0.9, 1.0, 1.1, 4.0]


def _waiting_room(timings: Path) -> dict:
    result = CliRunner().invoke(cli, ["waiting-room", "--scenario", "pharmacy", "--days", "2",
                                      "--replications", "2", "--workers", "1", "--mix", "card=100",
                                      "--timings", str(timings), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["mixes"][0]


def test_a_slower_measured_read_lengthens_identification_and_waits(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    fast = _results(tmp_path / "fast.json", list(rng.uniform(800, 1200, 50)))
    slow = _results(tmp_path / "slow.json", list(rng.uniform(8000, 12000, 50)))
    quick, slowed = _waiting_room(fast), _waiting_room(slow)
    # the same patients (common random numbers): every card read takes about 9 s longer
    added = (slowed["identification_per_day_s"]["mean"] - quick["identification_per_day_s"]["mean"])
    assert added == pytest.approx(9 * quick["throughput_per_day"]["mean"], rel=0.1)
    assert slowed["wait_p50_s"]["mean"] >= quick["wait_p50_s"]["mean"]  # most walk-ins never wait
    assert slowed["wait_p95_s"]["mean"] > quick["wait_p95_s"]["mean"]


def test_rollout_takes_timings_for_its_identification_hours(tmp_path: Path) -> None:
    def run(*args: str) -> dict:
        result = CliRunner().invoke(cli, ["rollout", "--until", "2025-11-18", "--step-days", "200",
                                          "--review-replications", "1", "--workers", "1", "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    modelled = run()
    slow = run("--timings", str(_results(tmp_path / "slow.json", [9000.0, 11000.0])))
    assert modelled["reads"]["card"].startswith("modelled")
    assert slow["reads"]["card"].startswith(f"measured: 2 samples from {tmp_path / 'slow.json'}")
    before, after = modelled["days"][-1], slow["days"][-1]
    assert before["date"] == after["date"] == "2025-11-18"
    # card reads 2 s modelled, 10 s measured: 8 s more for each visit that ends on the card
    card_visits = 5_600_000 * (1 - before["apcv_visits"] / 5_600_000)
    assert after["identification_hours"] - before["identification_hours"] == pytest.approx(
        8 * card_visits / 3600, rel=0.1)
    single = run("--timings", str(_results(tmp_path / "one.json", [1500.0])))
    assert single["warnings"] == ["timings: every card read takes 1.500 s (1 sample, no spread): the model "
                                  "has no read-time variance for it"]


def test_expected_identification_time_is_the_mean_of_sampled_ones() -> None:
    identifier = Identifier(default_identification())
    mix = Mix.parse("card=60,qr=25,nfc=15")
    sampled = identifier.sample_durations(mix, 400_000, np.random.default_rng(1))
    assert identifier.expected(mix).seconds == pytest.approx(sampled.mean(), abs=4 * sampled.std() / 632)

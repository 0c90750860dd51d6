"""--detailed reads are the simulators' own, timed: the run can differ from the modelled one and says so."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.errors import ModelError
from scenarios.models.simulator_reads import DEFAULT_SAMPLES, ORIGIN, measure_simulator_reads

BASE = ("waiting-room", "--scenario", "gp", "--days", "1", "--replications", "1", "--workers", "1",
        "--mix", "nfc=100", "--json")


def test_reads_are_timed_through_the_simulators() -> None:
    reads = measure_simulator_reads(20)
    assert set(reads) == {"card", "qr", "nfc"}
    for method, measured in reads.items():
        assert measured.values.size == 20 and (measured.values > 0).all(), method
        assert np.unique(measured.values).size > 1 and measured.origin == ORIGIN
    # the NFC read runs the R1 presentation (signatures) and the card read does not
    assert np.median(reads["nfc"].values) > np.median(reads["card"].values)
    with pytest.raises(ModelError, match="simulator read samples must be 2 to"):
        measure_simulator_reads(1)


def test_detailed_run_draws_its_reads_from_the_simulators_and_says_so() -> None:
    modelled = CliRunner().invoke(cli, list(BASE))
    detailed = CliRunner().invoke(cli, [*BASE, "--detailed"])
    assert modelled.exit_code == 0 and detailed.exit_code == 0, detailed.output
    plain, real = json.loads(modelled.stdout), json.loads(detailed.stdout)
    assert real["mode"].startswith("detailed") and plain["mode"].startswith("modelled")
    assert real["reads"]["nfc"].startswith(f"measured: {DEFAULT_SAMPLES} samples from {ORIGIN} (mean ")
    assert plain["reads"]["nfc"].startswith("modelled")
    # the same patients (common random numbers): only the reads differ; modelled NFC reads
    # take about 1 s each, the simulators' a few milliseconds
    served = plain["mixes"][0]["throughput_per_day"]["mean"]
    gap = (plain["mixes"][0]["identification_per_day_s"]["mean"]
           - real["mixes"][0]["identification_per_day_s"]["mean"])
    assert gap > 0.5 * served, (gap, served)

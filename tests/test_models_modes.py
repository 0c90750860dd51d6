"""The waiting-room output says which mode ran and what fed each read."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from harness.cli import cli

BASE = ("waiting-room", "--scenario", "pharmacy", "--days", "1", "--replications", "2", "--workers", "1",
        "--mix", "card=50,nfc=50")


def _run(*args: str):
    return CliRunner().invoke(cli, [*BASE, *args])


def test_modelled_run_says_so_and_names_the_timing_file(tmp_path: Path) -> None:
    timings = tmp_path / "results.json"
    timings.write_text(json.dumps({"results": [{"properties": {"nfc_read_ms": 420}},
                                               {"properties": {"nfc_read_ms": 380}}]}))
    result = _run("--timings", str(timings), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"].startswith("modelled")
    assert data["reads"]["nfc"] == f"measured: 2 samples from {timings} (mean 0.400 s)"
    assert data["reads"]["card"].startswith("modelled")
    assert data["warnings"] == []
    table = _run("--timings", str(timings)).stdout
    assert "modelled; reads: card modelled, qr modelled, nfc measured: 2 samples" in table.replace("\n", " ")


def test_a_single_measured_read_is_warned_about(tmp_path: Path) -> None:
    timings = tmp_path / "results.json"
    timings.write_text(json.dumps({"results": [{"properties": {"nfc_read_ms": 420}}]}))
    result = _run("--timings", str(timings), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"] == [
        "timings: every nfc read takes 0.420 s (1 sample, no spread): the model has no read-time "
        "variance for it"]

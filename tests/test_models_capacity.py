"""Impossible waiting rooms are refused, overloaded hours are warned about."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.capacity import check_capacity
from scenarios.models.identification import Mix
from scenarios.models.params import PARAMS_DIR, load_scenario


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _pharmacy(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((PARAMS_DIR / "pharmacy.yaml").read_text())
    data.update(changes)
    path = tmp_path / "pharmacy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_pharmacy_that_cannot_serve_its_day_is_refused(tmp_path: Path) -> None:
    rates = yaml.safe_load((PARAMS_DIR / "pharmacy.yaml").read_text())["arrivals_per_hour"]
    path = _pharmacy(tmp_path, arrivals_per_hour={h: 2 * r for h, r in rates.items()})
    code, _, err = _run("waiting-room", "--scenario", str(path), "--days", "1", "--replications", "1",
                        "--workers", "1", "--mix", "card=100")
    assert code == 2
    assert err.startswith("apcv-hil: error: Pharmacy, card 100%: counters at utilisation 1.")
    assert "over the day (≥ 1)" in err and "Traceback" not in err


def test_reversed_opening_hours_are_refused(tmp_path: Path) -> None:
    path = _pharmacy(tmp_path, opening={"start_hour": 19.5, "end_hour": 8.5, "days_per_week": 6})
    code, _, err = _run("waiting-room", "--scenario", str(path), "--days", "1", "--replications", "1")
    assert code == 2
    assert err.startswith("apcv-hil: error: ") and "closing hour must come after the opening hour" in err


def test_a_rush_hour_over_capacity_is_warned_about(tmp_path: Path) -> None:
    rates = yaml.safe_load((PARAMS_DIR / "pharmacy.yaml").read_text())["arrivals_per_hour"]
    path = _pharmacy(tmp_path, arrivals_per_hour={**rates, 18: 60})
    code, out, _ = _run("waiting-room", "--scenario", str(path), "--days", "1", "--replications", "1",
                        "--workers", "1", "--mix", "card=100", "--json")
    assert code == 0
    warnings = json.loads(out)["warnings"]
    assert len(warnings) == 1 and "from 18:00 (≥ 1: the queue grows)" in warnings[0]
    assert check_capacity(load_scenario("pharmacy"), Mix.parse("card=100")) == []

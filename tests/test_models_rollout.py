"""The rollout model: calibration, operators, backend profile, exports, CLI, bad parameters."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.erlang import mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.params import PARAMS_DIR
from scenarios.models.rollout.curves import activations, practitioners
from scenarios.models.rollout.exports import export_rollout
from scenarios.models.rollout.model import hourly_requests, timeline
from scenarios.models.rollout.operators import operators_needed
from scenarios.models.rollout.params import load_rollout
from scenarios.models.units import Duration

PARAMS = load_rollout()


@pytest.mark.parametrize(("day", "count"), [
    (dt.date(2021, 12, 31), 6_507), (dt.date(2024, 2, 29), 132_633), (dt.date(2025, 11, 18), 1_800_000),
])
def test_activations_meet_the_public_points(day: dt.date, count: int) -> None:
    assert activations(PARAMS.activations, day) == pytest.approx(count)


def test_activations_grow_towards_the_ceiling() -> None:
    values = [activations(PARAMS.activations, dt.date(2020 + y, 6, 1)) for y in range(20)]
    assert values == sorted(values)
    assert values[-1] < PARAMS.activations.ceiling
    assert values[-1] > 0.9 * PARAMS.activations.ceiling


def test_practitioners_add_5000_a_month_after_the_last_point() -> None:
    last = dt.date(2025, 11, 18)
    one_year = practitioners(PARAMS.practitioners, last + dt.timedelta(days=365))
    assert one_year - practitioners(PARAMS.practitioners, last) == pytest.approx(60_000, rel=0.01)
    assert practitioners(PARAMS.practitioners, dt.date(2024, 2, 29)) == pytest.approx(1_361)


def test_operators_are_the_fewest_that_meet_the_target() -> None:
    check = PARAMS.identity_check
    operators, wait = operators_needed(10_000, check)
    assert wait <= check.target_wait
    rate = 10_000 * check.video_share * max(check.arrivals_by_hour.values()) / 60  # the busiest hour
    fewer = operators - 1
    assert fewer * (1 / check.review_minutes) <= rate or (
        mean_wait_in_queue(rate, 1 / check.review_minutes, fewer) > check.target_wait_minutes)
    assert operators_needed(0, check) == (0, Duration.of_minutes(0))


def test_hourly_profile_adds_up_to_the_days_requests() -> None:
    day = dt.date(2026, 6, 1)
    hourly = hourly_requests(PARAMS, day)
    days = timeline(PARAMS, day, day)
    total = sum(rate * 3600 for rate in hourly.values())
    assert total == pytest.approx(days[0].apcv_visits * PARAMS.backend.requests_per_visit)
    assert days[0].peak_requests_per_s == max(hourly.values())


def test_exports_csv_and_a_locust_shape(tmp_path: Path) -> None:
    days = timeline(PARAMS, dt.date(2025, 1, 1), dt.date(2026, 1, 1), 30)
    hourly = hourly_requests(PARAMS, days[-1].date)
    timeline_csv, hourly_csv, shape = export_rollout(days, hourly, tmp_path)
    assert len(list(csv.DictReader(timeline_csv.open()))) == len(days)
    rows = list(csv.DictReader(hourly_csv.open()))
    assert [int(r["hour"]) for r in rows] == sorted(hourly)
    source = shape.read_text()
    tree = ast.parse(source)
    assert any(isinstance(n, ast.ClassDef) and n.name == "RolloutDayShape" for n in tree.body)
    compile(source, str(shape), "exec")
    # Not imported here: locust monkey-patches the process with gevent. tests/test_models_locust.py
    # runs the shape in a real locust process.


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow  # a replicated rollout through the command, with plots and exports
def test_cli_json_plots_and_exports(tmp_path: Path) -> None:
    code, out, _ = _run("rollout", "--until", "2026-01-31", "--step-days", "30", "--plot", str(tmp_path),
                        "--export", str(tmp_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["days"][0]["activations"] == pytest.approx(6_507)
    assert len(data["files"]) == 7
    assert all(Path(f).exists() for f in data["files"])
    assert data["report"] == str(tmp_path / "index.html")
    sized = data["review_queue"]
    assert sized[-1]["date"] == data["days"][-1]["date"]
    assert all(s["operators_per_shift"] >= 1 and s["p95_wait_min"]["mean"] <= 30 for s in sized)
    code, out, _ = _run("rollout", "--until", "2025-01-01", "--step-days", "90")
    assert code == 0 and "operators" in out and "identity-check review queue (SimPy" in out


def _bad_params(tmp_path: Path, change) -> str:
    data = yaml.safe_load((PARAMS_DIR / "rollout.yaml").read_text())
    change(data)
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["identity_check"].update(video_share=1.5), r"identity_check\.video_share"),
    (lambda d: d["backend"].update(visits_per_day=-1), r"backend\.visits_per_day"),
    (lambda d: d["backend"].update(colour="red"), r"backend\.colour: unknown key"),
    (lambda d: d["backend"]["hourly_visit_share"].update({9: 0.5}), "shares must sum to 1"),
    (lambda d: d["activations"]["points"].update({dt.date(2026, 1, 1): 5}), "counts must grow"),
])
def test_bad_rollout_parameters(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        load_rollout(_bad_params(tmp_path, change))


@pytest.mark.parametrize(("args", "message"), [
    (("--until", "2020-01-01"), "apcv-hil: error: --until 2020-01-01 is before the start"),
    (("--params", "/nonexistent.yaml"), "apcv-hil: error: rollout file /nonexistent.yaml not found"),
])
def test_cli_bad_input(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("rollout", *args)
    assert code == 2
    assert err.startswith(message), err


@pytest.mark.parametrize(("args", "message"), [
    (("--review-replications", "0"), "Invalid value for '--review-replications'"),
    (("--shape-hour-seconds", "0"), "Invalid value for '--shape-hour-seconds'"),
    (("--requests-per-user", "-1"), "Invalid value for '--requests-per-user'"),
])
def test_cli_bad_review_and_shape_options(args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("rollout", *args)
    assert code == 2
    assert message in err


def test_exported_shape_follows_the_speed_options(tmp_path: Path) -> None:
    code, _, _ = _run("rollout", "--until", "2025-01-01", "--step-days", "90", "--export", str(tmp_path),
                      "--shape-hour-seconds", "2.5", "--requests-per-user", "0.25")
    assert code == 0
    source = (tmp_path / "locust_shape.py").read_text()
    assert "SECONDS_PER_HOUR = 2.5\n" in source and "REQUESTS_PER_USER_PER_S = 0.25\n" in source

"""``rollout --until D`` ends on D, and the public points show whatever the step."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.rollout.model import hourly_requests, sample_days, timeline
from scenarios.models.rollout.params import load_rollout

PARAMS = load_rollout()
POINTS = [dt.date(2021, 12, 31), dt.date(2024, 2, 29), dt.date(2025, 11, 18)]


def test_the_timeline_ends_on_the_day_asked_and_holds_the_public_points() -> None:
    until = dt.date(2026, 6, 30)
    days = timeline(PARAMS, POINTS[0], until, step_days=90)
    assert days[-1].date == until
    assert [d.date for d in days if d.public_point] == POINTS
    assert [d.date for d in days] == sorted({d.date for d in days})
    shown = [d.date for d in sample_days(days, rows=4)]
    assert set(POINTS) <= set(shown) and shown[-1] == until


@pytest.mark.slow  # replicated rollouts through the command
def test_cli_table_json_and_locust_shape_are_for_the_day_asked(tmp_path: Path) -> None:
    args = ["rollout", "--until", "2026-03-04", "--step-days", "60", "--review-replications", "1",
            "--workers", "1"]
    result = CliRunner().invoke(cli, [*args, "--export", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["until"] == data["days"][-1]["date"] == "2026-03-04"
    expected = hourly_requests(PARAMS, dt.date(2026, 3, 4))
    assert list(data["backend_hourly_requests_per_s"].values()) == list(expected.values())
    assert "on 2026-03-04" in (tmp_path / "locust_shape.py").read_text()
    table = CliRunner().invoke(cli, args).stdout
    for point in ("2024-02-29*", "2025-11-18*", "2026-03-04"):
        assert point in table

"""Review staffing that counts every hour: overtime, utilisation ≥ 1, Erlang C on the same profile."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.erlang import mean_wait_in_queue
from scenarios.models.rollout.operators import operators_needed, peak_videos_per_minute
from scenarios.models.rollout.params import IdentityCheck, load_rollout
from scenarios.models.rollout.review_queue import review_run
from scenarios.models.rollout.review_sizing import size_review_queue, utilisation_warnings

CHECK = load_rollout().identity_check
DAY = dt.date(2026, 6, 1)


def test_erlang_c_sizes_the_busiest_hour_of_the_simulated_profile() -> None:
    new = 5_000
    rate = peak_videos_per_minute(new, CHECK)
    assert rate == pytest.approx(new * CHECK.video_share * max(CHECK.arrivals_by_hour.values()) / 60)
    operators, wait = operators_needed(new, CHECK)
    assert wait.minutes == pytest.approx(mean_wait_in_queue(rate, 1 / CHECK.review_minutes, operators))
    assert "peak_factor" not in IdentityCheck.model_fields  # one profile for both sizings


def test_operator_hours_count_the_close_out_after_the_shift() -> None:
    sized = size_review_queue(DAY, 3_000, CHECK, replications=3, seed=1)
    shift_hours = sum(s.end - s.start for s in CHECK.shifts)
    assert sized.overtime_hours > 0
    assert sized.operator_hours == pytest.approx(sized.operators * shift_hours + sized.overtime_hours)
    run = review_run(CHECK, sized.video_enrolments, sized.operators, seed=1, replication=0)
    assert run.overtime_minutes > 0 and run.close_out_reviews >= 0
    short = review_run(CHECK, sized.video_enrolments, max(1, sized.operators // 2), seed=1, replication=0)
    assert short.close_out_reviews > run.close_out_reviews and short.overtime_minutes > run.overtime_minutes


def test_hours_and_shifts_at_utilisation_one_or_more_are_named() -> None:
    videos = 1_000
    hour = 60 / CHECK.review_minutes
    busiest = max(CHECK.arrivals_by_hour.values()) * videos
    just_enough = int(busiest / hour) + 1
    assert not any("13:00" in w for w in utilisation_warnings(CHECK, videos, just_enough))
    warnings = utilisation_warnings(CHECK, videos, just_enough - 2)
    assert any(w.startswith("13:00-14:00 utilisation") for w in warnings), warnings
    assert any(w.startswith("shift") for w in utilisation_warnings(CHECK, videos, 2))


@pytest.mark.slow  # replicated rollouts through the command
def test_rollout_json_and_table_carry_overtime_warnings_and_the_explanation() -> None:
    args = ["rollout", "--until", "2025-11-18", "--step-days", "120", "--review-replications", "2",
            "--workers", "1"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout)["review_queue"][-1]
    assert last["overtime_hours_per_day"] > 0
    assert last["warnings"] and "utilisation" in last["warnings"][0]
    assert last["erlang_c_vs_simpy"].startswith(f"Erlang C: {last['erlang_c_operators']} operators")
    table = CliRunner().invoke(cli, args)
    assert "WARNING" in table.stdout and "overtime" in table.stdout
    assert "warning: 2025-11-18:" in table.stderr

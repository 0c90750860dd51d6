"""The SimPy review queue of video enrolments: Erlang C agreement, shifts, sizing, bad parameters."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.erlang import mean_wait_in_queue
from scenarios.models.errors import ModelError
from scenarios.models.params import PARAMS_DIR
from scenarios.models.rollout.operators import operators_needed
from scenarios.models.rollout.params import IdentityCheck, load_rollout
from scenarios.models.rollout.review_queue import review_waits
from scenarios.models.rollout.review_sizing import size_days, size_review_queue, wait_estimates

CHECK = load_rollout().identity_check
DAY = dt.date(2026, 6, 1)


def stationary(review_minutes: float, target: float = 30.0, statistic: str = "mean") -> IdentityCheck:
    """Enrolments evenly over 24 hours, operators always on duty, every enrolment by video."""
    return IdentityCheck.model_validate({
        **CHECK.model_dump(), "video_share": 1.0, "review_minutes": review_minutes,
        "target_wait_minutes": target, "target_statistic": statistic,
        "arrivals_by_hour": {hour: 1 / 24 for hour in range(24)}, "shifts": [{"start": 0, "end": 24}]})


@pytest.mark.slow  # replicates the queue long enough for an interval
@pytest.mark.parametrize(("per_minute", "review_minutes", "operators"), [(2.0, 4.0, 10), (0.5, 3.0, 2)])
def test_stationary_queue_agrees_with_erlang_c_within_the_interval(per_minute: float, review_minutes: float,
                                                                   operators: int) -> None:
    check = stationary(review_minutes)
    mean, _ = wait_estimates(check, per_minute * 24 * 60, operators, replications=20, seed=3, days=3)
    exact = mean_wait_in_queue(per_minute, 1 / review_minutes, operators)
    assert mean.contains(exact), (mean, exact)
    assert mean.high - mean.low < 0.4 * exact


@pytest.mark.slow  # sizes by replicating the queue at each operator count
def test_stationary_sizing_agrees_with_erlang_c() -> None:
    check = stationary(4.0, target=1.0)
    sizing = size_review_queue(DAY, 2880, check, replications=10, seed=1)
    erlang, _ = operators_needed(2880, check)
    assert sizing.erlang_operators == erlang
    assert abs(sizing.operators - erlang) <= 1


@pytest.mark.slow  # sizes by replicating the queue at each operator count
def test_sizing_gives_the_fewest_operators_meeting_the_target() -> None:
    sizing = size_review_queue(DAY, 5000, CHECK, replications=5, seed=2)
    videos = 5000 * CHECK.video_share
    assert sizing.video_enrolments == pytest.approx(videos)
    assert sizing.p95_wait_min.mean <= CHECK.target_wait_minutes
    _, fewer = wait_estimates(CHECK, videos, sizing.operators - 1, replications=5, seed=2)
    assert fewer.mean > CHECK.target_wait_minutes
    hours = sum(shift.end - shift.start for shift in CHECK.shifts)
    assert sizing.operator_hours == pytest.approx(sizing.operators * hours + sizing.overtime_hours)
    assert sizing.overtime_hours > 0  # the close-out after the shifts counts


@pytest.mark.slow  # sizes two days of replications
def test_busier_hours_need_more_operators_than_the_same_volume_spread_evenly() -> None:
    peaky = IdentityCheck.model_validate({**CHECK.model_dump(), "arrivals_by_hour": {12: 0.5, 13: 0.5},
                                          "target_statistic": "mean", "target_wait_minutes": 10})
    even = IdentityCheck.model_validate({**peaky.model_dump(),
                                         "arrivals_by_hour": {hour: 1 / 12 for hour in range(8, 20)}})
    busy = size_review_queue(DAY, 3000, peaky, replications=5).operators
    calm = size_review_queue(DAY, 3000, even, replications=5).operators
    assert busy > 2 * calm


def test_enrolments_sent_before_the_shift_wait_for_it() -> None:
    check = IdentityCheck.model_validate({**CHECK.model_dump(), "arrivals_by_hour": {6: 1.0},
                                          "shifts": [{"start": 8, "end": 10}]})
    waits = review_waits(check, 50, 20, seed=0, replication=0)
    assert waits.size > 20
    assert waits.min() >= 60  # sent by 7:00 at the latest, reviewed from 8:00


def test_operators_close_out_the_queue_after_their_shift() -> None:
    check = IdentityCheck.model_validate({**CHECK.model_dump(), "arrivals_by_hour": {9: 1.0},
                                          "shifts": [{"start": 9, "end": 10}]})
    waits = review_waits(check, 100, 1, seed=0, replication=0)
    assert waits.size > 50
    assert waits.max() < 24 * 60  # nobody is left for the next day's shift
    assert np.all(waits >= 0)


def test_no_video_enrolments_need_no_operators() -> None:
    sizing = size_review_queue(DAY, 0, CHECK)
    assert sizing.operators == 0 and sizing.mean_wait_min.mean == 0


def test_bad_replications_and_operators() -> None:
    with pytest.raises(ModelError, match="review replications must be at least 1"):
        size_review_queue(DAY, 100, CHECK, replications=0)
    with pytest.raises(ModelError, match="operators per shift must be at least 1"):
        review_waits(CHECK, 100, 0, seed=0, replication=0)


@pytest.mark.parametrize(("change", "message"), [
    ({"shifts": [{"start": 14, "end": 8}]}, r"identity_check\.shifts\.0\.end: .*must end after it starts"),
    ({"shifts": []}, r"identity_check\.shifts: "),
    ({"shifts": [{"start": 8, "end": 25}]}, r"identity_check\.shifts\.0\.end"),
    ({"shifts": [{"start": 8, "end": 12, "people": 3}]}, r"identity_check\.shifts\.0\.people: unknown key"),
    ({"arrivals_by_hour": {8: 0.5}}, "shares must sum to 1"),
    ({"arrivals_by_hour": {25: 1.0}}, "hours must be 0..23"),
    ({"arrivals_by_hour": {8: 1.5, 9: -0.5}}, r"identity_check\.arrivals_by_hour\.9"),
    ({"target_statistic": "p99"}, r"identity_check\.target_statistic"),
])
def test_bad_review_parameters(tmp_path, change: dict, message: str) -> None:
    data = yaml.safe_load((PARAMS_DIR / "rollout.yaml").read_text())
    data["identity_check"].update(change)
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ModelError, match=message):
        load_rollout(path)


@pytest.mark.slow  # starts worker processes
def test_sizing_days_in_worker_processes_gives_the_same_answers() -> None:
    days = [(DAY, 800.0), (DAY + dt.timedelta(days=30), 1600.0)]
    here = size_days(days, CHECK, replications=3, seed=4, workers=1)
    pooled = size_days(days, CHECK, replications=3, seed=4, workers=2)
    assert here == pooled
    assert [s.date for s in here] == [d for d, _ in days]
    assert here[1].operators >= here[0].operators


def test_sizing_days_on_a_dask_cluster_gives_the_same_answers() -> None:
    distributed = pytest.importorskip("distributed", reason="Dask runs need the [models] group's distributed")
    days = [(DAY, 800.0), (DAY + dt.timedelta(days=30), 1600.0)]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = size_days(days, CHECK, replications=3, seed=4, dask=cluster.scheduler_address)
        code, out, err = _run_cli("rollout", "--until", "2022-03-01", "--step-days", "60",
                                  "--review-replications", "2", "--dask", cluster.scheduler_address, "--json")
    assert on_dask == size_days(days, CHECK, replications=3, seed=4, workers=1)
    assert code == 0, err
    code_here, out_here, _ = _run_cli("rollout", "--until", "2022-03-01", "--step-days", "60",
                                      "--review-replications", "2", "--workers", "1", "--json")
    assert code_here == 0
    assert json.loads(out)["review_queue"] == json.loads(out_here)["review_queue"]


def test_rollout_names_an_unreachable_dask_scheduler() -> None:
    code, _, err = _run_cli("rollout", "--until", "2022-03-01", "--dask", "tcp://127.0.0.1:9")
    assert code != 0 and err.startswith("apcv-hil: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(err.strip().splitlines()) == 1


def _run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr

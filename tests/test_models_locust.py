"""The exported rollout shape drives a real ``locust`` run of our users against a live backend server."""

from __future__ import annotations

import csv
import datetime as dt
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.report import mask_text
from scenarios.models.rollout.exports import write_locust_shape
from scenarios.models.rollout.model import hourly_requests
from scenarios.models.rollout.params import load_rollout
from simulators.backend.process import ServerProcess

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

LOCUST = Path(sys.executable).parent / "locust"
REPO = Path(__file__).resolve().parents[1]
LOCUSTFILE = REPO / "scenarios" / "load" / "locustfile.py"
SECONDS_PER_HOUR = 1.5
PEOPLE = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    database = tmp_path_factory.mktemp("locust-backend") / "backend.sqlite3"
    live = ServerProcess(f"sqlite:///{database}", seed_population=PEOPLE)
    yield live
    live.stop()


def _deduplicated(values: list[int]) -> list[int]:
    return [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]


def _is_subsequence(wanted: list[int], seen: list[int]) -> bool:
    remaining = iter(seen)
    return all(any(v == w for v in remaining) for w in wanted)


def _shape(tmp_path: Path) -> tuple[Path, list[int]]:
    day = dt.date(2026, 6, 1)
    hourly = hourly_requests(load_rollout(), day)
    per_user = max(hourly.values()) / 3.5  # 1 to 4 users, no hour on an integer boundary
    shape = write_locust_shape(hourly, day, tmp_path / "locust_shape.py", SECONDS_PER_HOUR, per_user)
    return shape, [max(1, math.ceil(round(rate, 3) / per_user)) for _, rate in sorted(hourly.items())]


def _locust(shape: Path, server: ServerProcess, prefix: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LOCUST), "-f", f"{LOCUSTFILE},{shape}", "--headless", "--host", server.url, "--csv", str(prefix),
         "--only-summary", "--apcv-people", str(PEOPLE), *extra],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False)


def test_the_exported_shape_drives_locust_users_against_the_live_backend(server: ServerProcess,
                                                                         tmp_path: Path) -> None:
    shape, expected = _shape(tmp_path)
    done = _locust(shape, server, tmp_path / "run")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Shape test completed" in done.stderr

    stats = {row["Name"]: row for row in csv.DictReader((tmp_path / "run_stats.csv").open())}
    verified = sum(int(stats[name]["Request Count"]) for name in ("/v1/verifications", "/v1/verifications/qr")
                   if name in stats)
    assert verified > 0
    assert int(stats["/v1/rights/[nir]"]["Request Count"]) > 0
    assert all(int(row["Failure Count"]) == 0 for row in stats.values())

    history = list(csv.DictReader((tmp_path / "run_stats_history.csv").open()))
    users = [int(row["User Count"]) for row in history if int(row["User Count"]) > 0]
    assert max(users) == max(expected) == 4
    assert set(users) <= set(range(1, max(expected) + 1))
    # the shape's rises and falls over the day (morning peak, lunch dip, afternoon) are in the run
    assert _is_subsequence(_deduplicated(expected)[:-1], _deduplicated(users)), (expected, users)

    for report in tmp_path.glob("run_*.csv"):
        text = report.read_text()
        assert mask_text(text) == text, f"a NIR in {report.name}"
    assert mask_text(done.stderr) == done.stderr, "a NIR in Locust's log"


def test_the_exported_shape_ends_at_the_run_time(server: ServerProcess, tmp_path: Path) -> None:
    """Locust leaves --run-time to the shape once there is one: ours plays the day within it."""
    shape, _ = _shape(tmp_path)
    started = time.monotonic()
    done = _locust(shape, server, tmp_path / "short", "--run-time", "6s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Shape test completed" in done.stderr
    history = list(csv.DictReader((tmp_path / "short_stats_history.csv").open()))
    stamps = [int(row["Timestamp"]) for row in history]
    assert max(stamps) - min(stamps) <= 8  # not 13 modelled hours x 1.5 s
    assert time.monotonic() - started < 30


def test_a_backend_that_does_not_know_our_callers_is_named_before_any_load(server: ServerProcess,
                                                                           tmp_path: Path) -> None:
    """A wrong --apcv-seed signs with keys the server does not know: one line says so, nothing is sent."""
    done = subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", server.url, "--users", "1",
         "--run-time", "5s", "--csv", str(tmp_path / "bad"), "--only-summary",
         "--apcv-people", str(PEOPLE), "--apcv-seed", "99"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("apcv-hil: error: ")]
    assert len(errors) == 1, done.stderr[-2000:]
    assert "rpps:" in errors[0] and "--seed" in errors[0]
    assert "Traceback" not in done.stderr
    stats = tmp_path / "bad_stats.csv"
    assert not stats.exists() or all(int(row["Request Count"]) == 0 for row in csv.DictReader(stats.open()))

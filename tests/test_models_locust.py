"""The exported Locust shape drives a real ``locust`` run against a live backend server."""

from __future__ import annotations

import csv
import datetime as dt
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.report import mask_text
from scenarios.models.rollout.exports import write_locust_shape
from scenarios.models.rollout.model import hourly_requests
from scenarios.models.rollout.params import load_rollout
from simulators.backend.process import ServerProcess

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


def test_the_exported_shape_drives_locust_users_against_the_live_backend(server: ServerProcess,
                                                                         tmp_path: Path) -> None:
    day = dt.date(2026, 6, 1)
    hourly = hourly_requests(load_rollout(), day)
    per_user = max(hourly.values()) / 3.5  # 1 to 4 users, no hour on an integer boundary
    shape = write_locust_shape(hourly, day, tmp_path / "locust_shape.py", SECONDS_PER_HOUR, per_user)
    expected = [max(1, math.ceil(round(rate, 3) / per_user)) for _, rate in sorted(hourly.items())]
    done = subprocess.run(
        [str(LOCUST), "-f", f"{LOCUSTFILE},{shape}", "--headless", "--host", server.url,
         "--csv", str(tmp_path / "run"), "--only-summary", "--apcv-people", str(PEOPLE)],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Shape test completed" in done.stderr

    stats = {row["Name"]: row for row in csv.DictReader((tmp_path / "run_stats.csv").open())}
    assert int(stats["/v1/health"]["Request Count"]) > 0
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


def test_locust_counts_requests_signed_with_unknown_keys_as_failures(server: ServerProcess,
                                                                     tmp_path: Path) -> None:
    """A bad --apcv-seed signs with keys the server does not know: every rights lookup fails (403)."""
    done = subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", server.url, "--users", "1",
         "--spawn-rate", "1", "--run-time", "3s", "--csv", str(tmp_path / "bad"), "--only-summary",
         "--apcv-people", str(PEOPLE), "--apcv-seed", "99"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    failures = list(csv.DictReader((tmp_path / "bad_failures.csv").open()))
    assert failures and all(row["Name"] == "/v1/rights/[nir]" and "403" in row["Error"] for row in failures)

"""Fault specifications, and the backend's injected-outage switch read from its fault file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.faults import parse_fault
from simulators.backend.faults import OutageSchedule


def test_faults_default_to_the_middle_of_the_run() -> None:
    assert parse_fault("5xx", 60).label == "5xx@18s+12s"
    assert parse_fault("slow-db@5s+3s", 60).label == "slow-db@5s+3s"
    kill = parse_fault("kill-worker@1m", 90)
    assert (kill.at_s, kill.label) == (60, "kill-worker@60s")


@pytest.mark.parametrize(("text", "message"), [
    ("unplug", "unknown fault 'unplug'"),
    ("5xx@soon", "AT and FOR are durations"),
    ("slow-db@5s+ever", "AT and FOR are durations"),
    ("5xx@50s+20s", "must end before the run does"),
    ("kill-worker@70s", "must end before the run does"),
    ("5xx@5s+0s", "FOR must be above 0 s"),
    ("", "unknown fault"),
])
def test_a_bad_fault_is_named(text: str, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        parse_fault(text, 60)


def test_the_outage_schedule_follows_its_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    schedule = OutageSchedule(path)
    assert schedule.status_at(100.0) is None  # no file: no outage
    path.write_text(json.dumps({"outages": [[100, 110, 503], [120, 130, 418]]}))
    assert schedule.status_at(105.0) == 503
    assert schedule.status_at(125.0) is None  # not a 5xx: ignored
    path.write_text(json.dumps({"outages": [[130, 200, 502]]}))
    os.utime(path, (1, 1))
    assert schedule.status_at(130.0) == 502
    path.write_text('{"outages": [[100, 1')  # half written: the last good schedule stays
    os.utime(path, (2, 2))
    assert schedule.status_at(140.0) == 502
    path.write_text(json.dumps({"outages": []}))
    os.utime(path, (3, 3))
    assert schedule.status_at(141.0) is None

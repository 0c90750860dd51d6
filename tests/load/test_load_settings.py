"""Load settings: durations, absurd numbers refused with the option named, the plan they make."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.plan import read_plan
from scenarios.load.settings import MAX_USERS, LoadSettings, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("2m", 120), ("1h30m", 5400),
                                               ("1h2m3s", 3723), (" 45s ", 45)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "forever", "1d", "-5s", "5 minutes", "m", "1h-2m", "1.5s", "2m1h"])
def test_malformed_durations_are_named(text: str) -> None:
    with pytest.raises(LoadError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(("changes", "message"), [
    ({"shape": "ramp"}, "unknown shape 'ramp'"),
    ({"users": 0}, "--users 0 is out of range"),
    ({"users": MAX_USERS + 1}, "out of range"),
    ({"spawn_rate": 0.0}, "--spawn-rate 0 is out of range"),
    ({"spawn_rate": 1e9}, "--spawn-rate"),
    ({"duration_s": 1.0}, "run time .* 1 s is out of range"),
    ({"duration_s": 3 * 86400.0}, "out of range"),
    ({"requests_per_user_s": 0.0}, "--user-rate 0"),
    ({"requests_per_user_s": 1e4}, "--user-rate"),
    ({"shape": "rollout", "share": 0.0}, "--share 0 is out of range"),
    ({"shape": "rollout", "share": 3.0}, "--share 3"),
    ({"share": 0.5}, "rollout shape only"),
    ({"shape": "rollout", "share": 0.5, "users": 10}, "give one of them"),
    ({"steps": 0}, "--steps 0"),
    ({"qr_share": 1.5}, "--qr-share 1.5 is out of range"),
    ({"users": 40_000, "requests_per_user_s": 50.0}, "lower --users or --user-rate"),
    ({"mix": "practice=x"}, "not a number"),
])
def test_absurd_settings_are_refused_naming_the_option(changes: dict, message: str) -> None:
    settings = LoadSettings(target="embedded", **changes)
    with pytest.raises(LoadError, match=message):
        settings.plan("http://127.0.0.1:1", None)


def test_the_rollout_shape_at_all_of_france_is_small_until_scaled() -> None:
    plan = LoadSettings(target="embedded", shape="rollout").plan("http://127.0.0.1:1", None)
    hours = dict(plan.shape.hourly_users)
    assert set(hours) == set(range(7, 20))
    assert 5 <= plan.shape.peak_users <= 60
    scaled = LoadSettings(target="embedded", shape="rollout", users=200).plan("http://127.0.0.1:1", None)
    assert scaled.shape.peak_users == 200


def test_a_plan_survives_its_file_and_a_damaged_one_is_named(tmp_path: Path) -> None:
    settings = LoadSettings(target="embedded", shape="step", users=12)
    plan = settings.plan("http://127.0.0.1:8600", str(tmp_path))
    again = read_plan(plan.write(tmp_path / "plan.json"))
    assert again == plan
    assert again.shape.peak_users == 12 and again.run_id.startswith("L")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(LoadError, match="is not a load plan"):
        read_plan(tmp_path / "other.json")
    (tmp_path / "cut.json").write_text(plan.write(tmp_path / "p2.json").read_text()[:-40])
    with pytest.raises(LoadError, match="not JSON"):
        read_plan(tmp_path / "cut.json")
    data = plan.to_json()
    del data["shape"]
    (tmp_path / "damaged.json").write_text(json.dumps(data))
    with pytest.raises(LoadError, match="damaged"):
        read_plan(tmp_path / "damaged.json")
    with pytest.raises(LoadError, match="cannot read plan file"):
        read_plan(tmp_path / "missing.json")

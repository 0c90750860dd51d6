"""Waiting-room parameters and timing files: good ones load, bad ones get a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from apcv.clock import FrozenClock
from apcv.trace import TraceRecorder
from scenarios.models.errors import ModelError
from scenarios.models.identification import Mix
from scenarios.models.params import PARAMS_DIR, load_scenario
from scenarios.models.timings import load_timings


@pytest.mark.parametrize("name", ["gp", "pharmacy", "hospital"])
def test_builtin_scenarios_load(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.kind == name
    assert scenario.identification.failures.phone_without_nfc.probability > 0


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((PARAMS_DIR / "pharmacy.yaml").read_text())
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(servers=0), "servers: Input should be greater than or equal to 1"),
    (lambda d: d["service"].update(mean=-3), "service.mean"),
    (lambda d: d["arrivals_per_hour"].update({9: -2}), "arrivals_per_hour.9"),
    (lambda d: d["arrivals_per_hour"].update({25: 2}), "hours must be 0..23"),
    (lambda d: d.update(counters=3), "counters: unknown key"),
    (lambda d: d.update(identification={"methods": {}, "failures": {}, "colour": 1}),
     "identification.methods.card"),
    (lambda d: d.update(kind="dentist"), "kind"),
])
def test_bad_parameters_name_the_key(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(ModelError, match=message.replace(".", r"\.")):
        load_scenario(str(_write(tmp_path, change)))


def test_probability_above_one_names_the_failure(tmp_path: Path) -> None:
    identification = yaml.safe_load((PARAMS_DIR / "identification.yaml").read_text())
    identification["failures"]["battery_dead"]["probability"] = 1.5
    path = _write(tmp_path, lambda d: d.update(identification=identification))
    expected = r"identification\.failures\.battery_dead\.probability: .*less than or"
    with pytest.raises(ModelError, match=expected):
        load_scenario(str(path))


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"scenario file .* not found"):
        load_scenario(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [gp\n")
    with pytest.raises(ModelError, match="not valid YAML"):
        load_scenario(str(broken))
    broken.write_text("- just a list\n")
    with pytest.raises(ModelError, match=r"broken\.yaml"):
        load_scenario(str(broken))


@pytest.mark.parametrize(("text", "message"), [
    ("card=50,qr=40", "add up to 90%"), ("card=50,bus=50", "unknown method 'bus'"),
    ("card=x", "needs a percentage"), ("card=150,qr=-50", "negative"),
])
def test_bad_mixes(text: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Mix.parse(text)


def _trace(tmp_path: Path) -> Path:
    clock = FrozenClock()
    trace = TraceRecorder(clock, link="sim:phone")
    for read_s, answer in ((0.25, "6F0A9000"), (0.75, "6A82")):
        trace.field(True)
        trace.command(bytes.fromhex("00A4040006F0415043560100"))
        trace.response(bytes.fromhex(answer))
        clock.advance(read_s)
        trace.field(False)
    return trace.write_jsonl(tmp_path / "reads.jsonl")


def test_timings_from_a_trace(tmp_path: Path) -> None:
    reads = load_timings(_trace(tmp_path))
    assert reads["nfc"].mean().seconds == pytest.approx(0.25)
    assert reads["card"].mean().seconds == pytest.approx(0.75)


def test_timings_from_results_json(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"results": [{"properties": {"total_ms": 120.0}},
                                            {"properties": {"qr_read_ms": 800, "other": "x"}}]}))
    reads = load_timings(path)
    assert reads["nfc"].mean().seconds == pytest.approx(0.12)
    assert reads["qr"].mean().seconds == pytest.approx(0.8)


@pytest.mark.parametrize(("content", "message"), [
    ("not json at all\n", "not valid JSON"),
    ("{\"kind\": \"field_on\", \"t\": 1}\nnot json\n", r"bad\.jsonl:2: not a trace event"),
    ('{"kind": "field_on"}\n', r"bad\.jsonl:1: not a trace event"),
    ('{"kind": "field_on", "t": 1}\n', "no read times found"),
    ('{"kind": "field_on", "t": 5}\n{"kind": "field_off", "t": 4}\n', "field_off before its field_on"),
    ('{"results": 3}', "not a results.json"),
    ('{"results": [{"properties": {"total_ms": -4}}]}', "total_ms = -4 is not a positive"),
    ('{"results": [', "not valid JSON"),
])
def test_bad_timing_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(ModelError, match=message):
        load_timings(path)
    with pytest.raises(ModelError, match=r"timing file .* not found"):
        load_timings(tmp_path / "absent.jsonl")


def test_lateness_is_given_in_minutes_and_sampled_in_seconds() -> None:
    from scenarios.models.distributions import StepTime, StepTimeMinutes
    from scenarios.models.params import load_scenario

    lateness = load_scenario("gp").lateness
    assert isinstance(lateness, StepTimeMinutes) and lateness.mean == 4
    assert lateness.sampler().mean().seconds == pytest.approx(240)
    assert StepTime(mean=4, sd=6).sampler().mean().seconds == pytest.approx(4)

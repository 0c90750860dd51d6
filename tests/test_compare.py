"""``apcv-hil compare``: requirements whose verdict or measurements changed between two runs."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import cli
from harness.report import RunRecord, TestResult, write_json
from harness.report.compare import Change, compare_runs, load_run
from harness.report.record import Measurement, RecordError
from harness.rig import RIGS_DIR

START = datetime(2026, 1, 1, tzinfo=UTC)
SOFTWARE = RIGS_DIR / "software.yaml"


def record(outcome: str = "passed", total_ms: float = 10.0, extra: bool = False,
           limit: float = 50.0, samples: list[float] | None = None) -> RunRecord:
    results = [
        TestResult("a.py::test_read", "test_read", outcome, requirement_ids=["APCV-RDR-005"],
                   measurements=[Measurement("total_ms", total_ms, "ms", high=limit, samples=samples or [])]),
        TestResult("a.py::test_select", "test_select", "passed", requirement_ids=["APCV-NFC-001"]),
    ]
    if extra:
        results.append(TestResult("a.py::test_card", "test_card", "passed",
                                  requirement_ids=["APCV-CARD-001"]))
    return RunRecord("r", "software", "rigs/software.yaml", "APCV-R1", START, START, results=results,
                     requirements={"APCV-RDR-005": "reader", "APCV-NFC-001": "select"})


def jittered(median: float, count: int = 9, seed: int = 0) -> list[float]:
    """``count`` timings around ``median`` with ±40 % jitter, seeded."""
    rng = random.Random(seed)
    return [median * rng.uniform(0.6, 1.4) for _ in range(count)]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_verdict_and_requirement_changes_are_always_flagged() -> None:
    found = compare_runs(record(), record(outcome="failed", extra=True), tolerance=10)
    assert found.changes == [
        Change("APCV-CARD-001", "requirement", "absent", "passed"),
        Change("APCV-RDR-005", "verdict", "passed", "failed"),
    ]
    assert found.changes[1].line() == "APCV-RDR-005  verdict: passed → failed"


def test_a_measurement_that_crosses_its_limit_is_a_change_whatever_the_tolerance() -> None:
    [change] = compare_runs(record(total_ms=49.9), record(total_ms=50.1), tolerance=0.5).changes
    assert change.after == "50.1 ms (failed)"


def test_a_clear_tenfold_slowdown_is_flagged_with_its_size_and_p_value() -> None:
    before, after = jittered(2.5, seed=1), jittered(25.0, seed=2)
    found = compare_runs(record(samples=before), record(samples=after))
    [change] = found.changes
    assert change.what == "total_ms (test_read)" and change.before.startswith("median 2.")
    assert "Mann–Whitney p = " in change.detail and change.detail.startswith("+")


def test_jitter_of_the_same_distribution_is_not_flagged() -> None:
    same = [compare_runs(record(samples=jittered(2.5, seed=seed)),
                         record(samples=jittered(2.5, seed=seed + 50)), tolerance=0.05) for seed in range(20)]
    assert all(found.changes == [] for found in same)
    assert sum(found.compared for found in same) == 20


def test_tolerance_is_relative_to_the_baseline() -> None:
    """2.5 → 24.6 ms is +884 % of the baseline: over a 100 % tolerance (not 90 % of the larger value)."""
    before = [2.5] * 3 + [2.4, 2.6, 2.5]
    after = [24.6] * 3 + [24.5, 24.7, 24.6]
    [change] = compare_runs(record(samples=before), record(samples=after), tolerance=1.0).changes
    assert change.detail.startswith("+884 %")
    assert compare_runs(record(samples=before), record(samples=after), tolerance=9.0).changes == []


def test_a_move_without_enough_samples_is_listed_apart_not_flagged() -> None:
    found = compare_runs(record(total_ms=2.5), record(total_ms=25.0))
    assert found.changes == []
    [unclear] = found.unclear
    assert "too few samples to judge (1 and 1, 5 needed)" in unclear.detail


def test_a_measurement_of_two_requirements_is_one_line() -> None:
    def run(samples: list[float]) -> RunRecord:
        result = TestResult("a.py::t", "t", "passed", requirement_ids=["APCV-RDR-001", "APCV-RDR-005"],
                            measurements=[Measurement("total_ms", 1.0, "ms", samples=samples)])
        return RunRecord("r", "software", "f", "APCV-R1", START, START, results=[result])

    [change] = compare_runs(run(jittered(1.0)), run(jittered(30.0))).changes
    assert change.requirement == "APCV-RDR-001, APCV-RDR-005"


def test_compare_reads_report_directories_bundles_and_files(tmp_path: Path) -> None:
    write_json(record(samples=jittered(10.0)), tmp_path / "a")
    write_json(record(samples=jittered(40.0, seed=3)), tmp_path / "bundle" / "report")
    assert load_run(tmp_path / "a").results[0].measurements[0].samples == jittered(10.0)
    result = invoke("compare", str(tmp_path / "a"), str(tmp_path / "bundle"))
    assert result.exit_code == 1
    assert result.stdout.startswith("APCV-RDR-005  total_ms (test_read): median ")
    assert "1 changed between" in result.stdout.splitlines()[-1]
    same = invoke("compare", str(tmp_path / "a"), str(tmp_path / "a" / "results.json"))
    assert same.exit_code == 0 and same.stdout.startswith("no requirement changed")
    loose = invoke("compare", "--tolerance", "900", "--json", str(tmp_path / "a"), str(tmp_path / "bundle"))
    assert loose.exit_code == 0 and json.loads(loose.stdout)["changes"] == []


def test_samples_that_are_not_numbers_are_a_one_line_error(tmp_path: Path) -> None:
    data = record().to_dict()
    data["results"][0]["measurements"][0]["samples"] = ["fast"]
    (tmp_path / "results.json").write_text(json.dumps(data))
    result = invoke("compare", str(tmp_path), str(tmp_path))
    assert result.exit_code == 2 and "samples must be numbers" in result.stderr


@pytest.mark.slow  # runs the plan three times
def test_the_gate_on_real_runs_same_rig_passes_a_slowed_link_fails(tmp_path: Path) -> None:
    """Two runs of the software rig compare equal; 5 ms more per APDU on the phone's link
    (a latency fault) is flagged, naming the step (each read's total) that slowed."""
    slow = tmp_path / "slow.yaml"
    rig = SOFTWARE.read_text(encoding="utf-8")
    slow.write_text(rig.replace('link: "sim:bench"   #', 'link: "sim:bench?latency=5"   #', 1),
                    encoding="utf-8")
    assert "latency=5" in slow.read_text(encoding="utf-8")
    for name, rig in (("a", str(SOFTWARE)), ("b", str(SOFTWARE)), ("slow", str(slow))):
        ran = invoke("run", "--rig", rig, "-k", "test_reads_phone", "--report", str(tmp_path / name))
        assert ran.exit_code == 0, ran.output
    same = invoke("compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert same.exit_code == 0, same.stdout
    slowed = invoke("compare", str(tmp_path / "a"), str(tmp_path / "slow"))
    assert slowed.exit_code == 1, slowed.stdout
    assert "APCV-RDR-001, APCV-RDR-005  total_ms (test_reads_phone): median " in slowed.stdout
    assert "Mann–Whitney p = " in slowed.stdout


@pytest.mark.parametrize(("content", "message"), [
    (None, "no results.json there"),
    ("{nope", "not a readable results.json"),
    ('{"run_id": "x"}', "missing field 'rig_name'"),
    (json.dumps({"run_id": "x", "rig_name": "r", "rig_file": "f", "profile": "p",
                 "started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:00:00+00:00",
                 "results": [{"nodeid": "a", "name": "a", "outcome": "ok"}]}),
     "outcome 'ok' is not one of"),
])
def test_bad_runs_are_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    run = tmp_path / "run"
    run.mkdir()
    if content is not None:
        (run / "results.json").write_text(content)
    with pytest.raises(RecordError, match=message):
        load_run(run)
    result = invoke("compare", str(run), str(run))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert message.split("'")[0] in result.stderr and "Traceback" not in result.output

"""``apcv-hil compare``: requirements whose verdict or measurements changed between two runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import cli
from harness.report import RunRecord, TestResult, write_json
from harness.report.compare import Change, compare_runs, load_run
from harness.report.record import Measurement, RecordError

START = datetime(2026, 1, 1, tzinfo=UTC)


def record(outcome: str = "passed", total_ms: float = 10.0, extra: bool = False,
           limit: float = 50.0) -> RunRecord:
    results = [
        TestResult("a.py::test_read", "test_read", outcome, requirement_ids=["APCV-RDR-005"],
                   measurements=[Measurement("total_ms", total_ms, "ms", high=limit)]),
        TestResult("a.py::test_select", "test_select", "passed", requirement_ids=["APCV-NFC-001"]),
    ]
    if extra:
        results.append(TestResult("a.py::test_card", "test_card", "passed",
                                  requirement_ids=["APCV-CARD-001"]))
    return RunRecord("r", "software", "rigs/software.yaml", "APCV-R1", START, START, results=results,
                     requirements={"APCV-RDR-005": "reader", "APCV-NFC-001": "select"})


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_unchanged_runs_compare_equal_within_the_tolerance() -> None:
    assert compare_runs(record(total_ms=10.0), record(total_ms=10.9)) == []


def test_verdicts_measurements_and_requirements_that_changed() -> None:
    changes = compare_runs(record(), record(outcome="failed", total_ms=30.0, extra=True))
    assert changes == [
        Change("APCV-CARD-001", "requirement", "absent", "passed"),
        Change("APCV-RDR-005", "verdict", "passed", "failed"),
        Change("APCV-RDR-005", "total_ms (test_read)", "10 ms (passed)", "30 ms (passed)"),
    ]
    assert changes[1].line() == "APCV-RDR-005  verdict: passed → failed"


def test_a_measurement_that_crosses_its_limit_is_a_change_whatever_the_tolerance() -> None:
    [change] = compare_runs(record(total_ms=49.9), record(total_ms=50.1), tolerance=0.5)
    assert change.after == "50.1 ms (failed)"


def test_compare_reads_report_directories_bundles_and_files(tmp_path: Path) -> None:
    write_json(record(), tmp_path / "a")
    write_json(record(total_ms=40), tmp_path / "bundle" / "report")
    assert load_run(tmp_path / "a").results[0].measurements[0].value == 10.0
    result = invoke("compare", str(tmp_path / "a"), str(tmp_path / "bundle"))
    assert result.exit_code == 1
    assert result.stdout == "APCV-RDR-005  total_ms (test_read): 10 ms (passed) → 40 ms (passed)\n"
    same = invoke("compare", str(tmp_path / "a"), str(tmp_path / "a" / "results.json"))
    assert same.exit_code == 0 and same.stdout.startswith("no requirement changed")
    loose = invoke("compare", "--tolerance", "90", "--json", str(tmp_path / "a"), str(tmp_path / "bundle"))
    assert loose.exit_code == 0 and json.loads(loose.stdout)["changes"] == []


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

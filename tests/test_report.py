"""Tests of the run record, NIR masking and the JUnit, JSON and HTML writers."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from apcv.trace import TraceEvent
from harness.report import (
    RecordError,
    RunRecord,
    TestResult,
    build_environment,
    mask_text,
    write_all,
    write_html,
    write_junit,
)
from harness.report.html import duration, render_html
from harness.report.junit import split_nodeid
from harness.report.record import Measurement, RequirementInfo
from harness.report.trace_rows import trace_rows
from harness.report.traceability import render_traceability
from harness.report.verdict import plan_verdict

NIR = "184127512345678"  # synthetic
NIR_SPACED = "2 84 12 75 123 456 78"
NIR_CORSICA = "184122A12345678"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_record(results: list[TestResult] | None = None) -> RunRecord:
    return RunRecord(
        run_id="run-42",
        rig_name="software",
        rig_file="rigs/software.yaml",
        profile="APCV-R1",
        started_at=START,
        finished_at=START + timedelta(seconds=12.5),
        environment={"python": "3.12.0", "link.reader": "sim:"},
        results=[] if results is None else results,
        requirements={
            "APCV-NFC-001": "SELECT by the test AID answers 9000",
            "APCV-NFC-002": "A locked app answers 6982",
            "APCV-QR-001": "A QR token is single use",
            "APCV-QR-009": "Rotation every 30 s",
        },
        faults_active=["rf-drop"],
    )


def sample_results() -> list[TestResult]:
    return [
        TestResult(
            nodeid="scenarios/conformance/phone/test_select.py::TestSelect::test_aid",
            name="test_aid",
            outcome="passed",
            duration_s=0.125,
            requirement_ids=["APCV-NFC-001"],
            traces=["traces/test_aid.pcapng"],
            properties={"step.select_s": 0.0123456789, "reader": "sim"},
            measurements=[Measurement("apdu_turnaround_ms", 3.25, "ms", high=50,
                                      samples=[3.0 + i / 10 for i in range(12)])],
            trace=trace_rows([
                TraceEvent(1000.0, "field_on"),
                TraceEvent(1000.001, "command", bytes.fromhex("80500000510400")),
                TraceEvent(1000.004, "response", bytes.fromhex("9000")),
            ]),
        ),
        TestResult(
            nodeid="scenarios/conformance/phone/test_select.py::test_locked",
            name="test_locked",
            outcome="failed",
            duration_s=0.5,
            requirement_ids=["APCV-NFC-001", "APCV-NFC-002"],
            message=f"NIR {NIR} != {NIR_SPACED} <script>alert(1)</script>",
            longrepr=f"assert sw == 0x6982\nholder nir={NIR}\x1b[31m red\x1b[0m {NIR_CORSICA}",
            traces=["traces/test locked#1.pcapng"],
            faults=["rf-drop"],
            properties={"nir": NIR, "nir_number": float(NIR)},
            measurements=[Measurement("apdu_turnaround_ms", 72.0, "ms", high=50)],
        ),
        TestResult(
            nodeid="scenarios/e2e/test_qr.py::test_single_use[nfc]",
            name="test_single_use[nfc]",
            outcome="skipped",
            requirement_ids=["APCV-QR-001"],
            message="rig lacks feature nfc-hce",
        ),
        TestResult(
            nodeid="scenarios/e2e/test_qr.py::test_backend",
            name="test_backend",
            outcome="error",
            duration_s=1.0,
            message="fixture 'backend' failed: connection refused",
        ),
    ]


@pytest.fixture
def written(tmp_path: Path) -> dict[str, Path]:
    return write_all(make_record(sample_results()), tmp_path / "out")


# --- record ---------------------------------------------------------------


def test_counts_and_duration() -> None:
    record = make_record(sample_results())
    assert record.counts() == {"passed": 1, "failed": 1, "skipped": 1, "error": 1}
    assert record.duration_s == 12.5


def test_by_requirement_verdicts_and_order() -> None:
    groups = make_record(sample_results()).by_requirement()
    assert list(groups) == [
        "APCV-NFC-001", "APCV-NFC-002", "APCV-QR-001", "APCV-QR-009", "(none)",
    ]
    assert groups["APCV-NFC-001"].verdict == "failed"
    assert [r.name for r in groups["APCV-NFC-001"].results] == ["test_aid", "test_locked"]
    assert groups["APCV-NFC-002"].verdict == "failed"
    assert groups["APCV-QR-001"] == ("not_judged", groups["APCV-QR-001"].results,
                                     "test_single_use[nfc] skipped: rig lacks feature nfc-hce")
    assert groups["APCV-QR-009"] == ("not_judged", [], "no test checked it")
    assert groups["(none)"].verdict == "not_judged"
    assert groups["(none)"].reason.startswith("set-up error in test_backend: fixture 'backend' failed")


def _verdict(*results: TestResult, stopped: str = "") -> tuple[str, str]:
    record = make_record(list(results))
    record.stopped = stopped
    group = record.by_requirement().get("R-1")
    return (group.verdict, group.reason) if group else ("", "")


def test_a_requirement_passes_only_when_every_test_of_the_device_passed() -> None:
    passed = TestResult("a.py::t1", "t1", "passed", requirement_ids=["R-1"])
    skipped = TestResult("a.py::t2", "t2", "skipped", requirement_ids=["R-1"], message="no screen")
    failed = TestResult("a.py::t3", "t3", "failed", requirement_ids=["R-1"],
                        message="assert 0x6A82 == 0x9000")
    error = TestResult("a.py::t4", "t4", "error", requirement_ids=["R-1"], message="device gone")
    assert _verdict(passed) == ("passed", "")
    assert _verdict(passed, skipped) == ("not_judged", "t2 skipped: no screen")
    assert _verdict(passed, error) == ("not_judged", "set-up error in t4: device gone")
    assert _verdict(passed, skipped, failed) == ("failed", "t3: assert 0x6A82 == 0x9000")


def test_a_test_of_a_simulator_never_judges_the_device() -> None:
    on_dut = TestResult("a.py::t1", "t1", "passed", requirement_ids=["R-1"])
    on_simulator = TestResult("a.py::t2", "t2", "passed", requirement_ids=["R-1"], counts_for_dut=False)
    assert _verdict(on_dut, on_simulator) == (
        "not_judged", "t2 only exercises a simulator, not the device under test")
    failed_on_simulator = TestResult("a.py::t3", "t3", "failed", requirement_ids=["R-1"],
                                     counts_for_dut=False)
    assert _verdict(on_dut, failed_on_simulator)[0] == "not_judged"


def test_not_applicable_and_a_stopped_run() -> None:
    na = TestResult("a.py::t1", "t1", "skipped", requirement_ids=["R-1"], message="not applicable: no QR")
    assert _verdict(na) == ("not_applicable", "no QR")
    passed = TestResult("a.py::t2", "t2", "passed", requirement_ids=["R-1"])
    assert _verdict(na, passed) == ("passed", "")
    record = make_record([])
    record.stopped = "interrupted before its end"
    assert record.by_requirement()["APCV-NFC-001"][::2] == ("not_judged", "interrupted before its end")


def test_dict_round_trip() -> None:
    record = make_record(sample_results())
    data = json.loads(json.dumps(record.to_dict()))
    assert RunRecord.from_dict(data) == record


def test_from_dict_names_the_bad_field() -> None:
    data = make_record(sample_results()).to_dict()
    del data["results"][1]["outcome"]
    with pytest.raises(RecordError, match=r"result #1: missing field 'outcome'"):
        RunRecord.from_dict(data)
    data = make_record().to_dict() | {"started_at": "yesterday"}
    with pytest.raises(RecordError, match="started_at"):
        RunRecord.from_dict(data)


def test_bad_outcome_and_naive_datetime_are_refused() -> None:
    with pytest.raises(RecordError, match="outcome 'xfail'"):
        TestResult("a.py::t", "t", "xfail")  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="timezone-aware"):
        RunRecord("r", "rig", "rig.yaml", "APCV-R1", datetime(2025, 1, 1), START)


def test_build_environment_lists_links_per_role() -> None:
    environment = build_environment({"reader": "vpcd://127.0.0.1:35963", "phone": "sim:"})
    assert environment["link.phone"] == "sim:"
    assert environment["link.reader"] == "vpcd://127.0.0.1:35963"
    assert {"python", "platform", "harness"} <= environment.keys()


# --- masking --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (NIR, "18412**********"),
        (f"nir={NIR}.", "nir=18412**********."),
        (NIR_SPACED, "2 84 12 ** *** *** **"),
        ("1 84 12 2A 123 456 78", "1 84 12 ** *** *** **"),
        ("18412 2B 123456 99", "18412 ** ****** **"),
        ("799999999999999", "79999**********"),  # bad key: masked anyway
        ("NIR184127512345678", "NIR18412**********"),
        ("1841275123456789", "18412**********9"),
    ],
)
def test_mask_text_masks_nir_like_runs(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "384127512345678",  # sex digit 3
        "18412751234567",  # 14 digits
        "duration 0.12345678901234567 s",  # float fraction
        "01841275123456789",  # inside a longer run
        "SW 6982, APDU 00A4040007A0000000041010",
    ],
)
def test_mask_text_leaves_other_text(text: str) -> None:
    assert mask_text(text) == text


# --- writers --------------------------------------------------------------


def test_write_all_creates_missing_directory(tmp_path: Path) -> None:
    paths = write_all(make_record(sample_results()), tmp_path / "a" / "b")
    assert {name: path.name for name, path in paths.items()} == {
        "junit": "junit.xml", "json": "results.json", "html": "index.html",
        "traceability": "traceability.csv",
    }
    assert all(path.is_file() for path in paths.values())
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == [
        "index.html", "junit.xml", "results.json", "traceability.csv",
    ]


def test_no_whole_nir_in_any_report(written: dict[str, Path]) -> None:
    for path in written.values():
        text = path.read_text(encoding="utf-8")
        for nir in (NIR, NIR_SPACED, NIR_CORSICA, "2A123456"):
            assert nir not in text, (path.name, nir)
        if path.suffix != ".csv":  # the CSV holds no message nor property
            assert "18412" in text  # masked, not dropped


def test_junit_counts_and_structure(written: dict[str, Path]) -> None:
    root = ET.parse(written["junit"]).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")} == {
        "tests": "4", "failures": "1", "errors": "1", "skipped": "1", "time": "12.500",
    }
    assert suite.get("timestamp") == "2025-03-01T09:00:00+00:00"
    suite_props = {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}
    assert suite_props["rig"] == "software"
    assert suite_props["profile"] == "APCV-R1"

    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("scenarios.conformance.phone.test_select.TestSelect", "test_aid"),
        ("scenarios.conformance.phone.test_select", "test_locked"),
        ("scenarios.e2e.test_qr", "test_single_use[nfc]"),
        ("scenarios.e2e.test_qr", "test_backend"),
    ]
    passed, failed, skipped, error = cases
    assert passed.find("failure") is None
    assert [c.tag for c in failed if c.tag != "properties"] == ["failure", "system-out"]
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("NIR 18412**********")
    assert "\\x1b[31m" in (failure.text or "")
    requirements = [
        p.get("value") for p in failed.iterfind("properties/property")
        if p.get("name") == "requirement"
    ]
    assert requirements == ["APCV-NFC-001", "APCV-NFC-002"]
    assert "[[ATTACHMENT|traces/test_aid.pcapng]]" in (passed.findtext("system-out") or "")
    skip = skipped.find("skipped")
    assert skip is not None
    assert skip.get("message") == "rig lacks feature nfc-hce"
    assert error.find("error") is not None


def test_json_loads_and_round_trips(written: dict[str, Path]) -> None:
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["summary"]["total"] == 4
    assert data["summary"]["failed"] == 1
    assert data["summary"]["requirements"]["APCV-NFC-001"] == "failed"
    record = RunRecord.from_dict(data)
    assert record.to_dict() == {k: v for k, v in data.items() if k != "summary"}
    assert record.results[0].properties == {"step.select_s": 0.0123456789, "reader": "sim"}
    assert record.results[1].properties["nir_number"] == "18412**********.0"


def test_html_content(written: dict[str, Path]) -> None:
    html = written["html"].read_text(encoding="utf-8")
    assert '<table class="matrix" id="matrix-mandatory">' in html
    assert "A locked app answers 6982" in html
    assert '<a href="traces/test_aid.pcapng">' in html
    assert '<a href="traces/test%20locked%231.pcapng">' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<pre>" in html
    assert "0.0123457" in html  # step timing
    assert "not tested" in html  # APCV-QR-009
    assert "rf-drop" in html
    assert "http" not in html.replace("http-equiv", "")  # no external assets


def test_single_writer_creates_directory(tmp_path: Path) -> None:
    path = write_junit(make_record(), tmp_path / "new" / "dir")
    assert path == tmp_path / "new" / "dir" / "junit.xml"
    assert path.is_file()


def test_empty_record(tmp_path: Path) -> None:
    record = make_record()
    record.requirements = {}
    paths = write_all(record, tmp_path)
    suite = ET.parse(paths["junit"]).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "0"
    assert RunRecord.from_dict(json.loads(paths["json"].read_text())) == record
    assert "No test ran." in write_html(record, tmp_path).read_text()


def test_split_nodeid_without_class_or_module() -> None:
    assert split_nodeid("models/waiting_room") == ("", "models/waiting_room")
    assert split_nodeid("t.py::A::B::test_x") == ("t.A.B", "test_x")


# --- measurements, trace rows, faults, plan verdict -----------------------


def test_measurement_limits_decide_its_verdict() -> None:
    assert Measurement("t", 3.0, "ms", high=50).passed
    assert not Measurement("t", 51.0, "ms", high=50).passed
    assert not Measurement("t", 0.5, low=1).passed
    assert Measurement("t", 1.0, low=1, high=1).passed
    assert not Measurement("t", float("nan")).passed
    assert Measurement("t", 2.0).passed  # no limit: recorded, never fails
    assert Measurement("t", 3.2, "ms", high=50).describe() == "t = 3.2 ms (limit ≤ 50 ms): passed"
    assert Measurement("t", 7, "V", low=1, high=5).describe() == "t = 7 V (limit 1 .. 5 V): FAILED"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "", "value": 1.0}, "needs a name"),
    ({"name": "t", "value": "fast"}, "value 'fast' is not a number"),
    ({"name": "t", "value": True}, "value True is not a number"),
    ({"name": "t", "value": 1.0, "low": 5, "high": 1}, "low 5 is above high 1"),
])
def test_bad_measurements_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        Measurement(**kwargs)


def test_round_trip_keeps_measurements_and_trace_rows() -> None:
    record = make_record(sample_results())
    back = RunRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert back == record
    assert back.results[0].measurements[0].passed and not back.results[1].measurements[0].passed
    assert [row.name for row in back.results[0].trace] == ["", "ESTABLISH SESSION (APCV-R1)",
                                                           "ESTABLISH SESSION (APCV-R1)"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["results"][0]["measurements"][0].pop("value"), r"measurement #0: missing field 'value'"),
    (lambda d: d["results"][0]["measurements"][0].update(value="x"), "is not a number"),
    (lambda d: d["results"][0].update(trace=7), "trace must be a list"),
    (lambda d: d["results"][0]["trace"][0].pop("t_ms"), r"trace row #0: missing field 't_ms'"),
    (lambda d: d.update(requirements=[1]), "requirements must be an object"),
    (lambda d: d["requirements"].update({"APCV-X-001": 3}), "requirement APCV-X-001: expected an object"),
])
def test_from_dict_names_bad_measurements_and_rows(change, message: str) -> None:
    data = json.loads(json.dumps(make_record(sample_results()).to_dict()))
    change(data)
    with pytest.raises(RecordError, match=message):
        RunRecord.from_dict(data)


def test_trace_rows_name_commands_and_time_answers() -> None:
    rows = sample_results()[0].trace
    assert [(r.kind, r.t_ms) for r in rows] == [("field_on", 0.0), ("command", 1.0), ("response", 4.0)]
    assert rows[2].sw == "9000" and rows[2].meaning == "success" and rows[2].elapsed_ms == 3.0
    assert rows[1].data == "80 50 00 00 51 04 00" and rows[1].at.endswith("+00:00")
    many = [TraceEvent(1.0 + i / 1000, "note", detail=str(i)) for i in range(450)]
    cut = trace_rows(many)
    assert len(cut) == 401 and cut[-1].detail == "50 more events in the trace files"


def test_requirements_given_as_titles_or_entries() -> None:
    record = make_record()
    assert record.requirements["APCV-NFC-001"] == RequirementInfo("SELECT by the test AID answers 9000")
    record = make_record()
    record.requirements = {"R-1": {"title": "t", "level": "optional", "roles": ["phone"]}}  # type: ignore
    record.__post_init__()
    assert record.requirements["R-1"].level == "optional"


def plan_record(outcomes: dict[str, str]) -> RunRecord:
    record = make_record([TestResult(f"t.py::{rid}", rid, outcome, requirement_ids=[rid])
                          for rid, outcome in outcomes.items()])
    record.role = "phone"
    record.requirements = {
        "APCV-NFC-001": RequirementInfo("a", "mandatory", "functional", ["phone"]),
        "APCV-NFC-002": RequirementInfo("b", "mandatory", "negative", ["phone"]),
        "APCV-QR-001": RequirementInfo("c", "optional", "functional", ["phone"]),
    }
    return record


def test_plan_is_certified_only_when_every_mandatory_requirement_passed() -> None:
    assert plan_verdict(plan_record({"APCV-NFC-001": "passed", "APCV-NFC-002": "passed"})).certified
    verdict = plan_verdict(plan_record({"APCV-NFC-001": "failed", "APCV-QR-001": "passed"}))
    assert not verdict.certified
    assert verdict.blocking() == {"APCV-NFC-001": "failed", "APCV-NFC-002": "not_judged"}
    assert verdict.summary() == ("not certified: 1 mandatory requirement failed (APCV-NFC-001); "
                                 "1 mandatory requirement not judged (APCV-NFC-002)")
    assert verdict.exit_status == 1
    assert verdict.lines()[0].startswith("verdict: NOT PASSED (not certified: ")
    assert verdict.lines()[2] == "  APCV-NFC-002 not judged: no test checked it"
    optional_failed = plan_verdict(plan_record({"APCV-NFC-001": "passed", "APCV-NFC-002": "passed",
                                                "APCV-QR-001": "failed"}))
    assert optional_failed.certified and optional_failed.optional == {"APCV-QR-001": "failed"}
    assert optional_failed.exit_status == 0 and optional_failed.lines()[0].startswith("verdict: PASSED")
    interrupted = plan_record({"APCV-NFC-001": "passed", "APCV-NFC-002": "passed"})
    interrupted.interrupted = True
    assert plan_verdict(interrupted).exit_status == 130 and not plan_verdict(interrupted).certified
    empty = plan_record({})
    empty.requirements = {}
    assert not plan_verdict(empty).certified


def test_a_run_without_a_role_judges_the_requirements_its_tests_named() -> None:
    record = make_record([TestResult("t.py::a", "a", "passed", requirement_ids=["APCV-NFC-001"]),
                          TestResult("t.py::b", "b", "failed", message="boom")])
    record.requirements["APCV-NFC-001"] = RequirementInfo("a", "mandatory", "functional", ["phone"])
    verdict = plan_verdict(record)
    assert verdict.mandatory == {"APCV-NFC-001": "passed"}
    assert verdict.untagged_failures == ("t.py::b",) and verdict.exit_status == 1
    assert verdict.lines()[-1] == "  t.py::b failed (no requirement)"


def test_html_puts_failures_first_and_shows_what_a_person_needs(tmp_path: Path) -> None:
    results = sample_results()
    results[0].attachments = ["traces/frame.png"]
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "frame.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    html = render_html(make_record(results), tmp_path)
    order = [html.index(f'data-outcome="{o}"') for o in ("failed", "error", "skipped", "passed")]
    assert order == sorted(order)
    for element in ('id="filter-failed"', 'id="filter-role"', 'id="filter-text"',
                    '<svg class="chart"', 'class="bar', 'class="mark"', 'table class="apdu"',
                    "ESTABLISH SESSION (APCV-R1)", "success", "Faults active: rf-drop", "Faults active: none",
                    "apdu_turnaround_ms", "≤ 50 ms", "p50 3.5 ms · p95 4.1 ms · max 4.1 ms (12 samples)",
                    "data:image/png;base64,iVBORw0KGgo", 'href="traceability.csv"', "125.0 ms"):
        assert element in html, element
    assert "http" not in html.replace("http-equiv", "")


def test_html_plan_banner_names_the_blocking_requirements() -> None:
    html = render_html(plan_record({"APCV-NFC-001": "failed", "APCV-CARD-001": "passed"}))
    assert "NOT CERTIFIED" in html and 'href="#req-APCV-NFC-002"' in html
    assert 'id="matrix-optional"' in html and 'id="matrix-mandatory"' in html
    assert "Requirements outside the phone plan, also checked by its tests (1)" in html


@pytest.mark.parametrize(("seconds", "text"), [
    (0.0, "0 µs"), (0.00042, "420 µs"), (0.0123, "12.3 ms"), (2.5, "2.500 s"),
])
def test_durations_read_as_people_write_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_traceability_csv_rows(written: dict[str, Path]) -> None:
    import csv

    rows = list(csv.DictReader(written["traceability"].open(encoding="utf-8")))
    by_test = {(r["requirement"], r["test"]): r for r in rows}
    aid = by_test[("APCV-NFC-001", "scenarios/conformance/phone/test_select.py::TestSelect::test_aid")]
    assert aid["outcome"] == "passed" and aid["requirement_verdict"] == "failed"
    assert aid["measurements"] == "apdu_turnaround_ms = 3.25 ms (limit ≤ 50 ms): passed"
    assert by_test[("APCV-QR-009", "")]["outcome"] == "not tested"
    locked = by_test[("APCV-NFC-002", "scenarios/conformance/phone/test_select.py::test_locked")]
    assert locked["faults"] == "rf-drop"
    assert render_traceability(make_record()).count("\n") == 5  # header and one row per requirement


def test_junit_carries_measurements(written: dict[str, Path]) -> None:
    root = ET.parse(written["junit"]).getroot()
    props = [(p.get("name"), p.get("value")) for p in root.iterfind(".//testcase/properties/property")]
    assert ("measurement.apdu_turnaround_ms", "apdu_turnaround_ms = 72 ms (limit ≤ 50 ms): FAILED") in props


def test_catalogue_backticks_read_as_code_and_markup_stays_escaped() -> None:
    from harness.report.html import inline_code

    assert inline_code("refused 403 `too_young` <b>") == "refused 403 <code>too_young</code> &lt;b&gt;"


def test_the_first_screen_groups_blocking_requirements_by_reason() -> None:
    html = render_html(plan_record({"APCV-NFC-001": "failed", "APCV-CARD-001": "passed"}))
    first = html[html.index('id="verdict"'):html.index("</section>")]
    assert "NOT CERTIFIED" in first and "Device under test:" in first
    assert "mandatory requirements not passed" in first and 'href="#req-APCV-NFC-002"' in first


@pytest.mark.parametrize(("measurement", "scale"), [
    (Measurement("t", 25.0, "ms", high=50), (50.0, 100.0)),
    (Measurement("t", 80.0, "ms", high=50), (100.0, 62.5)),
    (Measurement("rate", 80.0, "%", low=50), (80.0, 50.0)),
    (Measurement("t", 3.0, "ms", low=0), None),
    (Measurement("t", 3.0, "ms"), None),
])
def test_a_value_is_drawn_to_scale_against_its_limit(measurement: Measurement,
                                                     scale: tuple[float, float] | None) -> None:
    from harness.report.html import _to_scale

    assert _to_scale(measurement) == scale


def test_distributions_only_from_enough_samples() -> None:
    from harness.report.charts import MIN_DISTRIBUTION, distribution_svg, spread

    assert distribution_svg([1.0] * (MIN_DISTRIBUTION - 1), label="few") is None
    svg = distribution_svg([float(i) for i in range(40)], label="many", unit="ms", high=50)
    assert svg is not None and svg.startswith('<svg class="chart"') and "p95 37" in svg and "http" not in svg
    assert spread([1.0, 2.0, 3.0, 4.0]) == spread([4.0, 3.0, 2.0, 1.0, math.nan])
    assert spread([]) is None


def test_a_failure_blamed_on_one_requirement_is_only_that_ones() -> None:
    both = ["APCV-NFC-001", "APCV-NFC-002"]
    failed = TestResult("t.py::t", "t", "failed", requirement_ids=both, message="assert SW 6985 == SW 9000",
                        blamed="APCV-NFC-002")
    groups = make_record([failed]).by_requirement()
    assert groups["APCV-NFC-002"][::2] == ("failed", "t: assert SW 6985 == SW 9000")
    assert groups["APCV-NFC-001"][::2] == (
        "not_judged", "t failed on the check of APCV-NFC-002 before judging it")
    unblamed = TestResult("t.py::u", "u", "failed", requirement_ids=both, message="boom")
    assert {g.verdict for g in make_record([unblamed]).by_requirement().values()} >= {"failed"}


def test_a_run_without_a_role_leaves_out_what_does_not_apply_to_its_rig() -> None:
    record = make_record([
        TestResult("t.py::a", "a", "passed", requirement_ids=["APCV-NFC-001"]),
        TestResult("t.py::b", "b", "skipped", requirement_ids=["APCV-NFC-002"],
                   message="not applicable: rig 'software' has no billing program under test"),
    ])
    for rid in ("APCV-NFC-001", "APCV-NFC-002"):
        record.requirements[rid] = RequirementInfo(rid, "mandatory", "functional", ["phone"])
    assert plan_verdict(record).mandatory == {"APCV-NFC-001": "passed"}
    assert plan_verdict(record).exit_status == 0
    record.role = "phone"  # a role's plan keeps every requirement: not applicable is not passed
    assert plan_verdict(record).blocking()["APCV-NFC-002"] == "not_applicable"

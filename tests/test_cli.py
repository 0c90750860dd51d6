"""``apcv-hil read`` and ``apcv-hil run`` through click's CliRunner: outputs, masking, errors."""

from __future__ import annotations

import json
import os
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from apcv.people import Insured
from harness.cli import _Main, cli
from harness.rig import RIGS_DIR
from simulators.factory import synthetic_insured

SOFTWARE = RIGS_DIR / "software.yaml"
PHONE_INSURED = synthetic_insured(2)  # the phone of rigs/software.yaml
CARD_INSURED = synthetic_insured(5)  # the card of rigs/software.yaml


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit 2, and stderr is exactly one line starting "apcv-hil: error: ", no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def all_nirs(insured: Insured) -> list[str]:
    return [insured.identity.nir] + [b.identity.nir for b in insured.beneficiaries]


def test_read_table() -> None:
    result = invoke("read")
    assert result.exit_code == 0, result.output
    assert "phone" in result.stdout and "on rig software" in result.stdout
    assert PHONE_INSURED.identity.birth_name in result.stdout
    for nir in all_nirs(PHONE_INSURED):
        assert nir not in result.output


def test_read_json() -> None:
    result = invoke("read", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["kind"] == "phone" and summary["selected"] == 0
    assert summary["holder"]["birth_date"] == PHONE_INSURED.identity.birth_date.isoformat()
    assert "*" in summary["holder"]["nir"]
    assert len(summary["beneficiaries"]) == len(PHONE_INSURED.beneficiaries)
    assert {"detect", "select", "session", "presentation", "verify", "total"} <= set(summary["timings_ms"])
    assert "runs" not in summary
    for nir in all_nirs(PHONE_INSURED):
        assert nir not in result.output


def test_read_beneficiary() -> None:
    result = invoke("read", "--json", "--beneficiary", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["selected"] == 1


def test_read_beneficiary_beyond_the_wallet() -> None:
    assert_one_line_error(invoke("read", "--beneficiary", "9"), "6A88", "beneficiary 9")


def test_read_negative_beneficiary_is_a_usage_error() -> None:
    result = invoke("read", "--beneficiary", "-1")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_read_card() -> None:
    result = invoke("read", "--device", "card", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["kind"] == "card" and summary["reference"] == CARD_INSURED.card_serial
    for nir in all_nirs(CARD_INSURED):
        assert nir not in result.output


def test_read_count_has_runs() -> None:
    result = invoke("read", "--count", "3", "--json")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert runs["count"] == 3
    assert set(runs["timings"]["total"]) == {"mean_ms", "p50_ms", "p95_ms", "max_ms"}
    total = runs["timings"]["total"]
    assert total["p50_ms"] <= total["p95_ms"] <= total["max_ms"]


def test_read_count_table() -> None:
    result = invoke("read", "--count", "2")
    assert result.exit_code == 0, result.output
    assert "2 presentations" in result.stdout
    assert "p95 (ms)" in result.stdout and "max (ms)" in result.stdout  # budgets are maxima


def test_read_trace(tmp_path: Path) -> None:
    result = invoke("read", "--trace", str(tmp_path / "exchange.anything"))
    assert result.exit_code == 0, result.output
    jsonl, pcapng = tmp_path / "exchange.jsonl", tmp_path / "exchange.pcapng"
    assert jsonl.stat().st_size > 0 and pcapng.stat().st_size > 0
    assert str(jsonl) in result.stderr and str(pcapng) in result.stderr
    assert pcapng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"  # section header block
    events = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert events


def test_read_with_a_named_rig() -> None:
    assert invoke("read", "--rig", "software", "--json").exit_code == 0


def test_read_missing_rig(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert_one_line_error(invoke("read", "--rig", str(missing)), str(missing), "not found")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("name: x\nroles:\n  reader:\n    link: 'foo:bar'\n", "roles.reader.link: unknown link scheme 'foo'"),
        ("name: x\nroles:\n  reader:\n    link: 'sim:x'\n    max_le: 300\n", "roles.reader.max_le"),
    ],
)
def test_read_bad_rig(tmp_path: Path, text: str, fragment: str) -> None:
    rig = tmp_path / "bad.yaml"
    rig.write_text(text, encoding="utf-8")
    assert_one_line_error(invoke("read", "--rig", str(rig)), str(rig), fragment)


def test_read_from_a_rig_with_nothing_presented(tmp_path: Path) -> None:
    rig = tmp_path / "reader-only.yaml"
    rig.write_text("name: reader-only\nroles:\n  reader:\n    link: 'sim:cli-test-empty'\n", encoding="utf-8")
    assert_one_line_error(invoke("read", "--rig", str(rig)), "nothing attached")


def test_run_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "r"
    result = invoke("run", "--report", str(report), "-k", "select")
    assert result.exit_code == 0, result.output
    for name in ("index.html", "junit.xml", "results.json"):
        assert (report / name).is_file()
    suite = ET.parse(report / "junit.xml").getroot()
    assert int(suite.get("tests") or suite[0].get("tests")) > 0
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert results
    assert "report:" in result.stderr


def test_run_ignores_the_users_pytest_addopts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Options meant for the user's own pytest (``-rs`` needs the terminal plugin) do not break a run."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-rs -v --tb=long")
    result = invoke("run", "--report", str(tmp_path / "r"), "-k", "select")
    assert result.exit_code == 0, result.output
    assert os.environ["PYTEST_ADDOPTS"] == "-rs -v --tb=long"  # given back afterwards


def test_run_missing_rig(tmp_path: Path) -> None:
    result = invoke("run", "--rig", "missing.yaml", "--report", str(tmp_path / "r"))
    assert_one_line_error(result, "missing.yaml", "not found")
    assert not (tmp_path / "r").exists()


def test_read_count_traces_every_read(tmp_path: Path) -> None:
    """Each of the three reads is in the trace, not only the last (nor none)."""
    once, thrice = tmp_path / "once.pcapng", tmp_path / "thrice.pcapng"
    assert invoke("read", "--trace", str(once)).exit_code == 0
    result = invoke("read", "--count", "3", "--trace", str(thrice))
    assert result.exit_code == 0, result.output

    def selects(path: Path) -> int:
        events = [json.loads(line) for line in path.with_suffix(".jsonl").read_text("ascii").splitlines()]
        return sum(1 for e in events if e["kind"] == "command" and e["data"].startswith("00A404"))

    def packets(path: Path) -> int:
        data, offset, count = path.read_bytes(), 0, 0
        while offset < len(data):
            block_type, total = struct.unpack_from("<II", data, offset)
            count += block_type == 6  # enhanced packet block
            offset += total
        return count

    assert selects(once) >= 1 and selects(thrice) == 3 * selects(once)
    assert packets(once) >= 2 and packets(thrice) == 3 * packets(once)
    for nir in all_nirs(PHONE_INSURED):
        assert nir not in thrice.with_suffix(".jsonl").read_text("ascii")


def test_a_failed_read_is_traced_too(tmp_path: Path) -> None:
    trace = tmp_path / "failed.pcapng"
    result = invoke("read", "--beneficiary", "9", "--trace", str(trace))
    assert result.exit_code == 2
    assert "6A88" in trace.with_suffix(".jsonl").read_text("ascii")
    assert result.stderr.splitlines()[-1].startswith("apcv-hil: error: ")


def test_run_with_a_keyword_matching_nothing(tmp_path: Path) -> None:
    result = invoke("run", "-k", "nomatch", "--report", str(tmp_path / "r"))
    assert (result.exit_code, result.stderr) == (2, "apcv-hil: error: no scenario matches -k 'nomatch'\n")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("args", "fragment"), [
    (("read", "--beneficiary", "-1"), "Invalid value for '--beneficiary'"),
    (("read", "--count", "x"), "Invalid value for '--count'"),
    (("nosuchcommand",), "No such command 'nosuchcommand'"),
    (("--nosuchoption",), "No such option"),
    (("rigs", "check"), "Missing argument"),
    (("population", "--output", "/nonexistent/dir/people.jsonl"), "/nonexistent/dir/people.jsonl"),
])
def test_click_usage_errors_use_the_same_one_line_style(args: tuple[str, ...], fragment: str) -> None:
    result = invoke(*args)
    assert_one_line_error(result, fragment)
    assert "Usage:" not in result.output


def test_a_bug_is_one_line_with_exit_1() -> None:
    @click.group(cls=_Main)
    def root() -> None:
        """A root like apcv-hil's."""

    @root.command()
    def boom() -> None:
        raise RuntimeError("something of ours broke")

    result = CliRunner().invoke(root, ["boom"])
    assert result.exit_code == 1
    assert result.stderr.startswith("apcv-hil: error: internal error: RuntimeError: something of ours broke")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_run_with_failures_is_a_failed_check(tmp_path: Path) -> None:
    """A phone left locked fails the reads: exit 1, the failures listed, then the one error line."""
    rig = tmp_path / "locked.yaml"
    rig.write_text(SOFTWARE.read_text(encoding="utf-8").replace("locked: false", "locked: true"),
                   encoding="utf-8")
    result = invoke("run", "--rig", str(rig), "-k", "test_reads_phone", "--report", str(tmp_path / "r"))
    assert result.exit_code == 1, result.output
    assert "FAILED scenarios/conformance/reader/test_reader_kernel.py::test_reads_phone" in result.stderr
    verdict, *blocking = result.stdout.splitlines()
    assert verdict.startswith("verdict: NOT PASSED (not certified: 2 mandatory requirements failed"), verdict
    assert blocking[0].startswith("  APCV-RDR-001 failed: test_reads_phone: ")
    assert (tmp_path / "r" / "index.html").is_file()

"""The reference reader terminal program: its reports keep the contract, bad settings get one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from apcv.errors import ApcvError, ProtocolError, VerificationError
from harness.bench import Bench
from harness.rig import find_rig, load_rig
from harness.terminal.channels import HttpOutput, SerialOutput
from harness.terminal.contract import ReadShown, RefusedShown, parse_report
from simulators.reader.errors import AppLocked, CardError, NoApcvApplication
from simulators.reader.terminal import deliver, refusal, shown


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulators.reader.terminal", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize(("args", "message"), [
    (["--reader", "R", "--trust", "/nonexistent.pem"], "the insurer root /nonexistent.pem not found"),
    (["--reader", "R", "--trust", "/dev/null"], "is a character device, not a regular file"),
    (["--reader", "R", "--trust", __file__], "is not a PEM certificate"),
    (["--reader", "R", "--trust", "x.pem", "--beneficiary", "-1"], "argument --beneficiary"),
    (["--reader", "R", "--trust", "x.pem", "--variant", "reader-flies"], "argument --variant"),
    (["--reader", "R", "--trust", "x.pem", "--wait", "0"], "--wait 0 is not between"),
    (["--trust", "x.pem"], "the following arguments are required: --reader"),
])
def test_bad_settings_get_one_line_and_status_2(args: list[str], message: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_report_of_a_read_keeps_the_contract(sim_bench_phone) -> None:
    result = sim_bench_phone.read(beneficiary=1)
    report = parse_report(json.dumps(shown(result)))
    assert isinstance(report, ReadShown)
    child = result.beneficiaries[0].identity
    assert report.patient.name.endswith(child.birth_name) and report.patient.birth_date == child.birth_date
    assert report.holder is not None and report.holder.birth_date == result.holder.birth_date
    assert result.holder.nir not in json.dumps(shown(result)) and child.nir not in json.dumps(shown(result))


@pytest.fixture
def sim_bench_phone():
    with Bench(load_rig(find_rig("software"))) as bench:
        bench.present("phone")
        yield bench.reader


@pytest.mark.parametrize(("error", "reason"), [
    (AppLocked("GET PRESENTATION"), "locked"),
    (NoApcvApplication("neither"), "not_apcv"),
    (CardError("GET PRESENTATION", 0x6A88), "no_beneficiary"),
    (VerificationError("presentation is bound to another session"), "replayed"),
    (VerificationError(f"card data is valid from {date(2020, 1, 1)}, not at now"), "expired"),
    (VerificationError("device certificate was not signed by the insurer"), "untrusted"),
    (VerificationError("signature does not verify"), "tampered"),
    (ProtocolError("the device kept answering 61XX after 64 GET RESPONSE"), "unreadable"),
])
def test_each_refusal_gets_the_contract_reason(error: Exception, reason: str) -> None:
    report = parse_report(json.dumps(refusal(error)))
    assert isinstance(report, RefusedShown) and report.reason == reason


def test_a_refusal_message_is_one_line_without_a_nir() -> None:
    report = refusal(ApcvError("no insured person\nwith NIR 184127511203416"))
    assert report["message"] == "no insured person with NIR 18412**********"


def test_reports_reach_a_serial_port_and_an_http_callback() -> None:
    report = refusal(AppLocked("GET PRESENTATION"))
    for channel in (SerialOutput(), HttpOutput()):
        try:
            deliver(report, channel.address)
            assert json.loads(channel.collect(5)) == report
        finally:
            channel.close()


@pytest.mark.parametrize(("output", "message"), [
    ("http://127.0.0.1:9/report", "cannot post the report to http://127.0.0.1:9/report"),
    ("/nonexistent/ttyX", "cannot write the report to /nonexistent/ttyX"),
])
def test_an_output_that_cannot_be_reached_is_named(output: str, message: str) -> None:
    with pytest.raises(ApcvError, match=message):
        deliver(refusal(AppLocked("x")), output)

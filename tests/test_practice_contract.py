"""The contract of a billing program under test: its JSON, exit statuses, and how a run that breaks
it is told apart (a program not there, hanging, exiting oddly, printing something else)."""

from __future__ import annotations

import json
import sys
import time

import pytest

from harness.practice.runner import RunningBilling, fill_template
from simulators.practice.contract import Billed, ContractError, Refused, parse_result
from simulators.practice.outcome import billed, exit_status, refused

pytestmark = pytest.mark.slow  # runs billing programs in subprocesses

BILLED = {"outcome": "billed", "source": "nfc", "token_id": "ab" * 16, "claim_id": "FSE-1",
          "receipt_id": "r1", "total_cents": 2500, "beneficiary": "1 84 12 ** *** *** **",
          "rights": {"fund_code": "751", "regime_code": "01", "rights_open": True}}
REFUSED = {"outcome": "refused", "reason": "expired", "message": "the QR expired 540 s ago"}


def test_billed_and_refused_results_parse():
    assert isinstance(parse_result(json.dumps(BILLED), 0), Billed)
    assert isinstance(parse_result("\n" + json.dumps(REFUSED) + "\n", 1), Refused)
    assert parse_result(json.dumps({**BILLED, "vendor_field": 1}), 0).claim_id == "FSE-1"


def test_the_plain_printouts_a_program_builds_keep_the_contract():
    """The reference program prints :mod:`simulators.practice.outcome`'s plain data: the models agree."""
    printed = billed(source="qr", token_id="ab" * 16, claim_id="FSE-1", receipt_id="r1", total_cents=2500,
                     beneficiary="1 84 12 ** *** *** **", fund_code="751", regime_code="01", rights_open=True)
    assert parse_result(json.dumps(printed), exit_status(printed)) == Billed.model_validate(printed)
    assert exit_status(printed) == 0
    no = refused("replayed", "this presentation was already used")
    assert isinstance(parse_result(json.dumps(no), exit_status(no)), Refused) and exit_status(no) == 1


@pytest.mark.parametrize(("stdout", "code", "message"), [
    ("", 0, "printed nothing"),
    ("billed!", 0, "not one JSON object"),
    (json.dumps(BILLED) + "\n" + json.dumps(BILLED), 0, "not one JSON object"),
    ("[1, 2]", 0, "JSON list, not an object"),
    (json.dumps({"outcome": "done"}), 0, "not \"billed\" or \"refused\""),
    (json.dumps({**BILLED, "claim_id": "no spaces allowed"}), 0, "claim_id"),
    (json.dumps({k: v for k, v in BILLED.items() if k != "rights"}), 0, "rights"),
    (json.dumps({**REFUSED, "reason": "because"}), 1, "reason"),
    (json.dumps({**REFUSED, "message": "two\nlines"}), 1, "message"),
    (json.dumps(BILLED), 1, "exited with 1 (expected 0)"),
    (json.dumps(REFUSED), 0, "exited with 0 (expected 1)"),
    ("x" * (65 * 1024), 0, "at most 65536"),
])
def test_output_breaking_the_contract_says_how(stdout, code, message):
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_result(stdout, code)


def test_template_placeholders_are_filled_whole():
    argv = fill_template("bill --reader {reader} --amount {amount}",
                         {"reader": "Virtual PCD 00 00", "amount": "5"})
    assert argv == ["bill", "--reader", "Virtual PCD 00 00", "--amount", "5"]
    with pytest.raises(ContractError, match=r"unknown placeholder \{card\}"):
        fill_template("bill {card}", {"reader": "r"})


def _run(tmp_path, code: str, timeout: float = 10.0, stdin: bool = False) -> RunningBilling:
    return RunningBilling([sys.executable, "-c", code], timeout, tmp_path, with_stdin=stdin)


def test_a_program_that_is_not_there(tmp_path):
    with pytest.raises(ContractError, match="'no-such-billing-program' was not found"):
        RunningBilling(["no-such-billing-program"], 5, tmp_path, with_stdin=False)


def test_a_program_that_cannot_be_run(tmp_path):
    script = tmp_path / "bill.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(ContractError, match="permission denied"):
        RunningBilling([str(script)], 5, tmp_path, with_stdin=False)


def test_a_hanging_program_is_stopped_and_said_to_hang(tmp_path):
    run = _run(tmp_path, "import time, sys; print('starting', file=sys.stderr, flush=True); time.sleep(60)",
               timeout=1.0).finish()
    assert run.exit_code is None and "starting" in run.stderr
    assert run.ended_at - run.started_at < 10
    with pytest.raises(ContractError, match="did not finish within 1 s"):
        run.result()


def test_a_program_exiting_with_another_status(tmp_path):
    run = _run(tmp_path, "import sys; print('boom', file=sys.stderr); sys.exit(3)").finish()
    assert (run.exit_code, run.stderr.strip()) == (3, "boom")
    with pytest.raises(ContractError, match="exited with 3 and printed nothing"):
        run.result()


def test_a_program_printing_something_else(tmp_path):
    run = _run(tmp_path, "print('Billed: 25 EUR')").finish()
    with pytest.raises(ContractError, match="not one JSON object"):
        run.result()
    assert run.stdout.strip() == "Billed: 25 EUR"


def test_a_well_behaved_program_reads_a_typed_qr(tmp_path):
    code = ("import json, sys; text = sys.stdin.readline().strip(); print(json.dumps({'outcome': 'refused', "
            "'reason': 'unreadable', 'message': 'got ' + text})); sys.exit(1)")
    running = _run(tmp_path, code, stdin=True)
    running.type_line("APCV1:ABC")
    result = running.finish().result()
    assert isinstance(result, Refused) and result.message == "got APCV1:ABC"


def test_what_a_program_leaves_running_is_stopped(tmp_path):
    marker = tmp_path / "child-alive"
    code = ("import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time, pathlib; "
            f"time.sleep(1.5); pathlib.Path({str(marker)!r}).touch()']); print('{{}}')")
    _run(tmp_path, code).finish()
    time.sleep(2.0)
    assert not marker.exists(), "a process the program started outlived its run"

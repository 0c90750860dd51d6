"""The reader terminal's report contract and its channels: good reports read, bad ones named in one line."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import date

import httpx
import pytest

from harness.terminal.channels import CommandOutput, HttpOutput, PromptOutput, SerialOutput
from harness.terminal.contract import MAX_REPORT_BYTES, ReadShown, RefusedShown, ReportError, parse_report

READ = {"outcome": "read", "kind": "phone",
        "patient": {"name": "Louis Gallet", "birth_date": "2008-04-24", "nir": "1 08 04 ** *** *** **"},
        "holder": {"name": "Anaïs Costa"}, "coverage": {"fund_code": "131", "regime_code": "02"}, "extra": 1}
REFUSED = {"outcome": "refused", "reason": "untrusted", "message": "not signed by the insurer"}


def test_a_read_and_a_refusal_are_read() -> None:
    report = parse_report(json.dumps(READ))
    assert isinstance(report, ReadShown)
    assert report.patient.birth_date == date(2008, 4, 24) and report.coverage.fund_code == "131"
    refused = parse_report(json.dumps(REFUSED).encode() + b"\r\n")
    assert isinstance(refused, RefusedShown) and refused.reason == "untrusted"
    assert isinstance(parse_report('{"outcome": "read", "patient": {"name": "A B"}}'), ReadShown)


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("   \n", "is empty"),
    ("not json", "not one JSON object (Expecting value at line 1 column 1)"),
    ('{"outcome": "read"', "not one JSON object"),
    ("[1, 2]", "a JSON list, not an object"),
    ('{"outcome": "maybe"}', "\"outcome\" is 'maybe'"),
    ("{}", "\"outcome\" is None"),
    (json.dumps({**READ, "patient": {"name": ""}}), "field patient.name"),
    (json.dumps({**READ, "patient": {"name": "A", "nir": "184127511203416"}}), "field patient.nir"),
    (json.dumps({**READ, "patient": {"name": "A", "birth_date": "24/04/2008"}}), "field patient.birth_date"),
    (json.dumps({**READ, "kind": "watch"}), "field kind"),
    (json.dumps({**READ, "coverage": {"fund_code": "13", "regime_code": "02"}}), "field coverage.fund_code"),
    (json.dumps({k: v for k, v in READ.items() if k != "patient"}), "field patient: Field required"),
    (json.dumps({**REFUSED, "reason": "bored"}), "field reason"),
    (json.dumps({**REFUSED, "message": "two\nlines"}), "field message"),
    ("x" * (MAX_REPORT_BYTES + 1), "at most 65536"),
    (b'{"outcome": "read", "patient": {"name": "\xff\xfe"}', "not one JSON object"),
    ('{"outcome": "read", "patient": {"name": "\udcff"}, "kind": 1}', "field kind"),
])
def test_a_bad_report_is_named_in_one_line(text: str | bytes, message: str) -> None:
    with pytest.raises(ReportError, match=None) as caught:
        parse_report(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_command_output_is_the_standard_output() -> None:
    channel = CommandOutput()
    assert channel.address == "-"
    assert channel.collect(1, "") is None and channel.collect(1, '{"a": 1}\n') == '{"a": 1}\n'


def test_serial_output_reads_one_line_per_report() -> None:
    channel = SerialOutput()
    try:
        fd = os.open(channel.address, os.O_WRONLY | os.O_NOCTTY)
        os.write(fd, b'{"old": 1}\r\n')
        channel_seen = channel.collect(2)
        assert channel_seen == '{"old": 1}'
        channel.expect()
        os.write(fd, b'{"outcome": ')
        os.write(fd, b'"refused"}\n')
        os.close(fd)
        assert channel.collect(2) == '{"outcome": "refused"}'
        assert channel.collect(0.2) is None  # nothing more: the terminal is silent
    finally:
        channel.close()


def test_a_closed_serial_output_reads_no_file_opened_after_it(tmp_path) -> None:
    """Its reader stops before the pseudo-terminal closes: the next open() may get the same number."""
    text = bytes(range(256)) * 64
    (tmp_path / "bundle").write_bytes(text)
    for _ in range(5):
        SerialOutput().close()
        fd = os.open(tmp_path / "bundle", os.O_RDONLY)
        try:
            time.sleep(0.15)  # three of the reader's polls, had it outlived close()
            assert os.read(fd, len(text) + 1) == text
        finally:
            os.close(fd)


def test_serial_output_names_a_port_that_cannot_open() -> None:
    from harness.terminal.channels import ChannelError

    with pytest.raises(ChannelError, match="cannot open serial port /nonexistent/tty"):
        SerialOutput("/nonexistent/tty")


def test_http_output_takes_one_post_per_report() -> None:
    channel = HttpOutput()
    try:
        assert httpx.post(channel.address, content=json.dumps(REFUSED)).status_code == 204
        assert json.loads(channel.collect(2)) == REFUSED
        too_big = httpx.post(channel.address, content=b"x" * (MAX_REPORT_BYTES + 1))
        assert too_big.status_code == 413
        assert channel.collect(0.2) is None
    finally:
        channel.close()


def test_prompt_output_turns_what_a_person_types_into_a_report() -> None:
    answers = iter(["Louis Gallet\n", "refused untrusted: not signed\n", "\n"])
    channel = PromptOutput(lambda question: next(answers))
    read = parse_report(channel.collect(60))
    assert isinstance(read, ReadShown) and read.patient.name == "Louis Gallet"
    refused = parse_report(channel.collect(60))
    assert isinstance(refused, RefusedShown) and refused.reason == "untrusted"
    assert channel.collect(60) is None


def test_a_slow_reporter_is_waited_for_within_the_timeout() -> None:
    channel = HttpOutput()
    client = httpx.Client()  # made beforehand: on a loaded machine making it takes seconds
    try:
        timer = threading.Timer(0.3, lambda: client.post(channel.address, content=json.dumps(READ)))
        timer.start()
        assert channel.collect(10) is not None
        timer.join()
    finally:
        client.close()
        channel.close()

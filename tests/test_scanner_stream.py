"""What a scanner under test sends, through a real pseudo-terminal: the device end
(:class:`PtyPort`, where our simulated scanner writes) and the timed byte stream the scanner plan
judges, read through the ``serial:`` and ``wedge:`` links as a USB scanner's port is."""

from __future__ import annotations

import os
import time

import pytest

from apcv.links.base import LinkError
from apcv.links.pty_port import PtyPort
from apcv.links.registry import open_scanner
from harness.scanner_stream import ScannerStream

CODE = "APCV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EC"


@pytest.fixture
def port(tmp_path):
    port = PtyPort(tmp_path / "scanner")
    yield port
    port.close()


@pytest.fixture
def stream_on(port):
    """A stream over the port, read through the link ``scheme``; closed at the end."""
    opened = []

    def make(scheme: str = "serial", query: str = "suffix=cr") -> ScannerStream:
        link = open_scanner(f"{scheme}://{port.path}?{query}")
        stream = ScannerStream(link)
        opened.append((stream, link))
        return stream

    yield make
    for stream, link in opened:
        stream.close()
        link.close()


def test_lines_keep_their_terminator_and_arrival_time(port, stream_on):
    stream = stream_on()
    before = time.monotonic()
    port.send(CODE.encode() + b"\r" + CODE[:-1].encode() + b"\r\n" + b"SHORT\t")
    lines = stream.wait_lines(3, timeout=2)
    assert [(line.text, line.terminator) for line in lines] == [
        (CODE, b"\r"), (CODE[:-1], b"\r\n"), ("SHORT", b"\t")]
    assert all(before <= line.started <= line.ended <= time.monotonic() for line in lines)
    assert stream.link.terminator == b"\r"


def test_a_line_without_terminator_is_pending_and_marks_skip_earlier_lines(port, stream_on):
    stream = stream_on()
    port.send(b"FIRST\r")
    stream.wait_lines(1, timeout=2)
    mark = stream.mark()
    port.send(b"\nSECOND\rTHIRD")  # the LF ends FIRST's terminator (CRLF) before the mark
    assert [line.text for line in stream.wait_lines(1, timeout=2, since=mark)] == ["SECOND"]
    time.sleep(0.1)
    lines, pending = stream.lines(mark)
    assert [line.terminator for line in lines] == [b"\r"] and pending is not None and pending.text == "THIRD"
    assert stream.lines()[0][0].terminator == b"\r\n"


def test_waiting_ends_at_the_timeout_with_what_came(stream_on, port):
    stream = stream_on()
    port.send(b"ONLY\r")
    started = time.monotonic()
    assert [line.text for line in stream.wait_lines(2, timeout=0.3)] == ["ONLY"]
    assert 0.3 <= time.monotonic() - started < 1.5


def test_a_keyboard_layout_mixup_arrives_as_typed(stream_on, port):
    stream = stream_on()
    port.send("QPCV&Mçà5".encode() + b"\r")  # UTF-8 from the host's layout
    assert stream.wait_lines(1, timeout=2)[0].text == "QPCV&Mçà5"


def test_through_a_keyboard_wedge_enter_ends_the_line(port, stream_on):
    stream = stream_on("wedge", "timeout=2")
    port.send(CODE.encode() + b"\r")  # the terminal maps the typed CR to LF and hands over whole lines
    line = stream.wait_lines(1, timeout=2)[0]
    assert (line.text, line.terminator) == (CODE, b"\n") and stream.link.terminator == b"\n"


def test_a_link_that_breaks_is_reported(tmp_path):
    master, terminal = os.openpty()
    link = open_scanner(f"wedge://{os.ttyname(terminal)}?timeout=1")
    stream = ScannerStream(link)
    try:
        os.close(master)  # the terminal hangs up
        with pytest.raises(LinkError, match="hung up"):
            stream.wait_lines(1, timeout=2)
    finally:
        stream.close()
        link.close()
        os.close(terminal)


def test_the_port_is_a_link_to_its_terminal_and_goes_away_on_close(tmp_path):
    port = PtyPort(tmp_path / "ttyQR")
    assert os.readlink(port.path) == port.terminal_name and port.terminal_name.startswith("/dev/pts/")
    port.close()
    assert not port.path.exists() and not port.path.is_symlink()


def test_a_port_path_in_use_is_refused_and_a_stale_one_replaced(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a port")
    with pytest.raises(LinkError, match="already exists"):
        PtyPort(taken)
    stale = tmp_path / "stale"
    stale.symlink_to("/dev/pts/999999")
    port = PtyPort(stale)
    assert os.readlink(stale) == port.terminal_name
    port.close()


def test_bytes_nobody_reads_are_dropped_without_blocking(port):
    sent = sum(port.send(b"A" * 255 + b"\r") for _ in range(200))
    assert 0 < sent < 200 * 256  # the terminal's buffer filled up; the scanner went on

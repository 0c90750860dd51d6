"""The ``serial:`` scanner link over a real pseudo-terminal pair: the test plays the scanner
on the master end, the link opens the slave end with pyserial as it would /dev/ttyACM0."""

from __future__ import annotations

import errno
import os
import threading
import time

import pytest
import serial

from apcv.links.base import LinkError
from apcv.links.registry import open_scanner
from apcv.links.scanner_base import ScanError, ScanTimeout
from apcv.links.serial_scanner import _open_error

PAYLOAD = "APCV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EC"


@pytest.fixture
def scanner_at(pty_pair):
    """Open a serial scanner on the pty slave with the given query; closed at the end."""
    opened = []

    def make(query: str = "timeout=2"):
        link = open_scanner(f"serial://{pty_pair[1]}?{query}")
        opened.append(link)
        return link

    yield make
    for link in opened:
        link.close()


def test_reads_a_payload_ended_by_cr(pty_pair, scanner_at):
    link = scanner_at()
    os.write(pty_pair[0], PAYLOAD.encode() + b"\r")
    assert link.read_payload() == PAYLOAD


def test_payload_arriving_in_pieces_and_two_in_one_write(pty_pair, scanner_at):
    link = scanner_at("baud=115200")
    second = PAYLOAD.replace("6B", "7C")

    def scanner():
        for piece in (PAYLOAD[:10], PAYLOAD[10:30], PAYLOAD[30:] + "\r" + second + "\r"):
            os.write(pty_pair[0], piece.encode())
            time.sleep(0.05)

    threading.Thread(target=scanner).start()
    assert link.read_payload(3) == PAYLOAD
    assert link.read_payload(3) == second


@pytest.mark.parametrize(("suffix", "sent"), [("lf", b"\n"), ("crlf", b"\r\n"), ("tab", b"\t"),
                                              ("cr", b"\r\n")])
def test_suffixes(pty_pair, scanner_at, suffix, sent):
    link = scanner_at(f"suffix={suffix}")
    os.write(pty_pair[0], PAYLOAD.encode() + sent + PAYLOAD.encode() + sent)
    assert [link.read_payload(), link.read_payload()] == [PAYLOAD, PAYLOAD]


def test_timeout_names_the_link(pty_pair, scanner_at):
    link = scanner_at("timeout=0.2")
    with pytest.raises(ScanTimeout, match=r"no QR payload within 0.2 s"):
        link.read_payload()
    os.write(pty_pair[0], PAYLOAD.encode())  # no terminator yet: still a timeout
    with pytest.raises(ScanTimeout):
        link.read_payload(0.2)
    os.write(pty_pair[0], b"\r")
    assert link.read_payload() == PAYLOAD


def test_non_utf8_bytes_are_refused_and_the_next_scan_reads(pty_pair, scanner_at):
    link = scanner_at()
    os.write(pty_pair[0], b"APCV1:\xff\xfe\x00\r" + PAYLOAD.encode() + b"\r")
    with pytest.raises(ScanError, match=r"not UTF-8 text \(byte 0xFF at offset 6"):
        link.read_payload()
    assert link.read_payload() == PAYLOAD


def test_control_characters_are_refused(pty_pair, scanner_at):
    link = scanner_at()
    os.write(pty_pair[0], b"APCV1:AB\x1b[0mCD\r")
    with pytest.raises(ScanError, match=r"control character \(0x1B at offset 8\)"):
        link.read_payload()


def test_over_long_line_is_dropped_whole(pty_pair, scanner_at):
    link = scanner_at("max_length=64&timeout=1")
    os.write(pty_pair[0], b"A" * 100)
    with pytest.raises(ScanError, match=r"more than 64 bytes without the CR terminator"):
        link.read_payload()
    os.write(pty_pair[0], b"B" * 30 + b"\rAPCV1:SHORT\r")  # the tail of the long line is dropped
    assert link.read_payload() == "APCV1:SHORT"
    os.write(pty_pair[0], b"APCV1:" + b"C" * 70 + b"\rAPCV1:NEXT\r")  # long line ended in one write
    with pytest.raises(ScanError, match="more than 64 bytes"):
        link.read_payload()
    assert link.read_payload() == "APCV1:NEXT"


def test_prefix_check(pty_pair, scanner_at):
    link = scanner_at()
    os.write(pty_pair[0], b"3017620422003\r")
    with pytest.raises(ScanError, match=r"'3017620422003' is not an apCV QR payload \(expected prefix"):
        link.read_payload()
    link.close()
    any_code = scanner_at("prefix=")
    os.write(pty_pair[0], b"3017620422003\r")
    assert any_code.read_payload() == "3017620422003"


def test_scanner_unplugged_mid_read(pty_pair, scanner_at):
    link = scanner_at()
    os.close(pty_pair[0])
    with pytest.raises(LinkError, match="went away"):
        link.read_payload(1)


def test_absent_port_names_the_port_and_the_fix():
    with pytest.raises(LinkError, match=r"serial port /dev/ttyACM97 cannot be opened: is the scanner "
                                        r"plugged in.*rigs probe"):
        open_scanner("serial:///dev/ttyACM97")


def test_port_held_by_another_program(pty_pair, scanner_at):
    scanner_at()
    with pytest.raises(LinkError, match="in use by another program"):
        open_scanner(f"serial://{pty_pair[1]}")


def test_permission_denied_names_dialout():
    error = _open_error("/dev/ttyACM0", serial.SerialException(errno.EACCES, "could not open port"))
    assert "dialout" in str(error) and "/dev/ttyACM0" in str(error)


@pytest.mark.parametrize(("query", "message"), [
    ("bauds=9600", "unknown parameter bauds"),
    ("baud=fast", "baud='fast' must be a whole number"),
    ("baud=0", "baud='0' must be a whole number"),
    ("suffix=semicolon", "suffix='semicolon' is not one of cr, lf, crlf, tab"),
    ("timeout=0", "timeout='0' must be seconds"),
    ("timeout=abc", "timeout='abc' must be seconds"),
    ("max_length=-3", "max_length='-3' must be a whole number"),
])
def test_bad_query(pty_pair, query, message):
    with pytest.raises(LinkError, match=message):
        open_scanner(f"serial://{pty_pair[1]}?{query}")


def test_no_port():
    with pytest.raises(LinkError, match="no port given"):
        open_scanner("serial:")


@pytest.mark.apcv_hardware
def test_real_scanner_on_ttyacm0():
    """On a bench with a USB scanner in CDC mode: scan any apCV QR within 30 s."""
    if not os.path.exists("/dev/ttyACM0"):
        pytest.skip("no serial scanner at /dev/ttyACM0")
    link = open_scanner("serial:///dev/ttyACM0?timeout=30")
    try:
        assert link.read_payload().startswith("APCV1:")
    finally:
        link.close()

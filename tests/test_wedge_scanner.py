"""The ``wedge:`` scanner link: a keyboard-wedge scanner typing into a terminal.

A pseudo-terminal stands for the terminal: the test types on the master end (as the
scanner's keystrokes arrive), the link reads lines from the slave end through the real
line discipline (canonical mode, Enter as CR turned into LF)."""

from __future__ import annotations

import os
import subprocess
import sys
import termios

import pytest

from apcv.links.base import LinkError
from apcv.links.keyboard_layout import typed_on_azerty, typed_on_qwerty
from apcv.links.registry import open_scanner
from apcv.links.scanner_base import ScanError, ScanTimeout

PAYLOAD = "APCV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EC-.%"


@pytest.fixture
def terminal(pty_pair):
    """(master fd, slave path) of a fresh pseudo-terminal in its default (canonical) mode."""
    return pty_pair


def type_keys(master: int, text: str, enter: bytes = b"\r") -> None:
    """What a wedge scanner does: keystrokes, then Enter."""
    os.write(master, text.encode() + enter)


def test_reads_a_typed_line(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=2")
    try:
        type_keys(terminal[0], PAYLOAD)
        type_keys(terminal[0], PAYLOAD[:-1], enter=b"\n")
        assert link.read_payload() == PAYLOAD
        assert link.read_payload() == PAYLOAD[:-1]
    finally:
        link.close()


def test_echo_is_off_while_open_and_restored(terminal):
    slave = os.open(terminal[1], os.O_RDWR | os.O_NOCTTY)
    try:
        assert termios.tcgetattr(slave)[3] & termios.ECHO
        link = open_scanner(f"wedge://{terminal[1]}")
        assert not termios.tcgetattr(slave)[3] & termios.ECHO
        link.close()
        assert termios.tcgetattr(slave)[3] & termios.ECHO
    finally:
        os.close(slave)


def test_us_scanner_on_azerty_host_is_named(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=2")
    try:
        mangled = typed_on_azerty(PAYLOAD)
        assert mangled.startswith("QPCV&M")
        type_keys(terminal[0], mangled)
        with pytest.raises(ScanError, match=r"QPCV&M.*not an apCV QR payload.*AZERTY \(French\)"):
            link.read_payload()
    finally:
        link.close()


def test_azerty_scanner_on_us_host_is_named(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=2")
    try:
        type_keys(terminal[0], typed_on_qwerty("APCV1:ABC"))
        with pytest.raises(ScanError, match="AZERTY-layout scanner typing into a US keyboard layout"):
            link.read_payload()
    finally:
        link.close()


def test_other_mangling_gets_the_general_layout_hint(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=2")
    try:
        type_keys(terminal[0], "APCV1;6BF")
        with pytest.raises(ScanError, match="keyboard layout is the likely cause"):
            link.read_payload()
    finally:
        link.close()


def test_line_cut_by_the_terminal_is_refused(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=2")
    try:
        type_keys(terminal[0], "APCV1:" + "A" * 5000)
        type_keys(terminal[0], PAYLOAD)
        with pytest.raises(ScanError, match="more than 4094 bytes without the LF terminator"):
            link.read_payload()
        assert link.read_payload() == PAYLOAD
    finally:
        link.close()


def test_timeout_and_hangup(terminal):
    link = open_scanner(f"wedge://{terminal[1]}?timeout=0.2")
    try:
        with pytest.raises(ScanTimeout, match=r"no QR payload within 0\.2 s"):
            link.read_payload()
        os.close(terminal[0])
        with pytest.raises(LinkError, match="hung up"):
            link.read_payload(1)
    finally:
        link.close()


def test_reads_stdin_of_the_harness_process():
    code = ("from apcv.links.registry import open_scanner\n"
            "link = open_scanner('wedge:stdin?timeout=5')\n"
            "print(link.read_payload())\n"
            "link.read_payload()\n")
    run = subprocess.run([sys.executable, "-c", code], input=f"\n{PAYLOAD}\n", capture_output=True,
                         text=True, timeout=60)
    assert run.stdout.strip() == PAYLOAD
    assert "end of input" in run.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("wedge:///dev/pts/99999", "terminal /dev/pts/99999 not found"),
    ("wedge:keyboard", "expected wedge:stdin or a terminal path"),
    ("wedge:stdin?suffix=cr", "unknown parameter suffix"),
    ("wedge:stdin?timeout=-1", "timeout='-1' must be seconds"),
])
def test_bad_urls(url, message):
    with pytest.raises(LinkError, match=message):
        open_scanner(url)


def test_layout_tables_round_trip():
    base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    assert typed_on_qwerty(typed_on_azerty(base45)) == base45
    assert typed_on_azerty("$%*+-./:") == "458+):!M"

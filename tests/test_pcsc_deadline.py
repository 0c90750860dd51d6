"""The watchdog that bounds blocking PC/SC calls, on a plain socket pair (no pcscd)."""

from __future__ import annotations

import socket
import time

from apcv.links.card_faults import parse_card_faults
from apcv.links.pcsc_deadline import CallDeadline


def test_a_call_past_its_deadline_is_cut_short() -> None:
    ours, theirs = socket.socketpair()
    ours.settimeout(3)  # a watchdog that never fires fails the test instead of hanging it
    watchdog = CallDeadline(ours.fileno(), period=0.01)
    try:
        watchdog.arm(0.1)
        start = time.monotonic()
        assert ours.recv(10) == b""  # blocked like SCardTransmit on a mute card, then cut
        assert 0.1 <= time.monotonic() - start < 2
        assert watchdog.disarm()
    finally:
        watchdog.stop()
        ours.close()
        theirs.close()


def test_a_call_within_its_deadline_is_left_alone() -> None:
    ours, theirs = socket.socketpair()
    watchdog = CallDeadline.for_timeout(ours.fileno(), 0.05)
    try:
        for _ in range(3):
            watchdog.arm(0.05)
            theirs.sendall(b"ok")
            assert ours.recv(10) == b"ok"
            assert not watchdog.disarm()
        time.sleep(0.1)  # disarmed: the deadline passing later cuts nothing
        theirs.sendall(b"still")
        assert ours.recv(10) == b"still"
    finally:
        watchdog.stop()
        ours.close()
        theirs.close()


def test_faults_fire_once_per_link() -> None:
    faults = parse_card_faults({"fault": "drop@2"}, "nfc://udp:127.0.0.1:1")
    fired: set[int] = set()
    assert faults.take(1, fired) is None
    assert faults.take(2, fired) == "drop"
    assert faults.take(2, fired) is None  # presented again: not faulted again

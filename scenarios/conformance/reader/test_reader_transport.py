"""The reader under test carrying APDUs between the reader kernel and a phone (APCV-RDR-01x).

The harness holds both ends: our phone on the card side (a probe notes what arrives and how
long the phone works on it) and the reference reader kernel on the reader side, so what the
reader does to frames, and how long it takes itself, is measured rather than guessed.
"""

from __future__ import annotations

import time

import pytest

from apcv.links.base import LinkError
from apcv.profile.r1.apdu import CommandApdu
from harness.dut.timing import exchanges, judge
from scenarios.conformance.reader.devices import ProbedDevice, SlowDevice

SELECT_APCV = "00A4040006F0415043560100"
SLOW_PHONE_S = 0.3
REMOVAL_REPORTED_WITHIN_S = 10.0


@pytest.fixture
def probe(bench) -> ProbedDevice:
    """Our phone on the reader under test, behind a probe."""
    device = ProbedDevice(bench.make_phone())
    bench.present_device("phone", device)
    return device


@pytest.mark.apcv_requirement("APCV-RDR-010")
@pytest.mark.parametrize("max_le", [256, 64, 17])
def test_short_apdus_with_61xx_chaining(bench, reader, probe, max_le):
    kernel = type(reader)(bench.reader_link, bench.trust, max_le=max_le)
    result = kernel.read()
    assert result.kind == "phone"
    commands = [e.data for e in bench.recorder.events if e.kind == "command"]
    assert commands == probe.received, "the reader changed or lost a command on the way"
    assert any(c[1] == 0xC0 for c in probe.received), "no GET RESPONSE reached the phone"


@pytest.mark.apcv_requirement("APCV-RDR-011")
def test_extended_length(bench, reader, probe):
    kernel = type(reader)(bench.reader_link, bench.trust, extended_length=True)
    assert kernel.read().kind == "phone"
    assert not any(c[1] == 0xC0 for c in probe.received), "an extended Le should need no GET RESPONSE"


def _frames() -> list[bytes]:
    """Commands from 4 bytes (no body, no Le) to an extended 300-byte body, unknown to the phone."""
    frames = [bytes.fromhex("805E0000"), bytes.fromhex("805E000000")]
    frames += [CommandApdu(0x80, 0x5E, 0, 0, bytes(range(n))).encode() for n in (1, 81, 195, 255)]
    frames.append(CommandApdu(0x80, 0x5E, 0, 0, bytes(i % 256 for i in range(300)), extended=True).encode())
    return frames


@pytest.mark.apcv_requirement("APCV-RDR-012")
def test_frames_of_every_size_arrive_unchanged(bench, probe):
    link = bench.reader_link
    link.connect()
    try:
        for frame in _frames():
            answer = link.transceive(frame)
            assert len(answer) >= 2, f"a {len(frame)}-byte frame got a {len(answer)}-byte answer"
    finally:
        link.disconnect()
    assert probe.received == _frames()


@pytest.mark.apcv_requirement("APCV-RDR-013")
def test_a_slow_phone_is_waited_for(bench, reader):
    bench.present_device("phone", SlowDevice(bench.make_phone(), SLOW_PHONE_S))
    result = reader.read()
    assert result.kind == "phone"
    assert result.timings_ms["total"] >= 3 * SLOW_PHONE_S * 1000


@pytest.mark.apcv_requirement("APCV-RDR-014")
def test_removal_mid_exchange_is_reported_and_the_next_tap_read(bench, reader, probe):
    link = bench.reader_link
    link.connect()
    assert link.transceive(bytes.fromhex(SELECT_APCV))[-2:] == b"\x90\x00"
    bench.withdraw("phone")
    started = time.monotonic()
    with pytest.raises(LinkError):
        link.transceive(bytes.fromhex("80500000") + b"\x51" + bytes(81) + b"\x00")
    assert time.monotonic() - started < REMOVAL_REPORTED_WITHIN_S
    link.disconnect()
    bench.present_device("phone", bench.make_phone())
    assert reader.read().kind == "phone"


@pytest.mark.apcv_requirement("APCV-RDR-015")
def test_reader_turnaround_per_apdu(bench, rig, reader, probe, measure):
    for _ in range(5):
        reader.read()
    round_trips = exchanges(bench.recorder.events)
    assert len(round_trips) == len(probe.busy)
    own = [((answered - sent) - (done - started)) * 1000
           for (sent, answered), (started, done) in zip(round_trips, probe.busy, strict=True)]
    value, budget = judge("APCV-RDR-015", own, rig, measure, statistic="p95")
    assert value <= budget, f"the reader's own turnaround p95 is {value:.2f} ms (budget {budget:g} ms)"

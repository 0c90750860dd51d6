"""The same injected faults on every card link: sim (in-process), vpcd (through pcscd) and nfc over UDP.

Each fault kind runs one full read through a Bench, whose trace must tell what happened:
latency, an RF drop at an APDU boundary, a reset, a corrupted byte, garbage and a mute
device. The reader either recovers (the device presented again is read) or fails with a
clear error.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Callable, Iterator

import pytest
import yaml

from apcv.errors import ApcvError, ProtocolError
from apcv.links import LinkError, NoCardPresent
from harness.bench import Bench
from harness.rig import RIGS_DIR, RigConfig, parse_rig
from simulators.reader.errors import CardError

RigFactory = Callable[[str], RigConfig]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["software", "pcsc-vpcd", "nfc-udp"])
def faulty_rig(request: pytest.FixtureRequest) -> Iterator[RigFactory]:
    """Makes the rig with a fault query on the phone's (card-side) link."""
    name = request.param
    if name == "pcsc-vpcd":
        request.getfixturevalue("pcscd")
    port = free_udp_port()

    def make(query: str, reader_query: str = "") -> RigConfig:
        data = yaml.safe_load((RIGS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        for role in data["roles"].values():
            if name == "nfc-udp" and role["link"].startswith("nfc:"):
                role["link"] = f"nfc://udp:127.0.0.1:{port}"
        data["roles"]["phone"]["link"] += query
        if name == "pcsc-vpcd":  # apdu_timeout is a pcsc: reader's parameter
            data["roles"]["reader"]["link"] += reader_query
        return parse_rig(data, f"{name} (fault test)")

    yield make


def notes(bench: Bench) -> list[str]:
    return [e.detail for e in bench.recorder.events if e.kind == "note"]


def test_latency_delays_every_answer_and_the_read_succeeds(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?latency=40")) as bench:
        bench.present("phone")
        assert bench.reader.read().kind == "phone"
        events = bench.recorder.events
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(events)
            if a.kind == "command" and b.kind == "response"]
    assert len(gaps) >= 3 and min(gaps) >= 0.04


def test_rf_drop_at_an_apdu_boundary_then_recovery(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?fault=drop@2")) as bench:
        bench.present("phone")
        with pytest.raises(NoCardPresent, match="left the field"):
            bench.reader.read()
        exchange = [e.kind for e in bench.recorder.events if e.kind in ("command", "response")]
        assert exchange == ["command", "response", "command"]  # APDU 1 answered, APDU 2 not
        assert any("fault: RF drop at APDU 2: the device left the field" in n for n in notes(bench))
        assert any(n.startswith("exchange failed: ") for n in notes(bench))
        bench.present("phone")  # tapped again: the fault fired once
        assert bench.reader.read().kind == "phone"


def test_reset_mid_session_fails_clearly_then_recovers(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?fault=reset@3")) as bench:
        bench.present("phone")
        with pytest.raises(CardError, match="GET PRESENTATION: the device answered 6985"):
            bench.reader.read()
        assert any("fault: the device reset before APDU 3" in n for n in notes(bench))
        assert bench.reader.read().kind == "phone"


def test_corrupted_byte_fails_clearly_and_is_traced(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?fault=corrupt@2")) as bench:
        bench.present("phone")
        with pytest.raises(ApcvError, match="ESTABLISH SESSION"):
            bench.reader.read()
        assert any("fault: byte 0 of the answer to APDU 2 inverted" in n for n in notes(bench))
        responses = [e.data for e in bench.recorder.events if e.kind == "response"]
        assert responses[0][-2:] == b"\x90\x00" and len(responses) >= 2  # the flipped answer is in the trace
        assert bench.reader.read().kind == "phone"


def test_garbage_answer_fails_clearly(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?fault=garbage@1")) as bench:
        bench.present("phone")
        with pytest.raises(ProtocolError, match="malformed response from the device"):
            bench.reader.read()
        assert [e.data for e in bench.recorder.events if e.kind == "response"] == [b"\x01"]


def test_mute_device_fails_within_the_timeout(faulty_rig: RigFactory) -> None:
    with Bench(faulty_rig("?fault=mute@1", "?apdu_timeout=1")) as bench:
        bench.present("phone")
        start = time.monotonic()
        with pytest.raises(LinkError, match=r"mute card|stopped answering"):
            bench.reader.read()
        assert time.monotonic() - start < 5
        assert any("fault: the device stays mute" in n for n in notes(bench))

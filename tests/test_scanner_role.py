"""The ``scanner`` role: rig validation, implied features, the ``sim:`` scanner, the bench."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from apcv.links.base import LinkError
from apcv.links.registry import UnknownLinkScheme, known_scanner_schemes, open_scanner
from apcv.links.scanner_base import ScanTimeout
from harness.bench import Bench, RoleUnavailable
from harness.rig import RigError, parse_rig


class Screen:
    """A screen showing whatever payload the test sets (None: no QR)."""

    def __init__(self, payload: str | None = None) -> None:
        self.payload = payload

    def qr_payload(self) -> str | None:
        return self.payload


def _rig(scanner: dict | None, **roles) -> dict:
    data = {"name": "unit", "roles": {"reader": {"link": "sim:unit"}, **roles}}
    if scanner is not None:
        data["roles"]["scanner"] = scanner
    return data


def test_scanner_role_and_implied_features():
    rig = parse_rig(_rig({"link": "serial:///dev/ttyACM0?suffix=cr", "timeout": 8}))
    assert rig.roles.scanner.timeout == 8
    assert rig.all_features() == {"qr-scanner"}
    assert parse_rig(_rig(None)).all_features() == set()
    assert parse_rig(_rig({"link": "sim:unit"})).roles.scanner.timeout is None


@pytest.mark.parametrize(("scanner", "message"), [
    ({"link": "vpcd://127.0.0.1:35963"}, "roles.scanner.link: unknown scanner link scheme 'vpcd'"),
    ({"link": "ttyACM0"}, "roles.scanner.link: link URL 'ttyACM0' has no scheme"),
    ({"link": "sim:x", "timeout": 0}, "roles.scanner.timeout: Input should be greater than 0"),
    ({"link": "sim:x", "baud": 9600}, "roles.scanner.baud: unknown key"),
    ({}, "roles.scanner.link: required key is missing"),
])
def test_bad_scanner_roles(scanner, message):
    with pytest.raises(RigError, match=message):
        parse_rig(_rig(scanner), "unit.yaml")


def test_unknown_scanner_scheme():
    assert {"serial", "wedge", "sim"} <= set(known_scanner_schemes())
    with pytest.raises(UnknownLinkScheme, match="no QR scanner link for scheme 'pcsc'"):
        open_scanner("pcsc://0")


def test_sim_scanner_reads_the_screen_held_in_front():
    url = f"sim:counter-{uuid.uuid4().hex}?timeout=0.2"
    link, other = open_scanner(url), open_scanner(url)
    with pytest.raises(ScanTimeout, match="no screen is held in front of it"):
        link.read_payload()
    screen = Screen()
    link.show(screen)
    with pytest.raises(ScanTimeout, match="the screen shows no QR code"):
        other.read_payload()
    screen.payload = "APCV1:ABC"
    assert other.read_payload() == "APCV1:ABC"
    link.close()
    with pytest.raises(ScanTimeout):
        other.read_payload()


def test_sim_scanner_waits_for_a_qr_to_appear():
    link = open_scanner(f"sim:counter-{uuid.uuid4().hex}")
    screen = Screen()
    link.show(screen)

    def unlock_later():
        time.sleep(0.1)
        screen.payload = "APCV1:LATER"

    threading.Thread(target=unlock_later).start()
    assert link.read_payload(3) == "APCV1:LATER"


def test_physical_scanners_take_no_screen():
    master, slave = os.openpty()
    try:
        link = open_scanner(f"serial://{os.ttyname(slave)}")
        assert not link.takes_screens
        with pytest.raises(LinkError, match="a physical scanner reads what a person holds"):
            link.show(Screen("APCV1:X"))
        link.close()
    finally:
        os.close(master)
        os.close(slave)


def test_bench_scanner_role_traces_reads():
    rig = parse_rig(_rig({"link": f"sim:counter-{uuid.uuid4().hex}", "timeout": 0.2}))
    with Bench(rig) as bench:
        scanner = bench.scanner
        assert bench.scanner is scanner
        with pytest.raises(ScanTimeout):
            scanner.read()
        scanner.show(Screen("APCV1:TRACED"))
        assert scanner.read() == "APCV1:TRACED"
        notes = [e.detail for e in bench.recorder.events]
    assert any("scan failed" in n for n in notes) and any("scanned APCV1:..." in n for n in notes)


def test_role_timeout_defaults_to_the_link_timeout():
    rig = parse_rig(_rig({"link": f"sim:counter-{uuid.uuid4().hex}?timeout=0.3"}))
    with Bench(rig) as bench:
        assert bench.scanner.timeout == 0.3


def test_bench_without_scanner():
    with Bench(parse_rig(_rig(None))) as bench, pytest.raises(RoleUnavailable, match="has no scanner"):
        _ = bench.scanner


@pytest.mark.parametrize(("scanner_yaml", "outcome", "reason"), [
    ("", "1 skipped", "rig 'fixture' has no scanner"),
    ("  scanner: {link: 'serial:///dev/ttyACM95'}\n", "1 skipped",
     "serial port /dev/ttyACM95 cannot be opened: is the scanner plugged in"),
    ("  scanner: {link: 'image:x?decoder=boofcv'}\n", "1 error", "unknown QR decoder 'boofcv'"),
])
def test_scanner_fixture_skips_or_fails_with_the_reason(tmp_path, scanner_yaml, outcome, reason):
    rig = tmp_path / "fixture.yaml"
    rig.write_text("name: fixture\nroles:\n  reader: {link: 'sim:x'}\n" + scanner_yaml)
    test = tmp_path / "test_needs_scanner.py"
    test.write_text("def test_scan(scanner):\n    scanner.read()\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
                          "--apcv-rig", str(rig), str(test)], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert reason in run.stdout and outcome in run.stdout, run.stdout + run.stderr
    assert "Traceback" not in run.stdout and "During handling" not in run.stdout

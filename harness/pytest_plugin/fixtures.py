"""Fixtures scenarios use: the rig, a bench of live roles, presented devices, raw APDUs.

Scenarios ask for roles, never for classes: the rig file decides what stands behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from apcv.profile.r1.apdu import ResponseApdu, parse_response
from harness.bench import Bench
from harness.links.base import LinkError, LinkUrl
from harness.pcsc import PcscDaemon, PcscdUnavailable, ensure_pcscd
from harness.pytest_plugin.keys import FAULTS_KEY, MEASUREMENTS_KEY, TRACE_KEY, rig_of
from harness.report.record import Measurement
from harness.rig import RigConfig
from harness.scanner import QrScanner
from harness.trace import TraceRecorder
from simulators.reader.kernel import ReaderKernel


@pytest.fixture(scope="session")
def rig(request: pytest.FixtureRequest) -> RigConfig:
    """The rig chosen with ``--rig`` or ``$APCV_RIG`` (the built-in ``software`` rig by default)."""
    return rig_of(request.config)


PCSC_SCHEMES = ("vpcd", "pcsc")


def uses_pcsc(config: RigConfig) -> bool:
    """True when a role of the rig goes through the OS's PC/SC stack (vpcd: or pcsc:)."""
    roles = (config.roles.phone, config.roles.card, config.roles.reader)
    return any(r is not None and LinkUrl.parse(r.link).scheme in PCSC_SCHEMES for r in roles)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    """A running pcscd with the vpcd driver; started for the session (and stopped) if needed."""
    try:
        daemon = ensure_pcscd()
    except PcscdUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    with daemon:
        yield daemon


@pytest.fixture(scope="session")
def pcsc_stack(rig: RigConfig, request: pytest.FixtureRequest) -> PcscDaemon | None:
    """pcscd when the rig uses vpcd: or pcsc: links, else None."""
    return request.getfixturevalue("pcscd") if uses_pcsc(rig) else None


@pytest.fixture
def bench(rig: RigConfig, pcsc_stack: PcscDaemon | None,
          request: pytest.FixtureRequest) -> Iterator[Bench]:
    """Live roles of the rig for one test; its trace is kept with the test's report."""
    recorder = TraceRecorder()
    request.node.stash[TRACE_KEY] = recorder
    with Bench(rig, recorder=recorder) as live:
        yield live
        request.node.stash[FAULTS_KEY] = live.faults_active()


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[..., Measurement]:
    """Record a measurement with its unit and limits, as OpenHTF's measurements:
    ``measure("apdu_turnaround_ms", 3.2, unit="ms", high=50)``. Every writer shows it; a value
    outside its limits fails the test once the test body ends (all its measurements kept)."""
    taken = request.node.stash.setdefault(MEASUREMENTS_KEY, [])

    def record(name: str, value: float, *, unit: str = "", low: float | None = None,
               high: float | None = None) -> Measurement:
        measurement = Measurement(name, value, unit, low, high)
        taken.append(measurement)
        return measurement

    return record


def _presented(bench: Bench, role: str):
    device = bench.phone if role == "phone" else bench.card
    if device is None:
        pytest.skip(f"rig '{bench.config.name}' has no simulated {role}")
    bench.present(role)
    return device


@pytest.fixture
def phone(bench: Bench):
    """The phone role, tapped on the reader (a simulated phone, or skipped)."""
    return _presented(bench, "phone")


@pytest.fixture
def card(bench: Bench):
    """The physical-card role, inserted in the reader (a simulated card, or skipped)."""
    return _presented(bench, "card")


@pytest.fixture
def reader(bench: Bench) -> ReaderKernel:
    """The reference reader kernel over the rig's reader link."""
    return bench.reader


IN_PROCESS_SCANNERS = ("sim", "image")


@pytest.fixture
def scanner(bench: Bench) -> QrScanner:
    """The QR scanner role. Skipped, with the reason, when the rig has none or its scanner device
    is absent (a port not there, no permission); an in-process scanner that cannot open fails."""
    role = bench.config.roles.scanner
    if role is None:
        pytest.skip(f"rig '{bench.config.name}' has no scanner")
    try:
        return bench.scanner
    except LinkError as exc:
        message = f"scanner of rig '{bench.config.name}': {exc}"
    if LinkUrl.parse(role.link).scheme in IN_PROCESS_SCANNERS:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class ApduSession:
    """Raw APDU access through the rig's reader link, for conformance scenarios."""

    def __init__(self, bench: Bench) -> None:
        self._link = bench.reader_link
        self.atr = self._link.connect()

    def send(self, apdu: bytes | str) -> ResponseApdu:
        """Send ``apdu`` (bytes or hex with optional spaces); return the parsed response."""
        raw = bytes.fromhex(apdu.replace(" ", "")) if isinstance(apdu, str) else apdu
        return parse_response(self._link.transceive(raw))

    def close(self) -> None:
        self._link.disconnect()


@pytest.fixture
def apdu(bench: Bench, phone) -> Iterator[ApduSession]:
    """A connected raw APDU session with the phone role on the reader."""
    session = ApduSession(bench)
    yield session
    session.close()


@pytest.fixture
def card_apdu(bench: Bench, card) -> Iterator[ApduSession]:
    """A connected raw APDU session with the card role on the reader."""
    session = ApduSession(bench)
    yield session
    session.close()


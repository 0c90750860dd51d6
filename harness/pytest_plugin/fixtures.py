"""Fixtures scenarios use: the rig, a bench of live roles, presented devices, raw APDUs.

Scenarios ask for roles, never for classes: the rig file decides what stands behind them.
The bench, links and simulators are imported when a fixture is first used, so a session
that uses none of them pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from apcv.links.base import LinkError, LinkUrl
from harness.pytest_plugin.keys import FAULTS_KEY, MEASUREMENTS_KEY, TRACE_KEY, rig_of
from harness.report.record import Measurement
from harness.rig import IN_PROCESS_SCANNER_SCHEMES, RigConfig

if TYPE_CHECKING:
    from apcv.profile.r1.apdu import ResponseApdu
    from harness.bench import Bench
    from harness.dut.control import DutControl
    from harness.pcsc import PcscDaemon
    from harness.scanner import QrScanner
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
    from harness.pcsc import PcscdUnavailable, ensure_pcscd

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


@pytest.fixture(scope="session")
def dut_process(rig: RigConfig, pcsc_stack: PcscDaemon | None) -> Iterator[None]:
    """The process the rig launches for its DUT (``dut.launch``), for the whole session."""
    if rig.dut is None or not rig.dut.launch:
        yield
        return
    from harness.dut.launch import LaunchedDut, LaunchError

    try:
        launched = LaunchedDut(rig.dut.launch)
    except LaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield
    launched.stop()


@pytest.fixture
def bench(rig: RigConfig, pcsc_stack: PcscDaemon | None, dut_process: None,
          request: pytest.FixtureRequest) -> Iterator[Bench]:
    """Live roles of the rig for one test; its trace is kept with the test's report."""
    from apcv.trace import TraceRecorder
    from harness.bench import Bench

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


class DutActions:
    """Physical acts on a device under test (tap, remove, lock, unlock, show_qr): done on the
    simulator when the bench holds it, else through the rig's DUT control. An act that needs
    a person nobody is there for skips the test with the reason; one that fails fails it."""

    def __init__(self, control: DutControl) -> None:
        self._control = control

    def __call__(self, action: str, **placeholders: str) -> None:
        from harness.dut.control import ControlError, OperatorAbsent

        try:
            self._control.perform(action, **placeholders)
        except OperatorAbsent as exc:
            pytest.skip(str(exc))
        except ControlError as exc:
            pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def dut_act(bench: Bench, request: pytest.FixtureRequest) -> DutActions:
    """Carries out physical acts on the phone role: ``dut_act("lock")``."""
    from harness.dut.actions import in_process_control, rig_control

    capture = request.config.pluginmanager.getplugin("capturemanager")
    control = in_process_control(bench) or rig_control(
        bench.config, request.config.getoption("--operator"), capture.global_and_fixture_disabled)
    return DutActions(control)


@pytest.fixture
def phone(bench: Bench):
    """The simulated phone, tapped on the reader (skipped when the phone is a real device)."""
    return _presented(bench, "phone")


@pytest.fixture
def tapped_phone(bench: Bench, dut_act: DutActions) -> None:
    """The phone role on the reader: a simulated phone is tapped by the bench, any other is
    tapped through the DUT control (a person, a command, or the simulator's channel)."""
    if bench.config.roles.phone is None:
        pytest.skip(f"rig '{bench.config.name}' has no phone role")
    dut_act("tap")


@pytest.fixture
def card(bench: Bench):
    """The physical-card role, inserted in the reader (a simulated card, or skipped)."""
    return _presented(bench, "card")


@pytest.fixture
def reader(bench: Bench) -> ReaderKernel:
    """The reference reader kernel over the rig's reader link."""
    return bench.reader


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
    if LinkUrl.parse(role.link).scheme in IN_PROCESS_SCANNER_SCHEMES:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class ApduSession:
    """Raw APDU access through the rig's reader link, for conformance scenarios."""

    def __init__(self, bench: Bench) -> None:
        self._link = bench.reader_link
        self.atr = self._link.connect()

    def send(self, apdu: bytes | str) -> ResponseApdu:
        """Send ``apdu`` (bytes or hex with optional spaces); return the parsed response."""
        from apcv.profile.r1.apdu import parse_response

        raw = bytes.fromhex(apdu.replace(" ", "")) if isinstance(apdu, str) else apdu
        return parse_response(self._link.transceive(raw))

    def close(self) -> None:
        self._link.disconnect()


@pytest.fixture
def apdu(bench: Bench, tapped_phone: None) -> Iterator[ApduSession]:
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


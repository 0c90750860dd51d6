"""Fixtures scenarios use: the rig, a bench of live roles, presented devices, raw APDUs.

Scenarios ask for roles, never for classes: the rig file decides what stands behind them.
The bench, links and simulators are imported when a fixture is first used, so a session
that uses none of them pays nothing for them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import pytest

from apcv.links.base import LinkError, LinkUrl
from harness.pytest_plugin.keys import DUT_IDENTITY_KEY, FAULTS_KEY, MEASUREMENTS_KEY, TRACE_KEY, rig_of
from harness.report.record import Measurement
from harness.rig import IN_PROCESS_SCANNER_SCHEMES, RigConfig

if TYPE_CHECKING:
    from apcv.profile.r1.apdu import ResponseApdu
    from harness.bench import Bench
    from harness.dut.control import DutControl
    from harness.dut.launch import LaunchedDut
    from harness.pcsc import PcscDaemon
    from harness.scanner import QrScanner
    from simulators.reader.kernel import ReaderKernel


@pytest.fixture(scope="session")
def rig(request: pytest.FixtureRequest) -> RigConfig:
    """The rig chosen with ``--rig`` or ``$APCV_RIG`` (the built-in ``software`` rig by default)."""
    return rig_of(request.config)


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
    return request.getfixturevalue("pcscd") if rig.uses_pcsc() else None


@pytest.fixture(scope="session")
def dut_process(rig: RigConfig, pcsc_stack: PcscDaemon | None,
                tmp_path_factory: pytest.TempPathFactory,
                request: pytest.FixtureRequest) -> Iterator[LaunchedDut | None]:
    """The process the rig launches for its DUT (``dut.launch``), for the whole session, with its own
    HOME and TMPDIR (:mod:`harness.dut.sandbox`; the rig's command may name files in /tmp, so it keeps
    the machine's /tmp). One that does not become ready stops the run (every requirement not judged,
    with the reason)."""
    if rig.dut is None or not rig.dut.launch:
        yield None
        return
    from harness.dut.launch import LaunchedDut, LaunchError
    from harness.dut.sandbox import Sandbox

    try:
        launched = LaunchedDut(rig.dut.launch, rig.dut.ready_timeout, ready_line=rig.dut.ready_line,
                               ready_port=rig.dut.ready_port,
                               env=Sandbox(tmp_path_factory.mktemp("dut-process")).env())
    except LaunchError as exc:
        request.session.shouldfail = str(exc)
        pytest.fail(str(exc), pytrace=False)
    yield launched
    launched.stop()


def stop_if_gone(launched: LaunchedDut | None, request: pytest.FixtureRequest) -> None:
    """A launched DUT that exited stops the run at once: this test and the rest are not judged."""
    problem = launched.exit_problem() if launched is not None else None
    if problem:
        request.session.shouldfail = problem
        pytest.skip(problem)


@pytest.fixture(scope="session", autouse=True)
def _apcv_dut_identity(request: pytest.FixtureRequest) -> None:
    """In a plan run (``--apcv-role``): launch the DUT, then probe it once, before the first test.
    Its identity goes into every report; a DUT that does not answer stops the run, every
    requirement not judged with the reason. Nothing happens in any other session."""
    role = request.config.getoption("--apcv-role")
    if not role:
        return
    from harness.bundle.identity import UNREACHABLE, dut_identity

    rig = rig_of(request.config)
    request.getfixturevalue("dut_process")
    identity = dut_identity(rig, role)
    request.config.stash[DUT_IDENTITY_KEY] = identity
    if UNREACHABLE in identity:
        request.session.shouldfail = identity[UNREACHABLE]
        pytest.fail(identity[UNREACHABLE], pytrace=False)


@pytest.fixture
def bench(rig: RigConfig, pcsc_stack: PcscDaemon | None, dut_process: LaunchedDut | None,
          request: pytest.FixtureRequest) -> Iterator[Bench]:
    """Live roles of the rig for one test (the world of the rig's DUT role when it is reached through
    the reader: :func:`harness.roles.bench_world`); its trace is kept with the test's report. A
    launched DUT that exited (before or during the test) stops the run."""
    from apcv.trace import TraceRecorder
    from harness.roles import bench_world

    stop_if_gone(dut_process, request)
    recorder = TraceRecorder()
    request.node.stash[TRACE_KEY] = recorder
    with bench_world(rig, recorder) as live:
        yield live
        request.node.stash[FAULTS_KEY] = live.faults_active()
    problem = dut_process.exit_problem() if dut_process is not None else None
    if problem:
        request.session.shouldfail = problem


@pytest.fixture
def blame(request: pytest.FixtureRequest) -> Callable[[str], contextlib.AbstractContextManager[None]]:
    """One id per check: ``with blame("APCV-NFC-054"): assert ...`` makes a failure inside the
    block that requirement's, instead of all of the test's requirements failing. A requirement
    whose blocks all passed before the failure is judged passed by the test; one whose check never
    ran is not judged by it. The id must be one of the test's ``apcv_requirement`` ids; keep each
    id's blocks together (tests/test_one_id_per_check.py checks it)."""
    from harness.pytest_plugin.keys import BLAME_KEY, CHECKED_KEY

    ids = {i for marker in request.node.iter_markers("apcv_requirement") for i in marker.args}
    checked = request.node.stash.setdefault(CHECKED_KEY, [])

    @contextlib.contextmanager
    def checking(requirement: str) -> Iterator[None]:
        if requirement not in ids:
            pytest.fail(f"blame({requirement!r}): not one of the test's requirement ids "
                        f"({', '.join(sorted(ids)) or 'none'})", pytrace=False)
        try:
            yield
        except BaseException:
            request.node.stash[BLAME_KEY] = requirement
            raise
        if requirement not in checked:
            checked.append(requirement)

    return checking


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[..., Measurement]:
    """Record a measurement with its unit and limits, as OpenHTF's measurements:
    ``measure("apdu_turnaround_ms", 3.2, unit="ms", high=50)``. Every writer shows it; a value
    outside its limits fails the test once the test body ends (all its measurements kept).
    ``samples=`` keeps the readings a median or maximum was drawn from, for ``apcv-hil compare``
    and the report's distributions."""
    taken = request.node.stash.setdefault(MEASUREMENTS_KEY, [])

    def record(name: str, value: float, *, unit: str = "", low: float | None = None,
               high: float | None = None, samples: Iterable[float] = ()) -> Measurement:
        measurement = Measurement(name, value, unit, low, high, [float(x) for x in samples])
        taken.append(measurement)
        return measurement

    return record


def _presented(bench: Bench, role: str):
    device = bench.phone if role == "phone" else bench.card
    if device is None:
        pytest.skip(f"rig '{bench.config.name}' has no simulated {role}")
    bench.present(role)
    return device


UNDO = {"lock": "unlock", "remove": "tap"}
"""The act that puts the device back in its known state after a state-changing act."""


class DutActions:
    """Physical acts on a device under test (tap, remove, lock, unlock, show_qr): done on the
    simulator when the bench holds it, else through the rig's DUT control. An act that needs
    a person nobody is there for skips the test with the reason; one that fails fails it.

    The state a test changed is restored after it, whatever happened (:meth:`restore`): a
    failed lock test leaves no locked phone to the tests after it."""

    def __init__(self, control: DutControl) -> None:
        self._control = control
        self._pending: dict[str, str] = {}

    def __call__(self, action: str, **placeholders: str) -> str | None:
        """Do ``action``; None when it was done, the app's message when the app refused it (an
        act the plan expects refused, ``reactivate`` with a malformed code)."""
        from harness.dut.control import ControlError, OperatorAbsent

        try:
            refused = self._control.perform(action, **placeholders)
        except OperatorAbsent as exc:
            pytest.skip(str(exc))
        except ControlError as exc:
            pytest.fail(str(exc), pytrace=False)
        if refused is not None:
            return refused
        for changed, undo in UNDO.items():
            if action == changed:
                self._pending[changed] = undo
            elif action == undo:
                self._pending.pop(changed, None)
        return None

    def reset(self, acts: Iterable[str]) -> str | None:
        """Do ``acts`` in order to put the device back in its known state; the reason it could
        not, else None."""
        from harness.dut.control import ControlError

        for act in acts:
            try:
                self._control.perform(act)
            except ControlError as exc:
                return f"'{act}' through its control failed: {exc}"
        self._pending.clear()
        return None

    def restore(self) -> str | None:
        """Undo the state changes still standing (unlock a locked app, put back a removed phone);
        the reason it could not, else None."""
        from harness.dut.control import ControlError

        pending, self._pending = list(self._pending.values()), {}
        for undo in pending:
            try:
                self._control.perform(undo)
            except ControlError as exc:
                return f"the device could not be put back in its state ({undo}): {exc}"
        return None


@pytest.fixture
def dut_act(bench: Bench, request: pytest.FixtureRequest) -> Iterator[DutActions]:
    """Carries out physical acts on the phone role: ``dut_act("lock")``. What the test changed is
    undone after it; a device that cannot be put back stops the run (the rest not judged)."""
    from harness.dut.actions import in_process_control, rig_control

    capture = request.config.pluginmanager.getplugin("capturemanager")
    control = in_process_control(bench) or rig_control(
        bench.config, request.config.getoption("apcv_operator"), capture.global_and_fixture_disabled)
    actions = DutActions(control)
    yield actions
    problem = actions.restore()
    if problem:
        request.session.shouldfail = problem


def back_in_known_state(bench: Bench, role_id: str, actions: DutActions,
                        request: pytest.FixtureRequest) -> None:
    """Before a test of the device under test (the rig's DUT of ``role_id``): the bench checks it is
    back in its known state (the role's ``state_problem``) and resets it through its control (the
    role's ``reset_acts``) when it is not. One still not back stops the run: this test and the
    rest are not judged, with the reason, instead of failing one after another on its state."""
    dut = bench.config.dut
    if dut is None or dut.role != role_id:
        return
    from harness.roles import get_role

    role = get_role(role_id)
    if role.state_problem(bench) is None:
        return
    problem = actions.reset(role.reset_acts) or role.state_problem(bench)
    if problem:
        reason = f"the device did not return to its known state: {problem}"
        request.session.shouldfail = reason
        pytest.skip(reason)


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


SILENCES_KEY = pytest.StashKey[int]()
"""Times in a row the device under test stopped answering (reset by an answer)."""


class ApduSession:
    """Raw APDU access through the rig's reader link, for conformance scenarios.

    A device that stops answering gets one recovery through its control (taken away and
    presented again) and the test is not judged; a second silence stops the run, the remaining
    requirements not judged, instead of every later test waiting out its timeout."""

    def __init__(self, bench: Bench, request: pytest.FixtureRequest, recover: Callable[[], None]) -> None:
        self._link = bench.raw_reader_link if _needs_tiny_apdus(request) else bench.reader_link
        self._request = request
        self._recover = recover
        self.atr = self._link.connect()

    def send(self, apdu: bytes | str) -> ResponseApdu:
        """Send ``apdu`` (bytes or hex with optional spaces); return the parsed response."""
        from apcv.links.base import NoCardPresent
        from apcv.profile.r1.apdu import parse_response

        raw = bytes.fromhex(apdu.replace(" ", "")) if isinstance(apdu, str) else apdu
        stash = self._request.config.stash
        try:
            answer = self._link.transceive(raw)
        except NoCardPresent:
            raise
        except LinkError as exc:
            stash[SILENCES_KEY] = silences = stash.get(SILENCES_KEY, 0) + 1
            if silences >= 2:
                self._request.session.shouldfail = f"the device under test stopped answering again: {exc}"
                pytest.skip(self._request.session.shouldfail)
            self._recover()
            pytest.skip(f"the device under test stopped answering ({exc}); it was taken away and presented "
                        "again")
        stash[SILENCES_KEY] = 0
        return parse_response(answer)

    def reconnect(self) -> None:
        """The reader powers the device down and up again (a reset: a phone's HCE is deactivated,
        as when it leaves the field) and connects again."""
        self._link.disconnect()
        self.atr = self._link.connect()

    def close(self) -> None:
        self._link.disconnect()


def _needs_tiny_apdus(request: pytest.FixtureRequest) -> bool:
    """True for a test marked ``apcv_rig_feature("tiny-apdus")``: its session goes through the
    link that carries commands of 0 and 1 byte (``roles.reader.raw_link``, when the rig has one)."""
    return any("tiny-apdus" in marker.args for marker in request.node.iter_markers("apcv_rig_feature"))


@pytest.fixture
def apdu(bench: Bench, tapped_phone: None, dut_act: DutActions,
         request: pytest.FixtureRequest) -> Iterator[ApduSession]:
    """A connected raw APDU session with the phone role on the reader."""

    def recover() -> None:
        dut_act("remove")
        dut_act("tap")

    back_in_known_state(bench, "phone", dut_act, request)
    session = ApduSession(bench, request, recover)
    yield session
    session.close()


@pytest.fixture
def card_apdu(bench: Bench, card, request: pytest.FixtureRequest) -> Iterator[ApduSession]:
    """A connected raw APDU session with the card role on the reader."""

    def recover() -> None:
        bench.withdraw("card")
        bench.present("card")

    session = ApduSession(bench, request, recover)
    yield session
    session.close()


"""Fixtures of a billing program under test: the world around it (for the session) and the program.

Imported when first used, so a session without a practice-software DUT pays nothing for them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.report.record import NOT_APPLICABLE
from harness.rig import RigConfig

if TYPE_CHECKING:
    from harness.pcsc import PcscDaemon
    from harness.practice.dut import BillingDut
    from harness.practice.world import PracticeWorld


@pytest.fixture(scope="session")
def practice_world(rig: RigConfig, pcsc_stack: PcscDaemon | None,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[PracticeWorld]:
    """The backend, phones, cards and scanner around the rig's billing program, for the session."""
    if rig.dut is None or rig.dut.role != "practice-software":
        pytest.skip(f"{NOT_APPLICABLE}rig '{rig.name}' has no billing program under test "
                    "(dut.role: practice-software)")
    from apcv.errors import ApcvError
    from harness.roles import get_role

    with contextlib.ExitStack() as stack:
        try:
            folder = tmp_path_factory.mktemp("practice-world")
            world = stack.enter_context(get_role(rig.dut.role).world(rig, folder))
        except ApcvError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield world


class JudgedBillingDut:
    """The billing program for a test: a run that breaks the contract (docs/practice-software.md)
    fails the test with the reason, one that needs a person nobody is there for, or a QR the bench
    cannot hand over, skips it with the reason."""

    def __init__(self, dut: BillingDut) -> None:
        self.dut = dut
        self.world = dut.world

    def qr_problem(self) -> str | None:
        """Why no QR can be handed to the program here, or None."""
        return self.dut.qr_problem()

    def bill(self, **order: object):
        """One identification and billing (see :meth:`harness.practice.dut.BillingDut.bill`)."""
        from apcv.errors import ApcvError
        from harness.dut.control import OperatorAbsent
        from harness.practice.dut import QrInputUnavailable

        try:
            return self.dut.bill(**order)  # type: ignore[arg-type]
        except (QrInputUnavailable, OperatorAbsent) as exc:
            pytest.skip(str(exc))
        except ApcvError as exc:
            pytest.fail(f"the billing program under test: {exc}", pytrace=False)


def _judged_dut(world: PracticeWorld, request: pytest.FixtureRequest, record) -> JudgedBillingDut:
    from harness.dut.actions import rig_control
    from harness.practice.dut import BillingDut

    capture = request.config.pluginmanager.getplugin("capturemanager")
    control = world.config.dut.control  # type: ignore[union-attr]
    prompt = None if control.kind == "command" else rig_control(
        world.config, request.config.getoption("apcv_operator"), capture.global_and_fixture_disabled)
    return JudgedBillingDut(BillingDut(world, prompt, record, world.sandbox.workdir))


@pytest.fixture
def billing_dut(practice_world: PracticeWorld, request: pytest.FixtureRequest,
                record_property) -> Iterator[JudgedBillingDut]:
    """The billing program under test: ``billing_dut.bill(...)`` runs one identification and billing,
    kept in the test's report; whatever is on the reader is taken away after the test."""
    yield _judged_dut(practice_world, request, record_property)
    practice_world.remove()


@pytest.fixture(scope="module")
def shared_billing_dut(practice_world: PracticeWorld,
                       request: pytest.FixtureRequest) -> Iterator[JudgedBillingDut]:
    """The billing program for visits several tests of a module judge (each attaches the run to its
    report with ``Billing.properties()``); whatever is on the reader is taken away after the module."""
    yield _judged_dut(practice_world, request, lambda name, value: None)
    practice_world.remove()

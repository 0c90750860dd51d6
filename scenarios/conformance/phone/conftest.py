"""Fixtures of the phone conformance scenarios."""

from collections.abc import Iterator

import pytest

from scenarios.conformance.phone.r1_reader import OpenSession, establish


@pytest.fixture
def session(apdu) -> OpenSession:
    """An established R1 session with the phone on the reader."""
    return establish(apdu)


@pytest.fixture
def locked_app(dut_act) -> Iterator[None]:
    """The apCV app locked for the test (through the DUT control), unlocked again after it."""
    dut_act("lock")
    yield
    dut_act("unlock")

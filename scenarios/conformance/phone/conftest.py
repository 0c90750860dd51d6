"""Fixtures of the phone conformance scenarios."""

import pytest

from scenarios.conformance.phone.r1_reader import OpenSession, establish


@pytest.fixture
def session(apdu) -> OpenSession:
    """An established R1 session with the phone on the reader."""
    return establish(apdu)

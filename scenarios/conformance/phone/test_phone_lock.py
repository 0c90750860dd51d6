"""The phone's own lock, judged on the device: wrong codes, the block after three, biometrics
(APCV-R1 §6, APCV-NFC-031). Each act goes through the DUT control (``enter_code``,
``biometric``, ``reactivate``), done by a person, a command or the simulator's channel; what
the app then does is read from what it answers the reader: 6982 while locked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scenarios.conformance.phone.r1_reader import SELECT_APCV, establish

SESSION = "80 50 00 00 51" + "04" + "00" * 80 + "00"
BIOMETRIC_TRIES = 3
MALFORMED_CODES = ("12345", "12a4")
"""New codes a re-activation must refuse: a secret code is exactly 4 digits."""
"""Attempts with the enrolled finger or face before a biometric unlock counts as refused
(biometrics fail now and then on a real phone too)."""


def wrong(code: str) -> str:
    """A 4-digit code that is not ``code``."""
    return "1234" if code != "1234" else "4321"


def refuses_sessions(apdu) -> bool:
    """True when the app answers ESTABLISH SESSION 6982 (locked), with nothing else."""
    assert apdu.send(SELECT_APCV).sw == 0x9000
    rsp = apdu.send(SESSION)
    assert rsp.sw in (0x6982, 0x9000, 0x6A80), f"ESTABLISH SESSION answered {rsp.sw:04X}"
    return rsp.sw == 0x6982 and rsp.data == b""


@pytest.fixture
def code(rig) -> str:
    """The app's secret code, as the rig gives it."""
    return rig.roles.phone.code


@pytest.fixture
def locked(dut_act) -> Iterator[None]:
    """The app locked for the test, unlocked again after it."""
    dut_act("lock")
    yield
    dut_act("unlock")


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_a_wrong_code_leaves_the_app_locked(apdu, dut_act, code, locked):
    dut_act("enter_code", code=wrong(code))
    assert refuses_sessions(apdu), "the app opened a session after a wrong code"
    dut_act("enter_code", code=code)
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_a_right_code_gives_the_tries_back(apdu, dut_act, code, locked):
    for _ in range(2):
        dut_act("enter_code", code=wrong(code))
        dut_act("enter_code", code=wrong(code))
        dut_act("enter_code", code=code)
        assert not refuses_sessions(apdu), "the right code after two wrong ones did not unlock the app"
        dut_act("lock")


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_three_wrong_codes_block_the_app(apdu, dut_act, code):
    dut_act("lock")
    try:
        for attempt in range(1, 3):
            dut_act("enter_code", code=wrong(code))
            assert refuses_sessions(apdu), f"the app opened a session after wrong code {attempt}"
        dut_act("enter_code", code=wrong(code))
        dut_act("enter_code", code=code)
        assert refuses_sessions(apdu), "the right code unlocked the app after three wrong ones"
        dut_act("biometric", result="match")
        assert refuses_sessions(apdu), "biometrics unlocked the app blocked by three wrong codes"
    finally:
        dut_act("reactivate", code=code)
    assert refuses_sessions(apdu), "the re-activated app opened a session before it was unlocked"
    dut_act("enter_code", code=code)
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_a_reactivation_refuses_a_code_that_is_not_4_digits(apdu, dut_act, code):
    """The blocked app is re-activated with a malformed new code: the app refuses it (the control
    may report so) and stays blocked; typing that code unlocks nothing."""
    dut_act("lock")
    try:
        for _ in range(3):
            dut_act("enter_code", code=wrong(code))
        for malformed in MALFORMED_CODES:
            dut_act("reactivate", code=malformed)
            dut_act("enter_code", code=malformed)
            assert refuses_sessions(apdu), f"the app took {malformed!r} as its new code at re-activation"
        dut_act("enter_code", code=code)
        assert refuses_sessions(apdu), "a refused re-activation unblocked the app"
    finally:
        dut_act("reactivate", code=code)
    dut_act("enter_code", code=code)
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_biometrics_unlock_only_with_the_enrolled_finger_or_face(apdu, dut_act, locked):
    dut_act("biometric", result="mismatch")
    assert refuses_sessions(apdu), "another finger or face unlocked the app"
    for _ in range(BIOMETRIC_TRIES):
        dut_act("biometric", result="match")
        if not refuses_sessions(apdu):
            break
    else:
        pytest.fail(f"the enrolled finger or face did not unlock the app in {BIOMETRIC_TRIES} tries")
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_a_mismatch_does_not_count_against_the_code(apdu, dut_act, code, locked):
    for _ in range(3):
        dut_act("biometric", result="mismatch")
    dut_act("enter_code", code=code)
    establish(apdu)


@pytest.mark.apcv_requirement("APCV-NFC-031")
def test_a_reactivated_app_is_locked(apdu, dut_act, code):
    dut_act("unlock")
    try:
        dut_act("reactivate", code=code)
        assert refuses_sessions(apdu), "the app re-activated while unlocked stayed unlocked"
    finally:
        dut_act("unlock")

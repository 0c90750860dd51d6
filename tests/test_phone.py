"""Unit tests of the app lock (simulators/phone/unlock.py) and the locked phone's applet."""

from __future__ import annotations

import random

import pytest

from apcv.clock import FrozenClock
from apcv.errors import ApcvError
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import AID_APCV
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.session import encode_point
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.phone.unlock import AppLock, UnlockError, UnlockPolicy

SELECT = CommandApdu(0, 0xA4, 4, 0, AID_APCV, le=256).encode()
ESTABLISH = CommandApdu(0x80, 0x50, 0, 0, encode_point(key_from_scalar(3).public_key()) + bytes(16),
                        le=256).encode()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def lock(clock: FrozenClock) -> AppLock:
    return AppLock("1234", clock=clock)


def test_starts_locked_and_unlocks_with_the_code(lock: AppLock) -> None:
    assert not lock.unlocked and lock.tries_left == 3 and lock.code == "1234"
    lock.unlock_with_code("1234")
    assert lock.unlocked


def test_three_wrong_codes_block(lock: AppLock) -> None:
    with pytest.raises(UnlockError, match="wrong secret code, 2 tries left"):
        lock.unlock_with_code("0000")
    assert lock.tries_left == 2
    with pytest.raises(UnlockError, match="wrong secret code, 1 try left"):
        lock.unlock_with_code("0000")
    with pytest.raises(UnlockError, match="the app is now blocked"):
        lock.unlock_with_code("0000")
    assert lock.blocked and lock.tries_left == 0
    with pytest.raises(UnlockError, match="blocked after 3 wrong codes: re-activate"):
        lock.unlock_with_code("1234")
    with pytest.raises(UnlockError, match="blocked after 3 wrong codes"):
        lock.unlock_with_biometrics()
    assert not lock.unlocked


def test_right_code_restores_the_tries(lock: AppLock) -> None:
    with pytest.raises(UnlockError):
        lock.unlock_with_code("9999")
    lock.unlock_with_code("1234")
    assert lock.tries_left == 3


def test_reactivate_after_block(lock: AppLock) -> None:
    for _ in range(3):
        with pytest.raises(UnlockError):
            lock.unlock_with_code("0000")
    lock.reactivate("4321")
    assert not lock.blocked and lock.tries_left == 3 and not lock.unlocked
    with pytest.raises(UnlockError):
        lock.unlock_with_code("1234")  # the old code is gone
    lock.unlock_with_code("4321")
    assert lock.unlocked


def test_unlock_session_expires_after_policy_session_s(clock: FrozenClock) -> None:
    lock = AppLock("1234", clock=clock, policy=UnlockPolicy(session_s=60))
    lock.unlock_with_code("1234")
    clock.advance(59.9)
    assert lock.unlocked
    clock.advance(0.1)
    assert not lock.unlocked


def test_default_session_is_900_s(lock: AppLock, clock: FrozenClock) -> None:
    lock.unlock_with_code("1234")
    clock.advance(899)
    assert lock.unlocked
    clock.advance(1)
    assert not lock.unlocked


def test_lock_ends_the_session(lock: AppLock) -> None:
    lock.unlock_with_code("1234")
    lock.lock()
    assert not lock.unlocked


def test_biometrics_never_fail_at_rate_0(clock: FrozenClock) -> None:
    lock = AppLock(clock=clock, policy=UnlockPolicy(biometric_failure_rate=0.0), rng=random.Random(1))
    for _ in range(50):
        lock.unlock_with_biometrics()
    assert lock.unlocked


def test_biometrics_always_fail_at_rate_1(clock: FrozenClock) -> None:
    lock = AppLock(clock=clock, policy=UnlockPolicy(biometric_failure_rate=1.0), rng=random.Random(1))
    for _ in range(5):
        with pytest.raises(UnlockError, match="biometric unlock failed: enter the secret code"):
            lock.unlock_with_biometrics()
    assert not lock.unlocked and lock.tries_left == 3  # biometric failures cost no code try


def test_biometric_failures_are_reproducible_with_a_seed(clock: FrozenClock) -> None:
    def outcomes(seed: int) -> list[bool]:
        lock = AppLock(clock=clock, policy=UnlockPolicy(biometric_failure_rate=0.5),
                       rng=random.Random(seed))
        result = []
        for _ in range(20):
            try:
                lock.unlock_with_biometrics()
                result.append(True)
            except UnlockError:
                result.append(False)
        return result

    assert outcomes(7) == outcomes(7)
    assert True in outcomes(7) and False in outcomes(7)


@pytest.mark.parametrize("code", ["123", "12345", "12a4", "", "١٢٣٤", "²³¹⁴"])
def test_bad_code_format_raises(code: str, clock: FrozenClock) -> None:
    with pytest.raises(ApcvError, match="exactly 4 digits"):
        AppLock(code, clock=clock)
    lock = AppLock("0000", clock=clock)
    with pytest.raises(ApcvError, match="exactly 4 digits"):
        lock.reactivate(code)


def test_locked_phone_answers_6982_to_establish_session(clock: FrozenClock) -> None:
    phone = synthetic_phone(1, synthetic_insurer(0), clock, locked=True)
    assert phone.process_apdu(SELECT)[-2:] == b"\x90\x00"  # SELECT works while locked
    assert phone.process_apdu(ESTABLISH) == b"\x69\x82"
    phone.unlock()
    response = phone.process_apdu(ESTABLISH)
    assert response[-2:] == b"\x90\x00" and len(response) == 81 + 2


def test_phone_locks_again_when_the_unlock_expires(clock: FrozenClock) -> None:
    phone = synthetic_phone(1, synthetic_insurer(0), clock)
    clock.advance(phone.lock.policy.session_s)
    phone.process_apdu(SELECT)
    assert phone.process_apdu(ESTABLISH) == b"\x69\x82"


def test_phone_unlock_with_a_wrong_code(clock: FrozenClock) -> None:
    phone = synthetic_phone(1, synthetic_insurer(0), clock, code="2468", locked=True)
    with pytest.raises(UnlockError, match="2 tries left"):
        phone.unlock("1357")
    phone.unlock()
    assert phone.lock.unlocked

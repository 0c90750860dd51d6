"""The phone's QR screen: rotation on the harness clock, lock, session lifetime, beneficiaries."""

from __future__ import annotations

import pytest

from apcv.clock import FrozenClock, to_datetime
from apcv.profile.r1 import qr
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone
from simulators.phone.qr_display import QrDisplay


@pytest.fixture
def insurer():
    return synthetic_insurer(0)


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def phone(insurer, clock):
    return synthetic_phone(2, insurer, clock)


def verified(phone, insurer, clock) -> qr.VerifiedQr:
    text = phone.qr_payload()
    assert text is not None and text.startswith("APCV1:")
    return qr.verify(text, insurer.trust_anchor, to_datetime(clock),
                     certificate_for=lambda kid: phone.wallet.device_certificate_der)


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-004")
def test_unlocked_phone_shows_a_signed_token(phone, insurer, clock):
    unlocked_at = int(clock.now())
    claims = verified(phone, insurer, clock).claims
    assert claims.card_reference == phone.wallet.card_reference
    assert claims.issued_at == unlocked_at and claims.expires_at == unlocked_at + 60
    assert claims.beneficiary is None


def test_new_token_every_30_seconds_with_a_fresh_id(phone, insurer, clock):
    start = int(clock.now())
    first = phone.qr_payload()
    clock.advance(29.9)
    assert phone.qr_payload() == first
    clock.advance(0.1)
    second = verified(phone, insurer, clock).claims
    assert second.issued_at == start + 30
    assert second.token_id != qr.decode(first).claims.token_id
    ids = set()
    for _ in range(20):
        clock.advance(30)
        ids.add(qr.decode(phone.qr_payload()).claims.token_id)
    assert len(ids) == 20 and phone.qr.tokens_issued == 22


def test_no_qr_when_locked_and_a_new_one_after_unlock(phone, clock):
    before = phone.qr_payload()
    phone.lock.lock()
    assert phone.qr_payload() is None
    phone.unlock()
    after = phone.qr_payload()
    assert after is not None and after != before


@pytest.mark.apcv_requirement("APCV-QR-004")
def test_no_qr_after_the_15_minute_session(phone, insurer, clock):
    start = int(clock.now())
    clock.advance(899)
    last = verified(phone, insurer, clock).claims
    assert last.issued_at == start + 870 and last.expires_at == start + 900
    clock.advance(1)
    assert phone.qr_payload() is None
    phone.unlock()
    assert verified(phone, insurer, clock).claims.issued_at == start + 900


def test_locked_phone_shows_nothing(insurer, clock):
    assert synthetic_phone(2, insurer, clock, locked=True).qr_payload() is None


@pytest.mark.apcv_requirement("APCV-QR-008")
def test_token_for_a_beneficiary(phone, insurer, clock):
    child = phone.wallet.insured.beneficiaries[0].identity
    holder_token = phone.qr_payload()
    phone.qr.select(child.nir)
    claims = verified(phone, insurer, clock).claims
    assert claims.selects(child.nir) and not claims.selects(phone.wallet.insured.identity.nir)
    assert phone.qr_payload() != holder_token
    phone.qr.select(None)
    assert verified(phone, insurer, clock).claims.beneficiary is None


def test_rotation_must_be_positive(phone):
    with pytest.raises(ValueError, match="rotation period must be positive"):
        QrDisplay(phone.wallet, phone.lock, phone.clock, rotation_s=0)


def test_rotation_on_the_simpy_clock(insurer):
    import simpy

    from apcv.clock import SimPyClock

    env = simpy.Environment()
    phone = synthetic_phone(2, insurer, SimPyClock(env))
    shown = []

    def patient():
        for _ in range(4):
            shown.append(phone.qr_payload())
            yield env.timeout(15)

    env.process(patient())
    env.run()
    assert shown[0] == shown[1] != shown[2] == shown[3]
    assert qr.decode(shown[2]).claims.issued_at - qr.decode(shown[0]).claims.issued_at == 30

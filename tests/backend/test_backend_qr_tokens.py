"""The backend's QR token verification in detail: expired and future tokens, and bad tokens,
each refused with a named 4xx (the backend plan, scenarios/conformance/backend, checks the
same requirements over HTTP against any backend)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_CLOCK_SKEW_S, QR_TOKEN_LIFETIME_S, QR_UNLOCK_LIFETIME_S
from simulators.backend.client import BackendRefused
from simulators.phone.offline import wallet_qr_token
from simulators.phone.wallet import Wallet


def _refused(call, *args) -> BackendRefused:
    with pytest.raises(BackendRefused) as exc:
        call(*args)
    return exc.value


@pytest.mark.apcv_requirement("APCV-QR-005")
def test_expired_and_future_tokens_are_refused(backend, adult, wallet_for, doctor, operator, clock):
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    text = wallet_qr_token(wallet, clock.now(), unlocked_at=clock.now())
    clock.advance(QR_TOKEN_LIFETIME_S + QR_CLOCK_SKEW_S + 1)
    expired = _refused(backend.verify_qr, doctor, text)
    assert (expired.status, expired.code) == (422, "invalid_presentation") and "expired" in expired.detail
    future = wallet_qr_token(wallet, clock.now() + QR_CLOCK_SKEW_S + 30)
    assert "not yet valid" in _refused(backend.verify_qr, doctor, future).detail
    with pytest.raises(qr.QrTokenError, match="re-authenticate"):
        wallet_qr_token(wallet, clock.now() + QR_UNLOCK_LIFETIME_S, unlocked_at=clock.now())


@pytest.mark.apcv_requirement("APCV-QR-003", "APCV-QR-007")
def test_bad_tokens_get_a_named_4xx(backend, adult, people, wallet_for, doctor, operator, insurer, clock):
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    cases = {
        "HC1:6BFOXN": (422, "does not start with 'APCV1:'"),
        "APCV1:abc": (422, "non-base45 character"),
        "APCV1:ABCD": (422, "not valid base45"),
        "APCV1:" + "0" * 30: (422, "not zlib data"),
        "APCV1:" + "0" * 4400: (422, "qr"),
        "": (422, "qr"),
    }
    for text, (status, fault) in cases.items():
        refused = _refused(backend.verify_qr, doctor, text)
        assert refused.status == status and fault in refused.detail, (text[:20], refused)
    stranger = ec.generate_private_key(ec.SECP256R1())
    carried = Wallet(adult, wallet.card_reference, stranger, None)
    unknown = _refused(backend.verify_qr, doctor, wallet_qr_token(carried, clock.now()))
    assert (unknown.status, unknown.code) == (403, "unknown_device")
    other_card = Wallet.activate(adult, insurer, "APCV-ELSEWHERE", stranger)
    outside = _refused(backend.verify_qr, doctor, wallet_qr_token(
        Wallet(adult, wallet.card_reference, stranger, other_card.device_certificate_der), clock.now(),
        with_certificate=True))
    assert (outside.status, outside.code) == (403, "unknown_device")
    same_card = insurer.issue_device_certificate(stranger.public_key(), wallet.card_reference)
    factory = Wallet(adult, wallet.card_reference, stranger, same_card.public_bytes(Encoding.DER))
    assert backend.verify_qr(doctor, wallet_qr_token(factory, clock.now(), with_certificate=True))
    ghost = Wallet(adult, "APCV-NOSUCHCARD", wallet.device_key, wallet.device_certificate_der)
    assert _refused(backend.verify_qr, doctor, wallet_qr_token(ghost, clock.now())).code == "unknown_card"
    own = {adult.identity.nir} | {b.identity.nir for b in adult.beneficiaries}
    other = next(p for p in people if p.beneficiaries and p.beneficiaries[0].identity.nir not in own)
    foreign = Wallet(other, wallet.card_reference, wallet.device_key, wallet.device_certificate_der)
    assert _refused(backend.verify_qr, doctor, wallet_qr_token(foreign, clock.now(), selected=1)
                    ).code == "unknown_beneficiary"
    unsigned = backend.send("POST", "/v1/verifications/qr", {"qr": wallet_qr_token(wallet, clock.now())})
    assert unsigned.status_code == 401 and "identity" not in unsigned.text


@pytest.mark.apcv_requirement("APCV-QR-006")
def test_a_token_is_used_once(backend, adult, wallet_for, doctor, operator, clock):
    backend.provision(operator, adult)
    text = wallet_qr_token(wallet_for(adult), clock.now(), unlocked_at=clock.now())
    assert backend.verify_qr(doctor, text)
    replay = _refused(backend.verify_qr, doctor, text)
    assert replay.status == 409

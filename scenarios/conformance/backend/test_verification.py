"""Verification of presentations (NFC) and QR tokens: identity and rights once, and every refusal."""

from __future__ import annotations

import dataclasses
import os
import re
import zlib

import base45
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1 import qr
from apcv.profile.r1.credentials import Insurer
from scenarios.conformance.backend.actors import (
    new_device_key,
    refusal,
    send_presentation,
    send_qr,
    service_now,
)
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet


@pytest.fixture
def family(people, activated) -> Wallet:
    """An activated holder with two beneficiaries."""
    return activated(people.adult(children=2))


@pytest.mark.apcv_requirement("APCV-BE-010")
def test_verification_returns_identity_and_rights_of_the_selected_person(backend, family, doctor):
    insured = family.insured
    now = service_now(backend)
    for selected, person in enumerate([insured.identity, *(b.identity for b in insured.beneficiaries)]):
        for answer in (backend.verify(doctor, wallet_presentation(family, now, selected=selected)),
                       backend.verify_qr(doctor, wallet_qr_token(family, now, selected=selected))):
            assert answer["identity"]["nir"] == person.nir
            assert answer["identity"]["birth_name"] == person.birth_name
            assert answer["identity"]["birth_date"] == person.birth_date.isoformat()
            rights = answer["rights"]
            assert (rights["nir"], rights["regime_code"], rights["fund_code"]) == (
                person.nir, insured.coverage.regime_code, insured.coverage.fund_code)
            assert rights["rights_open"] is True and answer["delegated"] is False


@pytest.mark.apcv_requirement("APCV-BE-011")
def test_an_nfc_presentation_is_used_once(backend, family, doctor, pharmacist):
    presentation = wallet_presentation(family, service_now(backend), selected=1)
    assert send_presentation(backend, doctor, presentation).status_code == 200
    assert refusal(send_presentation(backend, doctor, presentation)) == (409, "token_replayed")
    assert refusal(send_presentation(backend, pharmacist, presentation)) == (409, "token_replayed")


@pytest.mark.apcv_requirement("APCV-BE-011", "APCV-QR-006")
def test_a_qr_token_is_used_once(backend, family, doctor, pharmacist, blame):
    token = wallet_qr_token(family, service_now(backend))
    with blame("APCV-QR-006"):
        assert send_qr(backend, doctor, token).status_code == 200
        assert refusal(send_qr(backend, doctor, token)) == (409, "token_replayed")
    with blame("APCV-BE-011"):  # by any practitioner
        assert refusal(send_qr(backend, pharmacist, token)) == (409, "token_replayed")


@pytest.mark.apcv_requirement("APCV-BE-012")
def test_expired_and_future_nfc_presentations_are_refused(backend, family, doctor):
    now = service_now(backend)
    expired = wallet_presentation(family, now - 200)  # expired 80 s ago
    assert refusal(send_presentation(backend, doctor, expired))[0] == 422
    future = wallet_presentation(family, now + 600)  # issued 10 minutes ahead
    assert refusal(send_presentation(backend, doctor, future))[0] == 422
    assert send_presentation(backend, doctor, wallet_presentation(family, now)).status_code == 200


def _token(wallet: Wallet, issued_at: int, expires_at: int) -> str:
    claims = qr.QrClaims(os.urandom(16), issued_at, expires_at, wallet.card_reference)
    return qr.encode(claims, wallet.device_key)


@pytest.mark.apcv_requirement("APCV-QR-005")
def test_qr_tokens_outside_their_validity_are_refused(backend, family, doctor):
    now = int(service_now(backend))
    for issued, expires in ((now - 200, now - 140),   # expired 140 s ago
                            (now + 200, now + 260),   # issued 200 s in the future
                            (now, now + 901)):        # lifetime over 900 s
        answer = send_qr(backend, doctor, _token(family, issued, expires))
        assert refusal(answer)[0] == 422, (issued - now, expires - now, answer.text)
    assert send_qr(backend, doctor, _token(family, now, now + 60)).status_code == 200


def _reencode(cose_sign1: bytes, *, trailing: bytes = b"") -> str:
    return "APCV1:" + base45.b45encode(zlib.compress(cose_sign1 + trailing, 9)).decode("ascii")


def _cose(text: str) -> bytes:
    return zlib.decompress(base45.b45decode(text.removeprefix("APCV1:")))


@pytest.mark.apcv_requirement("APCV-QR-007")
def test_malformed_qr_texts_are_refused_naming_the_fault(backend, family, doctor):
    genuine = wallet_qr_token(family, service_now(backend))
    signed = _cose(genuine)
    forged = bytearray(signed)
    forged[-1] ^= 0x01  # last byte of the signature
    cases = {
        "prefix|APCV1": "HC1:" + genuine[6:],
        "base45": "APCV1:!!!!",
        "zlib|compress|inflate": "APCV1:" + base45.b45encode(b"not a zlib stream").decode(),
        "CBOR|COSE": "APCV1:" + base45.b45encode(zlib.compress(b"\xff\xfe\xfd")).decode(),
        "trailing|unexpected|after": _reencode(signed, trailing=b"\x00"),
        "signature": _reencode(bytes(forged)),
        "characters|long|large|length|size": "APCV1:" + "0" * 5000,
    }
    for fault, text in cases.items():
        answer = send_qr(backend, doctor, text)
        status, code = refusal(answer)
        assert status in (400, 413, 422) and code, (fault, answer.status_code, answer.text[:200])
        assert re.search(fault, answer.json().get("detail", ""), re.IGNORECASE), (fault, answer.text[:300])
    assert backend.http.get("/v1/health").status_code == 200
    assert send_qr(backend, doctor, genuine).status_code == 200  # none of them spent the genuine token


@pytest.mark.apcv_requirement("APCV-BE-013")
def test_tampered_presentations_are_refused_and_spend_nothing(backend, family, doctor):
    now = service_now(backend)
    token_id = os.urandom(16)
    genuine = wallet_presentation(family, now, token_id=token_id)
    flipped = bytearray(genuine)
    flipped[-1] ^= 0x01
    other_key = dataclasses.replace(family, device_key=new_device_key())  # card data naming another key
    rogue = Wallet.activate(family.insured, Insurer.create(), family.card_reference,
                            ec.generate_private_key(ec.SECP256R1()))
    for tampered in (bytes(flipped), wallet_presentation(other_key, now, token_id=token_id),
                     wallet_presentation(rogue, now, token_id=token_id)):
        answer = send_presentation(backend, doctor, tampered)
        assert refusal(answer)[0] == 422, answer.text
        assert "identity" not in answer.json()
    assert send_presentation(backend, doctor, genuine).status_code == 200


@pytest.mark.apcv_requirement("APCV-BE-014")
def test_a_device_the_insurer_never_certified_is_refused(backend, family, doctor):
    unknown = Wallet(family.insured, family.card_reference, new_device_key(), b"")
    answer = send_qr(backend, doctor, wallet_qr_token(unknown, service_now(backend)))
    assert refusal(answer)[0] == 403, answer.text

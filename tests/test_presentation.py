"""Unit tests of presentation verification (presentation.py, cose.py, credentials.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from apcv.errors import VerificationError
from apcv.profile.r1 import cose
from apcv.profile.r1.credentials import Insurer, TrustAnchor, key_from_scalar
from apcv.profile.r1.presentation import PresentationClaims, build_claims, verify_presentation
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_insured

INSURER = synthetic_insurer(0)
TRUST = INSURER.trust_anchor
INSURED = synthetic_insured(2)
DEVICE_KEY = key_from_scalar(0xD5)
CARD_REF = "APCV-0123456789AB"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TH = bytes(range(32))
CHALLENGE = bytes(range(100, 116))


def _cert_der(insurer: Insurer = INSURER, **kwargs: Any) -> bytes:
    cert = insurer.issue_device_certificate(DEVICE_KEY.public_key(), CARD_REF, **kwargs)
    return cert.public_bytes(Encoding.DER)


DEVICE_CERT = _cert_der()


def _claims(now: datetime = NOW, selected: int = 0) -> PresentationClaims:
    return build_claims(
        INSURED, CARD_REF, token_id=b"\x01" * 16, now=int(now.timestamp()), lifetime_s=120,
        selected=selected, transcript_hash=TH, challenge=CHALLENGE,
    )


def _sign(payload: bytes, cert_der: bytes | None = DEVICE_CERT) -> bytes:
    return cose.Signer(DEVICE_KEY, cert_der).sign(payload)


def _verify(message: bytes, at: datetime = NOW, trust: TrustAnchor = TRUST) -> PresentationClaims:
    claims, _ = verify_presentation(message, trust, at, transcript_hash=TH, challenge=CHALLENGE)
    return claims


def _rewrite(message: bytes, index: int, value: Any, tag: int = cose.COSE_SIGN1_TAG) -> bytes:
    """Replace one of the four COSE_Sign1 fields, keeping the rest (signature included)."""
    fields = list(cbor2.loads(message).value)
    fields[index] = value
    return cbor2.dumps(cbor2.CBORTag(tag, fields))


def test_valid_presentation_verifies() -> None:
    claims, key = verify_presentation(_sign(_claims().to_cbor()), TRUST, NOW,
                                      transcript_hash=TH, challenge=CHALLENGE)
    assert claims == _claims()
    assert key.public_numbers() == DEVICE_KEY.public_key().public_numbers()
    assert claims.selected_identity == INSURED.identity
    assert claims.expires_at - claims.issued_at == 120


def test_selected_beneficiary_identity() -> None:
    claims = _verify(_sign(_claims(selected=2).to_cbor()))
    assert claims.selected_identity == INSURED.beneficiaries[1].identity


def test_x5chain_as_a_list_is_accepted() -> None:
    message = _rewrite(_sign(_claims().to_cbor()), 1, {cose.X5CHAIN: [DEVICE_CERT]})
    assert _verify(message).card_reference == CARD_REF


def test_presentation_is_a_tagged_es256_cose_sign1() -> None:
    obj = cbor2.loads(_sign(_claims().to_cbor()))
    assert obj.tag == 18
    assert cbor2.loads(obj.value[0]) == {1: -7}
    assert obj.value[1] == {33: DEVICE_CERT}


def test_binding_is_optional_for_the_verifier() -> None:
    claims, _ = verify_presentation(_sign(_claims().to_cbor()), TRUST, NOW)
    assert claims.transcript_hash == TH


def _other_root() -> x509.Certificate:
    """A self-signed root of another insurer (another name, another key)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Other Insurer Root")])
    key = key_from_scalar(1234)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1)).sign(key, hashes.SHA256())
    )


def test_other_insurer_root_rejected() -> None:
    with pytest.raises(VerificationError, match="not by the trusted insurer root"):
        _verify(_sign(_claims().to_cbor()), trust=TrustAnchor(_other_root()))


def test_same_name_other_ca_fails_on_signature() -> None:
    """Another CA with the very same name (another key): only the signature tells them apart."""
    impostor = Insurer.create(key_from_scalar(4242))
    assert impostor.certificate.subject == INSURER.certificate.subject
    with pytest.raises(VerificationError, match="certificate signature does not verify"):
        _verify(_sign(_claims().to_cbor(), _cert_der(impostor)))


def test_tampered_payload_rejected() -> None:
    message = _sign(_claims().to_cbor())
    payload = bytearray(cbor2.loads(message).value[2])
    payload[-1] ^= 0x01
    with pytest.raises(VerificationError, match="signature does not verify"):
        _verify(_rewrite(message, 2, bytes(payload)))


def test_tampered_signature_rejected() -> None:
    message = _sign(_claims().to_cbor())
    signature = bytearray(cbor2.loads(message).value[3])
    signature[5] ^= 0x80
    with pytest.raises(VerificationError, match="signature does not verify"):
        _verify(_rewrite(message, 3, bytes(signature)))


def test_missing_x5chain_rejected() -> None:
    with pytest.raises(VerificationError, match="no device certificate"):
        _verify(_sign(_claims().to_cbor(), None))


def test_x5chain_not_der_rejected() -> None:
    with pytest.raises(VerificationError, match="not valid DER"):
        _verify(_sign(_claims().to_cbor(), b"this is no certificate"))


def test_expired_presentation_rejected() -> None:
    message = _sign(_claims().to_cbor())
    assert _verify(message, NOW + timedelta(seconds=120))
    with pytest.raises(VerificationError, match="expired 1 s ago"):
        _verify(message, NOW + timedelta(seconds=121))


def test_presentation_from_the_future_rejected() -> None:
    message = _sign(_claims(now=NOW + timedelta(seconds=300)).to_cbor())
    assert _verify(message)  # 5 minutes of skew are tolerated
    with pytest.raises(VerificationError, match="issued in the future"):
        _verify(_sign(_claims(now=NOW + timedelta(seconds=301)).to_cbor()))


def test_wrong_transcript_hash_rejected() -> None:
    with pytest.raises(VerificationError, match="bound to another session"):
        verify_presentation(_sign(_claims().to_cbor()), TRUST, NOW, transcript_hash=bytes(32))


def test_wrong_challenge_rejected() -> None:
    with pytest.raises(VerificationError, match="another reader challenge"):
        verify_presentation(_sign(_claims().to_cbor()), TRUST, NOW, challenge=bytes(16))


@pytest.mark.parametrize("key", ["tid", "iat", "exp", "card", "holder", "cov", "ben", "sel", "th", "ch"])
def test_claims_missing_a_key_rejected(key: str) -> None:
    raw = cbor2.loads(_claims().to_cbor())
    del raw[key]
    with pytest.raises(VerificationError, match="claims are malformed"):
        _verify(_sign(cbor2.dumps(raw)))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"v": 2}, "version 2 is not R1"),
        ({"sel": 9}, "selected beneficiary 9 does not exist"),
        ({"holder": "nobody"}, "claims are malformed"),
    ],
)
def test_bad_claims_rejected(change: dict[str, Any], fragment: str) -> None:
    raw = {**cbor2.loads(_claims().to_cbor()), **change}
    with pytest.raises(VerificationError, match=fragment):
        _verify(_sign(cbor2.dumps(raw)))


@pytest.mark.parametrize("payload", [b"\xff\xfe", cbor2.dumps([1, 2, 3])])
def test_claims_not_a_cbor_map_rejected(payload: bytes) -> None:
    with pytest.raises(VerificationError, match=r"claims are malformed|not R1"):
        _verify(_sign(payload))


@pytest.mark.parametrize("message", [b"", b"\x1c", b"\x82\x01", b"\x5a\xff\xff\xff\xff"])
def test_non_cbor_message_rejected(message: bytes) -> None:
    with pytest.raises(VerificationError, match="not CBOR"):
        _verify(message)


def test_wrong_cbor_tag_rejected() -> None:
    message = _sign(_claims().to_cbor())
    fields = cbor2.loads(message).value
    with pytest.raises(VerificationError, match="CBOR tag 17 is not COSE_Sign1"):
        _verify(_rewrite(message, 3, fields[3], tag=17))


@pytest.mark.parametrize("obj", [{}, [1, 2, 3], [b"", {}, "text", b""], "text"])
def test_not_a_cose_sign1_structure(obj: Any) -> None:
    with pytest.raises(VerificationError, match="not a COSE_Sign1 structure"):
        _verify(cbor2.dumps(obj))


def test_device_certificate_expired() -> None:
    cert = _cert_der(not_before=NOW - timedelta(days=10), days=5)
    with pytest.raises(VerificationError, match="device certificate not valid at 2026-03-01"):
        _verify(_sign(_claims().to_cbor(), cert))


def test_device_certificate_not_yet_valid() -> None:
    cert = _cert_der(not_before=NOW + timedelta(days=1))
    with pytest.raises(VerificationError, match="device certificate not valid at"):
        _verify(_sign(_claims().to_cbor(), cert))


def test_trust_anchor_pem_round_trip() -> None:
    anchor = TrustAnchor.from_pem(TRUST.to_pem())
    assert anchor.certificate == INSURER.certificate
    assert _verify(_sign(_claims().to_cbor()), trust=anchor)


def test_cose_verify_with_the_wrong_key() -> None:
    with pytest.raises(VerificationError, match="signature does not verify"):
        cose.verify(_sign(b"\xa0"), key_from_scalar(5).public_key())
    assert cose.verify(_sign(b"\xa0"), DEVICE_KEY.public_key()) == b"\xa0"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_fail_with_verification_error_only(message: bytes) -> None:
    with pytest.raises(VerificationError):
        _verify(message)


def test_trailing_bytes_after_cose_are_rejected():
    """Junk appended after a signed message is an error, not silently ignored."""
    from apcv.seeded_keys import synthetic_insurer as _insurer

    insurer = _insurer(0)
    signed = cose.Signer(insurer.key, None).sign(b"payload")
    assert cose.verify(signed, insurer.trust_anchor.public_key) == b"payload"
    with pytest.raises(VerificationError, match="unexpected byte"):
        cose.verify(signed + b"\x00", insurer.trust_anchor.public_key)

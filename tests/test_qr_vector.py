"""Replay docs/vectors/r1-qr.json: the code must give the recorded claims and verify the token."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509

from apcv.profile.r1 import cose, qr
from apcv.profile.r1.credentials import Insurer, TrustAnchor, key_from_scalar
from apcv.profile.r1.qr_vector import vector_claims

VECTOR = json.loads((Path(__file__).parents[1] / "docs/vectors/r1-qr.json").read_text())
AT = datetime.fromisoformat(VECTOR["time"])
TRUST = TrustAnchor(x509.load_der_x509_certificate(bytes.fromhex(VECTOR["insurer_root_certificate"])))
DEVICE_DER = bytes.fromhex(VECTOR["device_certificate"])


def _registry(kid: bytes) -> bytes | None:
    return DEVICE_DER if kid.hex() == VECTOR["kid"] else None


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-002")
def test_code_gives_the_recorded_claims_and_kid():
    assert vector_claims().to_cbor().hex() == VECTOR["claims_cbor"]
    device = key_from_scalar(int(VECTOR["device_scalar"], 16))
    assert qr.key_id(device.public_key()).hex() == VECTOR["kid"]
    root = Insurer.create(key_from_scalar(int(VECTOR["insurer_root_scalar"], 16)))
    assert root.certificate.public_key() == TRUST.public_key
    assert x509.load_der_x509_certificate(DEVICE_DER).public_key() == device.public_key()


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-003")
def test_recorded_token_verifies_from_the_registry_and_from_its_certificate():
    token = qr.decode(VECTOR["token"])
    assert token.cose_sign1.hex() == VECTOR["cose_sign1"]
    assert cose.peek(token.cose_sign1)[1].hex() == VECTOR["claims_cbor"]
    by_registry = qr.verify(VECTOR["token"], TRUST, AT, _registry)
    by_certificate = qr.verify(VECTOR["token_with_certificate"], TRUST, AT)
    assert by_registry.claims == by_certificate.claims == vector_claims()
    assert by_registry.claims.selects(VECTOR["beneficiary_nir"])
    assert by_registry.claims.expires_at == by_registry.claims.issued_at + 60

"""COSE_Sign1 (ES256) of apcv.profile.r1.cose, checked both ways against ``cwt``, an independent
implementation of RFC 9052: what we sign cwt verifies, and what cwt signs we verify."""

from __future__ import annotations

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey

from apcv.errors import VerificationError
from apcv.profile.r1 import cose
from apcv.profile.r1.credentials import key_from_scalar

KEY = key_from_scalar(0x1234567)
OTHER = key_from_scalar(0x7654321)
PAYLOAD = cbor2.dumps({"v": 1, "tid": b"\x01" * 16})


def _cwt_key(key: ec.EllipticCurvePrivateKey, private: bool, kid: bytes | None = None) -> COSEKey:
    numbers = key.private_numbers()
    params = {1: 2, 3: -7, -1: 1, -2: numbers.public_numbers.x.to_bytes(32, "big"),
              -3: numbers.public_numbers.y.to_bytes(32, "big")}
    if kid is not None:
        params[2] = kid  # cwt looks the message's kid up among the keys
    if private:
        params[-4] = numbers.private_value.to_bytes(32, "big")
    return COSEKey.new(params)


def test_cwt_verifies_what_we_sign_with_the_headers_we_set():
    signed = cose.Signer(KEY, b"certificate", kid=b"kid-1").sign(PAYLOAD)
    assert COSE.new().decode(signed, _cwt_key(KEY, private=False, kid=b"kid-1")) == PAYLOAD
    tag = cbor2.loads(signed)
    assert tag.tag == 18
    assert tag.value[0] == b"\xa1\x01\x26"
    assert tag.value[1] == {33: b"certificate", 4: b"kid-1"}
    assert cose.peek(signed) == ({33: b"certificate", 4: b"kid-1"}, PAYLOAD)


def test_we_verify_what_cwt_signs():
    signed = COSE.new(alg_auto_inclusion=True).encode_and_sign(PAYLOAD, _cwt_key(KEY, private=True))
    assert cose.verify(signed, KEY.public_key()) == PAYLOAD


def test_another_key_a_changed_payload_or_signature_does_not_verify():
    signed = cose.Signer(KEY, None).sign(PAYLOAD)
    with pytest.raises(VerificationError, match="signature does not verify"):
        cose.verify(signed, OTHER.public_key())
    protected, header, payload, signature = cbor2.loads(signed).value
    for changed in ([protected, header, payload + b"\x00", signature],
                    [protected, header, payload, bytes([signature[0] ^ 1]) + signature[1:]],
                    [protected, header, payload, b"\x00" * 64]):
        with pytest.raises(VerificationError, match="signature does not verify"):
            cose.verify(cbor2.dumps(cbor2.CBORTag(18, changed)), KEY.public_key())


def test_a_key_off_p256_is_refused():
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="P-256"):
        cose.Signer(p384, None)
    signed = cose.Signer(KEY, None).sign(PAYLOAD)
    with pytest.raises(VerificationError, match="P-256"):
        cose.verify(signed, p384.public_key())


@pytest.mark.parametrize("length", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_byte_strings_are_encoded_as_cbor2_does(length: int) -> None:
    data = bytes(range(256)) * (length // 256) + bytes(length % 256)
    assert cose.byte_string(data) == cbor2.dumps(data)


def test_a_signed_message_is_what_cbor2_encodes() -> None:
    signed = cose.Signer(KEY, b"certificate", kid=b"kid-1").sign(PAYLOAD)
    assert cbor2.dumps(cbor2.loads(signed)) == signed
    assert cbor2.loads(signed).value[:3] == [b"\xa1\x01\x26", {33: b"certificate", 4: b"kid-1"}, PAYLOAD]

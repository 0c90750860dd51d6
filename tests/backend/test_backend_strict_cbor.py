"""Every endpoint that reads a device's COSE answers hostile CBOR 422, never 500 (issue 24).

A bigfloat, a decimal fraction, a self-referencing shared value or a UUID on a text string in
an unprotected COSE header gave 500 before any signature check on every such endpoint; they
are now refused by the strict CBOR walk (docs/protocol.md §5.5) before decoding.
"""

from __future__ import annotations

import base64
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.identity_proof import issue_assertion
from apcv.profile.r1 import cose
from apcv.profile.r1.credentials import key_from_scalar
from simulators.backend.client import Signer, public_key_der

HOSTILE = {
    "bigfloat": bytes.fromhex("c5821a000f424001"),
    "decimal fraction": bytes.fromhex("c482387f01"),
    "self-referencing shared value": bytes.fromhex("d81c81d81d00"),
    "UUID on a text string": bytes.fromhex("d8256178"),
    "indefinite map": bytes.fromhex("bf616101ff"),
}


def _with_header_item(signed: bytes, item: bytes) -> bytes:
    """``signed`` (a tagged COSE_Sign1 with an empty unprotected header) with label 99 -> ``item``."""
    _, header, payload, signature = cbor2.loads(signed).value
    assert header == {}
    return (b"\xd2\x84" + cbor2.dumps(cose.ES256_PROTECTED) + b"\xa1\x18\x63" + item + cbor2.dumps(payload)
            + cbor2.dumps(signature))


@pytest.mark.apcv_requirement("APCV-NFC-032", "APCV-BE-073")
@pytest.mark.parametrize("item", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_cbor_in_a_cose_header_is_422_on_every_endpoint(backend, doctor, item, clock) -> None:
    key = key_from_scalar(0x51)
    signed = _with_header_item(cose.Signer(key, None).sign(cbor2.dumps({"v": 1})), item)
    qr_text = "APCV1:" + base45.b45encode(zlib.compress(signed)).decode()
    assertion = base64.b64encode(_with_header_item(
        base64.b64decode(issue_assertion(key, "184127511203416", b"\x00" * 16, int(clock.now()))),
        item)).decode()
    device = ec.generate_private_key(ec.SECP256R1())
    calls = {
        "nfc": ("/v1/verifications", {"presentation": base64.b64encode(signed).decode()}, doctor),
        "qr": ("/v1/verifications/qr", {"qr": qr_text}, doctor),
        "card": ("/v1/verifications/card", {"card": base64.b64encode(signed).decode()}, doctor),
    }
    for what, (path, body, signer) in calls.items():
        response = backend.send("POST", path, body, signer)
        assert response.status_code == 422, (what, response.status_code, response.text)
        assert "not profile CBOR" in response.json()["detail"], (what, response.text)
    enrolment = {"nir": "184127511203416", "proof": "france_identite", "identity_assertion": assertion,
                 "device_public_key": base64.b64encode(public_key_der(device.public_key())).decode()}
    response = backend.send("POST", "/v1/activations", enrolment, Signer.device(device),
                            {"Idempotency-Key": "strict-cbor-1"})
    assert response.status_code in (403, 422), response.text
    assert "not profile CBOR" in response.json()["detail"], response.text

"""Hypothesis on the QR payload decoder: each kind of bad text gets its own clear error.

Prefix, base45, a zlib stream that inflates past the cap (in bounded memory), CBOR of the
wrong shape (signed, so only the shape is wrong) and a bad signature.
"""

from __future__ import annotations

import os
import tracemalloc
import zlib
from datetime import UTC, datetime

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apcv.profile.r1 import cose, qr
from apcv.profile.r1.constants import QR_MAX_COSE, QR_MAX_TEXT, QR_PREFIX
from apcv.profile.r1.credentials import Insurer

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CARD = "APCV-0123456789AB"
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6) | st.integers(), inner,
                                                                max_size=6),
    max_leaves=20)


@pytest.fixture(scope="module")
def insurer() -> Insurer:
    return Insurer.create()


@pytest.fixture(scope="module")
def device(insurer):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, insurer.issue_device_certificate(key.public_key(), CARD).public_bytes(Encoding.DER)


def wrap(signed: bytes) -> str:
    return QR_PREFIX + base45.b45encode(zlib.compress(signed, 9)).decode()


def signed_by(key: ec.EllipticCurvePrivateKey, payload: bytes) -> bytes:
    return cose.Signer(key, None, kid=qr.key_id(key.public_key())).sign(payload)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200).filter(lambda t: not t.startswith(QR_PREFIX)))
def test_wrong_prefix(text):
    with pytest.raises(qr.QrTokenError, match=f"does not start with '{QR_PREFIX}'"):
        qr.decode(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=BASE45, max_size=300), st.text(min_size=1, max_size=3), st.data())
def test_characters_outside_base45_are_named_with_their_position(body, bad, data):
    assume(any(c not in BASE45 for c in bad))
    at = data.draw(st.integers(0, len(body)))
    text = QR_PREFIX + body[:at] + bad + body[at:]
    assume(len(text) <= QR_MAX_TEXT)
    first = next(i for i, c in enumerate(text) if i >= len(QR_PREFIX) and c not in BASE45)
    with pytest.raises(qr.QrTokenError, match=f"non-base45 character .* at position {first}$"):
        qr.decode(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=BASE45, min_size=1, max_size=300).filter(lambda t: len(t) % 3 == 1))
def test_base45_of_impossible_length(body):
    with pytest.raises(qr.QrTokenError, match="not valid base45"):
        qr.decode(QR_PREFIX + body)


@settings(max_examples=30, deadline=None)
@given(st.integers(QR_MAX_COSE + 1, 2_500_000), st.binary(min_size=1, max_size=4))
def test_a_zlib_bomb_stops_at_the_cap_in_bounded_memory(size, pattern):
    compressed = zlib.compress((pattern * (size // len(pattern) + 1))[:size], 9)
    text = QR_PREFIX + base45.b45encode(compressed).decode()
    assume(len(text) <= QR_MAX_TEXT)
    tracemalloc.start()
    try:
        with pytest.raises(qr.QrTokenError, match=f"inflates past {QR_MAX_COSE} bytes"):
            qr.decode(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 + 4 * len(text), peak  # never the inflated size


@settings(max_examples=200, deadline=None)
@given(CBOR_VALUES)
def test_signed_claims_of_the_wrong_shape(device, claims):
    with pytest.raises(qr.QrTokenError, match="QR token claims"):
        qr.decode(wrap(signed_by(device[0], cbor2.dumps(claims))))


@settings(max_examples=200, deadline=None)
@given(CBOR_VALUES)
def test_cbor_that_is_not_a_cose_sign1(value):
    assume(not (isinstance(value, list) and len(value) == 4))
    with pytest.raises(qr.QrTokenError, match=r"COSE_Sign1|not CBOR"):
        qr.decode(wrap(cbor2.dumps(value)))


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_a_bad_signature_is_named(insurer, device, signature):
    key, der = device
    claims = qr.issue_claims(CARD, NOW.timestamp(), token_id=os.urandom(qr.TOKEN_ID_LEN))
    message = cbor2.loads(signed_by(key, claims.to_cbor()))
    assume(signature != message.value[3])
    message.value[3] = signature
    with pytest.raises(qr.QrTokenError,
                       match=r"signature does not verify with the device key|signature is not 64 bytes"):
        qr.verify(wrap(cbor2.dumps(message)), insurer.trust_anchor, NOW,
                  {qr.key_id(key.public_key()): der}.get)

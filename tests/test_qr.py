"""The APCV-R1 QR token: encode, decode, verify, and every malformed input refused clearly."""

from __future__ import annotations

import base64
import os
import zlib
from datetime import UTC, datetime, timedelta

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

from apcv.errors import ApcvError
from apcv.profile.r1 import cose, qr
from apcv.profile.r1.constants import (
    QR_CLOCK_SKEW_S,
    QR_MAX_COSE,
    QR_MAX_TEXT,
    QR_TOKEN_LIFETIME_S,
    QR_UNLOCK_LIFETIME_S,
)
from apcv.profile.r1.credentials import Insurer
from simulators.backend.signing import device_id

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CARD = "APCV-0123456789AB"
CHILD = "212067511200136"


@pytest.fixture(scope="module")
def insurer() -> Insurer:
    return Insurer.create()


@pytest.fixture(scope="module")
def device(insurer):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = insurer.issue_device_certificate(key.public_key(), CARD)
    return key, cert.public_bytes(Encoding.DER)


def _claims(at: datetime = NOW, **kw) -> qr.QrClaims:
    return qr.issue_claims(CARD, at.timestamp(), token_id=os.urandom(16), **kw)


def _registry(device):
    key, der = device
    return lambda kid: der if kid == qr.key_id(key.public_key()) else None


def _wrap(cose_bytes: bytes, *, extra: bytes = b"") -> str:
    return "APCV1:" + base45.b45encode(zlib.compress(cose_bytes) + extra).decode()


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-003")
def test_round_trip_with_registered_device_is_small(insurer, device):
    key, _ = device
    claims = _claims(beneficiary_nir=CHILD)
    text = qr.encode(claims, key)
    assert text.startswith("APCV1:") and len(text) < 300  # QR version 10 at error correction M
    verified = qr.verify(text, insurer.trust_anchor, NOW, _registry(device))
    assert verified.claims == claims
    assert verified.claims.selects(CHILD) and not verified.claims.selects("184127511203416")
    assert qr.key_id(verified.device_key).hex() == device_id(key.public_key())  # APCV-SIG-1 device id


@pytest.mark.apcv_requirement("APCV-QR-003")
def test_certificate_carried_needs_no_registry_but_triples_the_size(insurer, device):
    key, der = device
    claims = _claims()
    carrying = qr.encode(claims, key, der)
    assert len(carrying) > 2 * len(qr.encode(claims, key))
    assert qr.verify(carrying, insurer.trust_anchor, NOW).claims.beneficiary is None


@pytest.mark.apcv_requirement("APCV-QR-003")
def test_chain_and_key_are_checked(insurer, device):
    key, der = device
    with pytest.raises(qr.QrTokenError, match="not a registered device"):
        qr.verify(qr.encode(_claims(), key), insurer.trust_anchor, NOW, lambda kid: None)
    rogue = Insurer.create()
    rogue_der = rogue.issue_device_certificate(key.public_key(), CARD).public_bytes(Encoding.DER)
    with pytest.raises(qr.QrTokenError, match=r"not by the trusted insurer|certificate signature does not"):
        qr.verify(qr.encode(_claims(), key, rogue_der), insurer.trust_anchor, NOW)
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(qr.QrTokenError, match="kid does not name the key"):
        qr.verify(qr.encode(_claims(), other), insurer.trust_anchor, NOW, lambda kid: der)
    with pytest.raises(qr.QrTokenError, match="not valid at"):
        qr.verify(qr.encode(_claims(), key), insurer.trust_anchor, NOW + timedelta(days=365 * 6),
                  _registry(device))


@pytest.mark.apcv_requirement("APCV-QR-007")
def test_bad_signature_is_named(insurer, device):
    key, _ = device
    signed = bytearray(qr.decode(qr.encode(_claims(), key)).cose_sign1)
    signed[-1] ^= 1
    with pytest.raises(qr.QrTokenError, match="signature does not verify"):
        qr.verify(_wrap(bytes(signed)), insurer.trust_anchor, NOW, _registry(device))


@pytest.mark.apcv_requirement("APCV-QR-004", "APCV-QR-005")
def test_lifetime_unlock_cap_and_clock_skew(insurer, device):
    key, _ = device
    claims = _claims()
    assert claims.expires_at - claims.issued_at == QR_TOKEN_LIFETIME_S
    text = qr.encode(claims, key)
    trust, registry = insurer.trust_anchor, _registry(device)
    late = NOW + timedelta(seconds=QR_TOKEN_LIFETIME_S + QR_CLOCK_SKEW_S)
    assert qr.verify(text, trust, late, registry)
    with pytest.raises(qr.QrTokenError, match="expired 61 s ago"):
        qr.verify(text, trust, late + timedelta(seconds=1), registry)
    assert qr.verify(text, trust, NOW - timedelta(seconds=QR_CLOCK_SKEW_S), registry)
    with pytest.raises(qr.QrTokenError, match="not yet valid"):
        qr.verify(text, trust, NOW - timedelta(seconds=QR_CLOCK_SKEW_S + 1), registry)
    unlocked = NOW.timestamp() - QR_UNLOCK_LIFETIME_S + 10
    assert _claims(unlocked_at=unlocked).expires_at == int(unlocked) + QR_UNLOCK_LIFETIME_S
    with pytest.raises(qr.QrTokenError, match="re-authenticate"):
        _claims(unlocked_at=NOW.timestamp() - QR_UNLOCK_LIFETIME_S)
    greedy = qr.QrClaims(os.urandom(16), int(NOW.timestamp()), int(NOW.timestamp()) + 901, CARD)
    with pytest.raises(qr.QrTokenError, match="lifetime exceeds 900 s"):
        qr.verify(qr.encode(greedy, key), trust, NOW, registry)
    backwards = qr.QrClaims(os.urandom(16), int(NOW.timestamp()), int(NOW.timestamp()) - 1, CARD)
    with pytest.raises(qr.QrTokenError, match="expires before it is issued"):
        qr.verify(qr.encode(backwards, key), trust, NOW, registry)


def _signed(payload: bytes, key, kid: bytes | None = None) -> bytes:
    return cose.Signer(key, None, kid=kid or qr.key_id(key.public_key())).sign(payload)


@pytest.mark.apcv_requirement("APCV-QR-007")
@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("HC1:NCFOXN", "does not start with 'APCV1:'"),
        ("apcv1:NCF", "does not start with 'APCV1:'"),
        ("APCV1:abc", "non-base45 character 'a' at position 6"),
        ("APCV1:NCF\n", "non-base45 character"),
        ("APCV1:A", "not valid base45"),
        ("APCV1:::::", "not valid base45"),
        ("APCV1:" + base45.b45encode(b"not zlib").decode(), "not zlib data"),
        ("APCV1:" + base45.b45encode(zlib.compress(b"x" * 500)[:-6]).decode(), "truncated"),
        ("APCV1:" + base45.b45encode(zlib.compress(b"\x00" * (QR_MAX_COSE + 1))).decode(), "inflates past"),
        ("APCV1:" + "0" * QR_MAX_TEXT, "exceeds 4296"),
        ("APCV1:", "nothing after"),
        ("APCV1:" + base45.b45encode(zlib.compress(b"\x1c")).decode(), "not profile CBOR"),
        ("APCV1:" + base45.b45encode(zlib.compress(cbor2.dumps([1, 2]))).decode(), "not a COSE_Sign1"),
    ],
)
def test_malformed_text_is_named(text, fault):
    with pytest.raises(qr.QrTokenError, match=fault.replace("(", r"\(")):
        qr.decode(text)


@pytest.mark.apcv_requirement("APCV-QR-002", "APCV-QR-007")
def test_malformed_cose_and_claims_are_named(device):
    key, _ = device
    good = _claims().to_cbor()
    signed = qr.decode(qr.encode(_claims(), key)).cose_sign1
    with pytest.raises(qr.QrTokenError, match="1 trailing byte"):
        qr.decode(_wrap(signed, extra=b"\x00"))
    with pytest.raises(qr.QrTokenError, match="1 unexpected byte"):
        qr.decode(_wrap(signed + b"\x00"))
    with pytest.raises(qr.QrTokenError, match="kid"):
        qr.decode(_wrap(cose.Signer(key, None).sign(good)))
    raw = cbor2.loads(good)
    cases = [
        (cbor2.dumps([1]), "not a map"),
        (good + b"\x00", "1 unexpected byte"),
        (cbor2.dumps({k: v for k, v in raw.items() if k != "tid"}), "lack tid"),
        (cbor2.dumps({**raw, "nir": "184127511203416"}), "unknown key"),
        (cbor2.dumps({**raw, "v": 2}), "version 2 is not R1"),
        (cbor2.dumps({**raw, "tid": b"short"}), "'tid' is not a 16-byte string"),
        (cbor2.dumps({**raw, "iat": "now"}), "'iat' is not POSIX seconds"),
        (cbor2.dumps({**raw, "exp": -5}), "'exp' is not POSIX seconds"),
        (cbor2.dumps({**raw, "card": ""}), "card reference"),
        (cbor2.dumps({**raw, "ben": b"x"}), "'ben' is not a 8-byte string"),
    ]
    for payload, fault in cases:
        with pytest.raises(qr.QrTokenError, match=fault):
            qr.decode(_wrap(_signed(payload, key)))


@pytest.mark.apcv_requirement("APCV-QR-008")
def test_token_holds_no_nir(device):
    key, _ = device
    claims = _claims(beneficiary_nir=CHILD)
    payload = cose.peek(qr.decode(qr.encode(claims, key)).cose_sign1)[1]
    assert CHILD.encode() not in payload
    assert set(cbor2.loads(payload)) == {"v", "tid", "iat", "exp", "card", "ben"}


def test_errors_are_apcv_errors():
    assert issubclass(qr.QrTokenError, ApcvError)
    with pytest.raises(qr.QrTokenError, match="not text"):
        qr.decode(b"APCV1:")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample_token(device) -> str:
    return qr.encode(_claims(), device[0])


@pytest.mark.apcv_requirement("APCV-QR-007")
@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=300).map("APCV1:".__add__),
    st.binary(max_size=400).map(lambda b: "APCV1:" + base45.b45encode(b).decode()),
    st.binary(max_size=400).map(lambda b: "APCV1:" + base45.b45encode(zlib.compress(b)).decode()),
))
def test_any_text_raises_only_the_clear_error(text):
    try:
        qr.decode(text)
    except qr.QrTokenError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_flipped_bytes_of_a_real_token_raise_only_the_clear_error(sample_token, insurer, device, data):
    raw = bytearray(zlib.decompress(base45.b45decode(sample_token[6:])))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(qr.QrTokenError):
        qr.verify(_wrap(bytes(raw)), insurer.trust_anchor, NOW, _registry(device))


def test_base64_is_not_accepted():
    with pytest.raises(qr.QrTokenError, match="non-base45 character"):
        qr.decode("APCV1:" + base64.b64encode(b"hello").decode().lower())

"""Fuzzing the verifiers: bit flips and arbitrary CBOR give only the project's own errors.

The arbitrary CBOR draws every tag cbor2 decodes, in signed parts and unprotected headers, and
non-canonical encodings of the profile's own types, which must be refused even when signed
(``tests/cbor_fuzz.py``).

``verify_presentation`` (NFC) and ``qr.verify`` (QR) read what a phone sends, so anything may
come in. Every single-bit flip of a real presentation, random multi-bit flips and character
changes, and arbitrary CBOR put in every place of the structure (claims, card data, the
insurer-signed security object and items, QR claims), signed where a signature would
otherwise stop it early, must end in a :class:`apcv.errors.ApcvError` (or verify), never in
another exception. Bounded: a fixed number of examples, a few seconds each.
"""

from __future__ import annotations

import contextlib
import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any

import base45
import cbor2
import pytest
from cbor_fuzz import TOO_LONG_TO_PRINT, cbor_values, non_canonical, plain_values
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apcv.errors import ApcvError, VerificationError
from apcv.profile.r1 import cose, qr, strict_cbor
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.presentation import presentation_payload, verify_presentation
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_insured

INSURER = synthetic_insurer(0)
TRUST = INSURER.trust_anchor
INSURED = synthetic_insured(2)
DEVICE_KEY = key_from_scalar(0xD5)
CARD_REF = "APCV-FUZZ-0001"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CARD = INSURER.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key())
PAYLOAD = presentation_payload(CARD, CARD_REF, token_id=b"\x07" * 16, now=int(NOW.timestamp()),
                               lifetime_s=120,
                               selected=1, transcript_hash=bytes(32), challenge=bytes(16))
PRESENTATION = cose.Signer(DEVICE_KEY, None).sign(PAYLOAD)
CERT_DER = INSURER.issue_device_certificate(DEVICE_KEY.public_key(), CARD_REF).public_bytes(Encoding.DER)
QR_TEXT = qr.encode(qr.issue_claims(CARD_REF, NOW.timestamp(), token_id=b"\x08" * 16), DEVICE_KEY)
QR_WITH_CERT = qr.encode(qr.issue_claims(CARD_REF, NOW.timestamp(), token_id=b"\x09" * 16), DEVICE_KEY,
                         CERT_DER)
FUZZ = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _nfc(message: bytes) -> None:
    with contextlib.suppress(ApcvError):
        verify_presentation(message, TRUST, NOW)


def _qr(text: str) -> None:
    with contextlib.suppress(ApcvError):
        qr.verify(text, TRUST, NOW, lambda _kid: CERT_DER)


def _flip(data: bytes, bits: list[int]) -> bytes:
    out = bytearray(data)
    for bit in bits:
        out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


def test_the_fuzzed_inputs_verify_unchanged() -> None:
    verify_presentation(PRESENTATION, TRUST, NOW)
    qr.verify(QR_TEXT, TRUST, NOW, lambda _kid: CERT_DER)
    qr.verify(QR_WITH_CERT, TRUST, NOW)


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-NFC-029")
def test_every_single_bit_flip_of_a_presentation() -> None:
    for bit in range(len(PRESENTATION) * 8):
        _nfc(_flip(PRESENTATION, [bit]))


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=2**20), min_size=2, max_size=8))
def test_multi_bit_flips_of_a_presentation(bits: list[int]) -> None:
    _nfc(_flip(PRESENTATION, bits))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_a_presentation(message: bytes) -> None:
    _nfc(message)


@FUZZ
@given(cbor_values)
def test_arbitrary_cbor_as_a_presentation(value: Any) -> None:
    _nfc(cbor2.dumps(value))


@FUZZ
@given(cbor_values)
def test_arbitrary_cbor_as_signed_claims(value: Any) -> None:
    _nfc(cose.Signer(DEVICE_KEY, None).sign(cbor2.dumps(value)))


@FUZZ
@given(st.sampled_from(sorted(cbor2.loads(PAYLOAD))), cbor_values)
def test_each_claim_replaced_by_arbitrary_cbor(key: str, value: Any) -> None:
    claims = cbor2.loads(PAYLOAD)
    claims[key] = value
    _nfc(cose.Signer(DEVICE_KEY, None).sign(cbor2.dumps(claims)))


def _with_card(security_object_payload: dict, items: list[bytes]) -> bytes:
    """A presentation whose card data is signed by the real insurer over a fuzzed payload."""
    signed = cose.Signer(INSURER.key, None).sign(cbor2.dumps(security_object_payload))
    card = IssuerSigned(signed, tuple(items))
    claims = cbor2.loads(PAYLOAD)
    claims["iss"] = card.to_cbor_value()
    return cose.Signer(DEVICE_KEY, None).sign(cbor2.dumps(claims))


SO_PAYLOAD = cbor2.loads(cose.peek(CARD.security_object)[1])


@FUZZ
@given(st.sampled_from(sorted(SO_PAYLOAD)), cbor_values)
def test_each_security_object_field_replaced_by_arbitrary_cbor(key: str, value: Any) -> None:
    _nfc(_with_card({**SO_PAYLOAD, key: value}, list(CARD.items)))


@FUZZ
@given(st.integers(min_value=0, max_value=len(CARD.items) - 1),
       st.sampled_from(["id", "salt", "name", "value"]), cbor_values)
def test_each_signed_item_field_replaced_by_arbitrary_cbor(index: int, key: str, value: Any) -> None:
    """Items the insurer really signed, with a fuzzed field: the item parser must hold."""
    items = list(CARD.items)
    item = cbor2.loads(items[index])
    item[key] = value
    items[index] = cbor2.dumps(item)
    digests = [hashlib.sha256(i).digest() for i in items]
    _nfc(_with_card({**SO_PAYLOAD, "dig": digests}, items))


@FUZZ
@given(st.sampled_from(["nir", "birth_name", "first_names", "birth_date", "sex", "birthplace"]), cbor_values)
def test_each_identity_trait_replaced_by_arbitrary_cbor(trait: str, value: Any) -> None:
    items = list(CARD.items)
    holder = cbor2.loads(items[0])
    holder["value"][trait] = value
    items[0] = cbor2.dumps(holder)
    _nfc(_with_card({**SO_PAYLOAD, "dig": [hashlib.sha256(i).digest() for i in items]}, items))


def _signed_claims(claims: dict) -> bytes:
    return cose.Signer(DEVICE_KEY, None).sign(cbor2.dumps(claims))


def _signed_qr(claims: dict) -> str:
    return _requote(cose.Signer(DEVICE_KEY, None, kid=qr.key_id(DEVICE_KEY.public_key())).sign(
        cbor2.dumps(claims)))


_CLAIMS = cbor2.loads(PAYLOAD)
_QR_CLAIMS = cbor2.loads(qr.decode(QR_TEXT).claims.to_cbor())


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-QR-007")
@pytest.mark.parametrize("verify, message", [
    (_nfc, lambda: _signed_claims({**_CLAIMS, "v": TOO_LONG_TO_PRINT})),
    (_nfc, lambda: _signed_claims({**_CLAIMS, TOO_LONG_TO_PRINT: 0})),
    (_nfc, lambda: _signed_claims({**_CLAIMS, "iss": {**_CLAIMS["iss"], (1, TOO_LONG_TO_PRINT): 0}})),
    (_qr, lambda: _signed_qr({**_QR_CLAIMS, "v": -TOO_LONG_TO_PRINT})),
    (_qr, lambda: _signed_qr({**_QR_CLAIMS, TOO_LONG_TO_PRINT: 0})),
], ids=["nfc-version", "nfc-claim-key", "nfc-card-data-key", "qr-version", "qr-claim-key"])
def test_an_integer_too_long_to_print_is_a_verification_error(verify, message) -> None:
    """Python refuses to ``repr`` an integer of over 4,300 digits: the error message naming it
    used to raise ``ValueError`` (a 500 from the backend, a crash of the reference reader)."""
    verify(message())


@pytest.mark.apcv_requirement("APCV-QR-007")
def test_a_qr_version_must_be_the_integer_one() -> None:
    for version, fault in ((1.0, "floating-point number"), (True, "version")):
        with pytest.raises(qr.QrTokenError, match=fault):
            qr.verify(_signed_qr({**_QR_CLAIMS, "v": version}), TRUST, NOW, lambda _kid: CERT_DER)


@pytest.mark.apcv_requirement("APCV-QR-007")
def test_every_single_bit_flip_of_a_qr_tokens_cose() -> None:
    signed = qr.decode(QR_TEXT).cose_sign1
    for bit in range(len(signed) * 8):
        _qr(_requote(_flip(signed, [bit])))


def _requote(cose_bytes: bytes) -> str:
    """The QR text of a COSE_Sign1 (base45 of zlib), whatever the COSE holds."""
    return "APCV1:" + base45.b45encode(zlib.compress(cose_bytes)).decode()


@FUZZ
@given(st.integers(min_value=6, max_value=len(QR_WITH_CERT) - 1),
       st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a\u00e9\x00"))
def test_character_changes_of_a_qr_text(position: int, char: str) -> None:
    _qr(QR_WITH_CERT[:position] + char + QR_WITH_CERT[position + 1:])


@FUZZ
@given(cbor_values)
def test_arbitrary_cbor_as_signed_qr_claims(value: Any) -> None:
    signed = cose.Signer(DEVICE_KEY, None, kid=qr.key_id(DEVICE_KEY.public_key())).sign(cbor2.dumps(value))
    _qr(_requote(signed))


@FUZZ
@given(st.sampled_from(["v", "tid", "iat", "exp", "card", "ben"]), cbor_values)
def test_each_qr_claim_replaced_by_arbitrary_cbor(key: str, value: Any) -> None:
    claims = cbor2.loads(qr.decode(QR_TEXT).claims.to_cbor())
    claims[key] = value
    signed = cose.Signer(DEVICE_KEY, None, kid=qr.key_id(DEVICE_KEY.public_key())).sign(cbor2.dumps(claims))
    _qr(_requote(signed))


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes_as_the_qr_certificate(der: bytes) -> None:
    with contextlib.suppress(ApcvError):
        qr.verify(QR_TEXT, TRUST, NOW, lambda _kid: der)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_as_a_qr_token(text: str) -> None:
    _qr(text)
    _qr("APCV1:" + text)


@FUZZ
@given(cbor_values)
def test_arbitrary_cbor_in_an_unprotected_header(value: Any) -> None:
    """Any value (every tag included) under a header label: refused or verified, never a crash."""
    _, _, payload, signature = cbor2.loads(PRESENTATION).value
    _nfc(cbor2.dumps(cbor2.CBORTag(18, [cose.ES256_PROTECTED, {99: value}, payload, signature])))
    signed = qr.decode(QR_TEXT).cose_sign1
    protected, header, payload, signature = cbor2.loads(signed).value
    _qr(_requote(cbor2.dumps(cbor2.CBORTag(18, [protected, {**header, 99: value}, payload, signature]))))


@FUZZ
@given(plain_values.flatmap(non_canonical))
def test_non_canonical_cbor_is_refused_by_the_strict_reader(encoded: bytes) -> None:
    with pytest.raises(strict_cbor.StrictCborError):
        strict_cbor.loads(encoded)


@FUZZ
@given(st.sampled_from(sorted(cbor2.loads(PAYLOAD))).flatmap(
    lambda key: st.tuples(st.just(key), non_canonical(cbor2.loads(PAYLOAD)[key]))))
def test_a_signed_claim_encoded_non_canonically_is_refused(case: tuple[str, bytes]) -> None:
    """The genuine claims, signed, with one claim's value re-encoded against §4.2.1: refused."""
    key, encoded = case
    claims = cbor2.loads(PAYLOAD)
    head = cbor2.dumps(claims)[0:1] if len(claims) < 24 else b""
    body = b"".join(cbor2.dumps(k) + (encoded if k == key else cbor2.dumps(v)) for k, v in claims.items())
    with pytest.raises(VerificationError, match="not profile CBOR"):
        verify_presentation(cose.Signer(DEVICE_KEY, None).sign(head + body), TRUST, NOW)

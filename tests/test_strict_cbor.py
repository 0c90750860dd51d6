"""The profile's CBOR subset: deterministic encoding, the COSE_Sign1 tag only, refused before decoding.

Each hostile encoding below used to reach ``cbor2``: the tags as Python objects (a bigfloat, a
self-referencing shared list, a UUID on a text string: a 500 from the backend when placed in an
unprotected COSE header), the non-canonical forms as accepted claims. Each is now refused with
the offset of its fault, by the verifiers of both transports and by the reference reader.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import base45
import cbor2
import pytest

from apcv.errors import VerificationError
from apcv.profile.r1 import cose, qr, strict_cbor
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.presentation import presentation_payload, verify_presentation
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_insured

INSURER = synthetic_insurer(0)
DEVICE_KEY = key_from_scalar(0xD7)
CARD_REF = "APCV-STRICT-0001"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CARD = INSURER.issue_card_data(synthetic_insured(3), CARD_REF, DEVICE_KEY.public_key())
PAYLOAD = presentation_payload(CARD, CARD_REF, token_id=b"\x05" * 16, now=int(NOW.timestamp()),
                               lifetime_s=120, selected=0, transcript_hash=bytes(32), challenge=bytes(16))

HOSTILE_TAGS = {
    "bigfloat": bytes.fromhex("c5821a000f424001"),  # 5([1000000, 1])
    "decimal fraction": bytes.fromhex("c482387f01"),  # 4([-128, 1])
    "self-referencing shared value": bytes.fromhex("d81c81d81d00"),  # 28([29(0)])
    "UUID on a text string": bytes.fromhex("d8256178"),  # 37("x")
    "bignum": bytes.fromhex("c24101"),  # 2(h'01')
    "date": bytes.fromhex("c11a5f5e1000"),  # 1(1600000000)
    "regular expression": bytes.fromhex("d8236128"),  # 35("(")
    "self-described CBOR": bytes.fromhex("d9d9f700"),  # 55799(0)
    "string reference": bytes.fromhex("d81900"),  # 25(0)
}
NON_CANONICAL = {
    "integer in a longer head": bytes.fromhex("1801"),
    "length in a longer head": bytes.fromhex("59000161"),
    "indefinite byte string": bytes.fromhex("5f4161ff"),
    "indefinite array": bytes.fromhex("9f01ff"),
    "indefinite map": bytes.fromhex("bf6161 01ff".replace(" ", "")),
    "duplicate key": bytes.fromhex("a2616101616102"),
    "true and 1 as keys": bytes.fromhex("a201f5f5f4"),
    "half float": bytes.fromhex("f93c00"),
    "undefined": bytes.fromhex("f7"),
    "unassigned simple value": bytes.fromhex("f0"),
}


def _unprotected_with(item: bytes) -> bytes:
    """A genuine presentation whose unprotected header maps label 99 to ``item`` (signature intact)."""
    _, header, payload, signature = cbor2.loads(cose.Signer(DEVICE_KEY, None).sign(PAYLOAD)).value
    assert header == {}
    return (b"\xd2\x84" + cbor2.dumps(cose.ES256_PROTECTED) + b"\xa1\x18\x63" + item + cbor2.dumps(payload)
            + cbor2.dumps(signature))


def _claims_with_v(item: bytes) -> bytes:
    """The presentation's claims, signed by the device, with ``v`` encoded as ``item``."""
    raw = bytearray(PAYLOAD)
    at = raw.index(b"\x61v\x01")  # "v": 1, the first key
    raw[at + 2:at + 3] = item
    return cose.Signer(DEVICE_KEY, None).sign(bytes(raw))


@pytest.mark.parametrize("item", HOSTILE_TAGS.values(), ids=HOSTILE_TAGS.keys())
def test_a_tag_outside_the_profile_is_refused_before_decoding(item: bytes) -> None:
    with pytest.raises(strict_cbor.StrictCborError, match=r"CBOR tag \d+ at byte 0 is not one the profile"):
        strict_cbor.loads(item)


@pytest.mark.parametrize("item", NON_CANONICAL.values(), ids=NON_CANONICAL.keys())
def test_a_non_deterministic_encoding_is_refused(item: bytes) -> None:
    cbor2.loads(item)  # cbor2 alone takes it
    with pytest.raises(strict_cbor.StrictCborError):
        strict_cbor.loads(item)


@pytest.mark.parametrize("data, fault", [
    (b"", "ends early at byte 0"),
    (b"\x1c", "reserved additional information 28"),
    (b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff", "claims 18446744073709551615 bytes, 0 are left"),
    (b"\x9b\x00\x00\x00\x01\x00\x00\x00\x00", "claims 4294967296 items, past the bytes left"),
    (b"\xbb\x00\x00\x00\x01\x00\x00\x00\x00", "claims 4294967296 pairs, past the bytes left"),
    (b"\x81" * 17 + b"\x00", "nests deeper than 16 levels"),
    (b"\x00\x00", "1 unexpected byte"),
    (b"\x62\xed\xa0", "text string at byte 0 is not UTF-8"),
])
def test_malformed_or_costly_cbor_is_named(data: bytes, fault: str) -> None:
    with pytest.raises(strict_cbor.StrictCborError, match=fault):
        strict_cbor.loads(data)


def test_what_the_profile_encodes_passes() -> None:
    signed = cose.Signer(DEVICE_KEY, None).sign(PAYLOAD)
    for data in (signed, PAYLOAD, CARD.security_object, *CARD.items, CARD.to_bytes(),
                 cbor2.dumps({"a": [None, True, False, -(2**64), 2**64 - 1, b"", "\u00e9"]})):
        assert strict_cbor.loads(data) == cbor2.loads(data)


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-NFC-032")
@pytest.mark.parametrize("item", HOSTILE_TAGS.values(), ids=HOSTILE_TAGS.keys())
def test_a_hostile_tag_in_an_unprotected_header_is_a_verification_error(item: bytes) -> None:
    with pytest.raises(VerificationError, match="not profile CBOR"):
        verify_presentation(_unprotected_with(item), INSURER.trust_anchor, NOW)
    text = "APCV1:" + base45.b45encode(zlib.compress(_unprotected_with(item))).decode()
    with pytest.raises(qr.QrTokenError, match="not profile CBOR"):
        qr.decode(text)


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-NFC-032")
@pytest.mark.parametrize("item", [bytes.fromhex(h) for h in ("c24101", "1801", "1b0000000000000001")],
                         ids=["bignum", "one-byte head", "eight-byte head"])
def test_signed_claims_with_a_non_canonical_integer_are_refused(item: bytes) -> None:
    verify_presentation(_claims_with_v(b"\x01"), INSURER.trust_anchor, NOW)  # the untouched form verifies
    with pytest.raises(VerificationError, match="not profile CBOR"):
        verify_presentation(_claims_with_v(item), INSURER.trust_anchor, NOW)


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-NFC-032")
def test_signed_claims_with_a_duplicate_key_or_an_indefinite_map_are_refused() -> None:
    claims = PAYLOAD[1:]  # the pairs, after the map head
    count = PAYLOAD[0] & 0x1F
    duplicate = bytes([0xA0 | (count + 1)]) + claims + b"\x61v\x01"
    indefinite = b"\xbf" + claims + b"\xff"
    assert cbor2.loads(duplicate) == cbor2.loads(indefinite) == cbor2.loads(PAYLOAD)
    for payload, fault in ((duplicate, "twice"), (indefinite, "indefinite-length map")):
        with pytest.raises(VerificationError, match=fault):
            verify_presentation(cose.Signer(DEVICE_KEY, None).sign(payload), INSURER.trust_anchor, NOW)

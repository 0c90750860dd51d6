"""Unit tests of presentation verification (presentation.py, issuer_signed.py, cose.py, credentials.py):
insurer-signed card data, device-signed claims, and every way to break them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from apcv.errors import VerificationError
from apcv.people import Beneficiary
from apcv.profile.r1 import cose
from apcv.profile.r1.credentials import Insurer, TrustAnchor, key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned, issue_card, verify_issuer_signed
from apcv.profile.r1.presentation import presentation_payload, verify_presentation
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
CARD = INSURER.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key())


def _payload(now: datetime = NOW, selected: int = 0, card: IssuerSigned = CARD, card_ref: str = CARD_REF,
             lifetime_s: int = 120) -> bytes:
    return presentation_payload(card, card_ref, token_id=b"\x01" * 16, now=int(now.timestamp()),
                                lifetime_s=lifetime_s, selected=selected, transcript_hash=TH,
                                challenge=CHALLENGE)


def _claims(**change: Any) -> bytes:
    """The claims of a valid presentation with some entries changed (None removes one)."""
    raw = cbor2.loads(_payload())
    for key, value in change.items():
        if value is None:
            del raw[key]
        else:
            raw[key] = value
    return cbor2.dumps(raw)


def _sign(payload: bytes, key=DEVICE_KEY) -> bytes:
    return cose.Signer(key, None).sign(payload)


def _verify(message: bytes, at: datetime = NOW, trust: TrustAnchor = TRUST):
    claims, _ = verify_presentation(message, trust, at, transcript_hash=TH, challenge=CHALLENGE)
    return claims


def _rewrite(message: bytes, index: int, value: Any, tag: int = cose.COSE_SIGN1_TAG) -> bytes:
    """Replace one of the four COSE_Sign1 fields, keeping the rest (signature included)."""
    fields = list(cbor2.loads(message).value)
    fields[index] = value
    return cbor2.dumps(cbor2.CBORTag(tag, fields))


@pytest.mark.apcv_requirement("APCV-NFC-021", "APCV-NFC-022", "APCV-NFC-028")
def test_valid_presentation_verifies() -> None:
    claims, key = verify_presentation(_sign(_payload()), TRUST, NOW, transcript_hash=TH, challenge=CHALLENGE)
    assert key.public_numbers() == DEVICE_KEY.public_key().public_numbers()
    assert (claims.holder, claims.coverage, claims.beneficiaries) == (
        INSURED.identity, INSURED.coverage, INSURED.beneficiaries)
    assert claims.selected_identity == INSURED.identity and claims.card_reference == CARD_REF
    assert claims.expires_at - claims.issued_at == 120


def test_selected_beneficiary_identity() -> None:
    claims = _verify(_sign(_payload(selected=2)))
    assert claims.selected == 2 and claims.selected_identity == INSURED.beneficiaries[1].identity


def test_a_beneficiary_beyond_the_card_cannot_be_selected() -> None:
    with pytest.raises(IndexError):
        _payload(selected=len(INSURED.beneficiaries) + 1)


@pytest.mark.apcv_requirement("APCV-NFC-021")
def test_presentation_is_a_tagged_es256_cose_sign1_without_certificate() -> None:
    obj = cbor2.loads(_sign(_payload()))
    assert obj.tag == 18
    assert cbor2.loads(obj.value[0]) == {1: -7}
    assert obj.value[1] == {}
    assert set(cbor2.loads(obj.value[2])) == {"v", "tid", "iat", "exp", "card", "sel", "th", "ch", "iss"}


def test_binding_is_optional_for_the_verifier() -> None:
    claims, _ = verify_presentation(_sign(_payload()), TRUST, NOW)
    assert claims.transcript_hash == TH


@pytest.mark.apcv_requirement("APCV-NFC-028")
def test_a_forged_beneficiary_is_refused() -> None:
    """The phone adds a stranger's child to its card: the insurer never signed that item."""
    stranger = synthetic_insured(9).beneficiaries or (Beneficiary(synthetic_insured(9).identity),)
    forged_insured = dataclasses.replace(INSURED, beneficiaries=(*INSURED.beneficiaries, stranger[0]))
    own = issue_card(key_from_scalar(4242), forged_insured, CARD_REF, DEVICE_KEY.public_key(), 0, 2**33)
    forged = IssuerSigned(CARD.security_object, (*CARD.items, own.items[-1]))
    with pytest.raises(VerificationError, match=r"item #\d+ of the presentation was not signed"):
        _verify(_sign(_payload(card=forged)))


@pytest.mark.apcv_requirement("APCV-NFC-028")
def test_an_altered_item_is_refused() -> None:
    raw = cbor2.loads(CARD.items[0])
    raw["value"]["birth_name"] = "SOMEONE-ELSE"
    altered = IssuerSigned(CARD.security_object, (cbor2.dumps(raw), *CARD.items[1:]))
    with pytest.raises(VerificationError, match=r"item #1 of the presentation was not signed"):
        _verify(_sign(_payload(card=altered)))


def test_card_data_checked_once_is_remembered_and_an_altered_copy_still_refused() -> None:
    """The item checks of card data already verified are not run again (the same bytes give the
    same card); another set of items under the same security object is checked anew."""
    first = verify_issuer_signed(CARD.to_cbor_value(), TRUST, NOW)
    assert verify_issuer_signed(CARD.to_cbor_value(), TRUST, NOW + timedelta(seconds=1)) is first
    raw = cbor2.loads(CARD.items[0])
    raw["value"]["birth_name"] = "SOMEONE-ELSE"
    altered = IssuerSigned(CARD.security_object, (cbor2.dumps(raw), *CARD.items[1:]))
    with pytest.raises(VerificationError, match=r"item #1 of the presentation was not signed"):
        _verify(_sign(_payload(card=altered)))
    with pytest.raises(VerificationError, match="valid from"):
        _verify(_sign(_payload(now=NOW + timedelta(days=20000))), at=NOW + timedelta(days=20000))


@pytest.mark.apcv_requirement("APCV-NFC-028")
def test_selection_must_name_a_signed_person() -> None:
    with pytest.raises(VerificationError, match=r"selected person \(item 1\)"):  # item 1 is the rights
        _verify(_sign(_claims(sel=1)))
    with pytest.raises(VerificationError, match=r"'sel' is not an integer"):
        _verify(_sign(_claims(sel=99)))


def test_selective_disclosure_of_some_beneficiaries_verifies() -> None:
    partial = IssuerSigned(CARD.security_object, CARD.items[:2] + CARD.items[3:4])
    claims = _verify(_sign(_payload(card=partial, selected=1)))
    assert claims.beneficiaries == (INSURED.beneficiaries[1],)


@pytest.mark.parametrize("items", [(0,), (1,), (0, 0, 1)], ids=["no rights", "no holder", "holder twice"])
def test_holder_and_rights_disclosed_exactly_once(items: tuple[int, ...]) -> None:
    card = IssuerSigned(CARD.security_object, tuple(CARD.items[i] for i in items))
    raw = cbor2.loads(_payload())
    raw["iss"] = card.to_cbor_value()
    with pytest.raises(VerificationError, match=r"exactly once|disclosed twice"):
        _verify(_sign(cbor2.dumps(raw)))


@pytest.mark.apcv_requirement("APCV-NFC-022")
def test_card_data_for_another_device_is_refused() -> None:
    """A card copied to another phone: the insurer named the first phone's key."""
    with pytest.raises(VerificationError, match="signature does not verify"):
        _verify(_sign(_payload(), key_from_scalar(0xD6)))


@pytest.mark.apcv_requirement("APCV-NFC-029")
def test_card_reference_is_bound_to_the_card_data() -> None:
    with pytest.raises(VerificationError, match=r"names card 'APCV-OTHER'.*signed the data of card"):
        _verify(_sign(_payload(card_ref="APCV-OTHER")))


def _other_root() -> x509.Certificate:
    """A self-signed root of another insurer (another name, another key)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Other Insurer Root")])
    key = key_from_scalar(1234)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1)).sign(key, hashes.SHA256())
    )


@pytest.mark.apcv_requirement("APCV-NFC-022")
def test_other_insurer_root_rejected() -> None:
    with pytest.raises(VerificationError, match="not signed by the insurer"):
        _verify(_sign(_payload()), trust=TrustAnchor(_other_root()))


@pytest.mark.apcv_requirement("APCV-NFC-022")
def test_card_data_of_an_impostor_insurer_rejected() -> None:
    impostor = Insurer.create(key_from_scalar(4242))
    card = impostor.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key())
    with pytest.raises(VerificationError, match="not signed by the insurer"):
        _verify(_sign(_payload(card=card)))


def test_tampered_payload_rejected() -> None:
    message = _sign(_payload())
    payload = bytearray(cbor2.loads(message).value[2])
    payload[-1] ^= 0x01
    with pytest.raises(VerificationError, match=r"was not signed by the insurer"):
        _verify(_rewrite(message, 2, bytes(payload)))


def test_tampered_signature_rejected() -> None:
    message = _sign(_payload())
    signature = bytearray(cbor2.loads(message).value[3])
    signature[5] ^= 0x80
    with pytest.raises(VerificationError, match="signature does not verify"):
        _verify(_rewrite(message, 3, bytes(signature)))


@pytest.mark.apcv_requirement("APCV-NFC-024", "APCV-NFC-029")
def test_expired_presentation_rejected() -> None:
    message = _sign(_payload())
    assert _verify(message, NOW + timedelta(seconds=120))
    with pytest.raises(VerificationError, match="expired 1 s ago"):
        _verify(message, NOW + timedelta(seconds=121))


@pytest.mark.apcv_requirement("APCV-NFC-029")
def test_presentation_from_the_future_rejected() -> None:
    assert _verify(_sign(_payload(now=NOW + timedelta(seconds=300))))  # 5 minutes of skew are tolerated
    with pytest.raises(VerificationError, match="issued 301 s in the future"):
        _verify(_sign(_payload(now=NOW + timedelta(seconds=301))))


@pytest.mark.apcv_requirement("APCV-NFC-024", "APCV-NFC-029")
def test_a_month_old_presentation_with_a_ten_year_expiry_is_refused() -> None:
    old = int((NOW - timedelta(days=30)).timestamp())
    with pytest.raises(VerificationError, match=r"lifetime is \d+ s; the profile allows 1 to 120 s"):
        _verify(_sign(_claims(iat=old, exp=old + 10 * 365 * 86400)))


@pytest.mark.apcv_requirement("APCV-NFC-029")
@pytest.mark.parametrize(("change", "fragment"), [
    ({"tid": 2**50}, "'tid' is not a 16-byte string"),
    ({"tid": b"\x01" * (2 << 20)}, "'tid' is not a 16-byte string"),
    ({"tid": "0123456789abcdef"}, "'tid' is not a 16-byte string"),
    ({"exp": 2**64}, "CBOR tag 2 .* is not one the profile defines"),
    ({"iat": -1}, "'iat' is not POSIX seconds"),
    ({"iat": True}, "'iat' is not POSIX seconds"),
    ({"exp": 1.5e9}, "floating-point number .* the profile has none"),
    ({"sel": -1}, "'sel' is not an integer"),
    ({"card": 7}, "'card' is not printable ASCII"),
    ({"card": "X" * 33}, "'card' is not printable ASCII"),
    ({"th": b"\x00" * 31}, "'th' is not a 32-byte string"),
    ({"v": 2}, "version 2 is not R1"),
    ({"v": True}, "version True is not R1"),
    ({"v": 1.0}, "floating-point number"),
    ({"extra": 1}, "unknown key"),
    ({"iss": {"so": b"", "items": []}}, "'items' is not a list"),
    ({"iss": "nothing"}, "not a map"),
])
def test_claim_types_lengths_and_ranges(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(VerificationError, match=fragment):
        _verify(_sign(_claims(**change)))


@pytest.mark.parametrize("key", ["tid", "iat", "exp", "card", "sel", "th", "ch", "iss", "v"])
def test_claims_missing_a_key_rejected(key: str) -> None:
    with pytest.raises(VerificationError, match=f"claims: missing {key}"):
        _verify(_sign(_claims(**{key: None})))


def test_wrong_transcript_hash_rejected() -> None:
    with pytest.raises(VerificationError, match="bound to another session"):
        verify_presentation(_sign(_payload()), TRUST, NOW, transcript_hash=bytes(32))


def test_wrong_challenge_rejected() -> None:
    with pytest.raises(VerificationError, match="another reader challenge"):
        verify_presentation(_sign(_payload()), TRUST, NOW, challenge=bytes(16))


@pytest.mark.parametrize("payload", [b"\xff\xfe", cbor2.dumps([1, 2, 3])])
def test_claims_not_a_cbor_map_rejected(payload: bytes) -> None:
    with pytest.raises(VerificationError, match=r"not profile CBOR|not a map"):
        _verify(_sign(payload))


@pytest.mark.parametrize("message", [b"", b"\x1c", b"\x82\x01", b"\x5a\xff\xff\xff\xff"])
def test_non_cbor_message_rejected(message: bytes) -> None:
    with pytest.raises(VerificationError, match="not profile CBOR"):
        _verify(message)


def test_wrong_cbor_tag_rejected() -> None:
    message = _sign(_payload())
    fields = cbor2.loads(message).value
    with pytest.raises(VerificationError, match="CBOR tag 17 at byte 0 is not one the profile defines"):
        _verify(_rewrite(message, 3, fields[3], tag=17))


@pytest.mark.parametrize("obj", [{}, [1, 2, 3], [b"", {}, "text", b""], "text"])
def test_not_a_cose_sign1_structure(obj: Any) -> None:
    with pytest.raises(VerificationError, match="not a COSE_Sign1 structure"):
        _verify(cbor2.dumps(obj))


def test_protected_header_must_be_es256() -> None:
    message = _sign(_payload())
    with pytest.raises(VerificationError, match=r"protected header is not \{1: -7\}"):
        _verify(_rewrite(message, 0, cbor2.dumps({1: -35})))


@pytest.mark.apcv_requirement("APCV-NFC-022")
def test_card_data_outside_its_validity() -> None:
    card = INSURER.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key(),
                                   not_before=NOW - timedelta(days=10), days=5)
    with pytest.raises(VerificationError, match=r"card data is valid from .* not at 2026-03-01"):
        _verify(_sign(_payload(card=card)))
    later = INSURER.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key(),
                                    not_before=NOW + timedelta(days=1))
    with pytest.raises(VerificationError, match="card data is valid from"):
        _verify(_sign(_payload(card=later)))


def test_trust_anchor_pem_round_trip() -> None:
    anchor = TrustAnchor.from_pem(TRUST.to_pem())
    assert anchor.certificate == INSURER.certificate
    assert _verify(_sign(_payload()), trust=anchor)


def test_cose_verify_with_the_wrong_key() -> None:
    with pytest.raises(VerificationError, match="signature does not verify"):
        cose.verify(_sign(b"\xa0"), key_from_scalar(5).public_key())
    assert cose.verify(_sign(b"\xa0"), DEVICE_KEY.public_key()) == b"\xa0"


def test_card_data_round_trips_through_bytes() -> None:
    assert IssuerSigned.from_bytes(CARD.to_bytes()) == CARD
    with pytest.raises(VerificationError, match="not a map"):
        IssuerSigned.from_bytes(cbor2.dumps([1]))


def test_trailing_bytes_after_cose_are_rejected():
    """Junk appended after a signed message is an error, not silently ignored."""
    signed = cose.Signer(INSURER.key, None).sign(b"payload")
    assert cose.verify(signed, TRUST.public_key) == b"payload"
    with pytest.raises(VerificationError, match="unexpected byte"):
        cose.verify(signed + b"\x00", TRUST.public_key)


@pytest.mark.apcv_requirement("APCV-RDR-004", "APCV-BE-042")
def test_delegated_card_data_never_presents_the_holder() -> None:
    """The reference reader, offline, accepted a delegate's card data selecting the holder (the
    backend refused it): the insurer marks delegated card data (``dlg``) and a verifier refuses
    the holder's selection on it."""
    delegated = INSURER.issue_card_data(INSURED, CARD_REF, DEVICE_KEY.public_key(), delegated=True)
    assert _verify(_sign(_payload(card=delegated, selected=1))).selected == 1
    with pytest.raises(VerificationError, match="delegated beneficiaries only, not the card holder"):
        _verify(_sign(_payload(card=delegated, selected=0)))
    assert _verify(_sign(_payload(selected=0))).selected == 0  # the holder's own card does

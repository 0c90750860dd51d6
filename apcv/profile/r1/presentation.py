"""The signed NFC presentation of APCV-R1: device-signed claims around insurer-signed card data.

The phone signs, with its device key, a COSE_Sign1 over CBOR claims that bind the presentation
to the session (transcript hash), to the reader's challenge and to the person the care is for
(``sel``, the digest id of that person's item), and that carry the card data the insurer signed
at activation (:mod:`issuer_signed`). A verifier checks the insurer's signature over the card
data, that the device key it names signed the claims, that the claims name the same card, that
every disclosed person was signed by the insurer, the binding, and the validity window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.errors import VerificationError
from apcv.people import Beneficiary, Coverage, Identity
from apcv.profile.r1 import cbor_out, cose
from apcv.profile.r1.constants import (
    CHALLENGE_LEN,
    PRESENTATION_CLOCK_SKEW_S,
    PRESENTATION_LIFETIME_S,
    PROFILE_VERSION,
)
from apcv.profile.r1.credentials import TrustAnchor
from apcv.profile.r1.fields import (
    byte_string,
    decode_exact,
    posix_time,
    short_text,
    shown,
    small_uint,
    text_map,
)
from apcv.profile.r1.issuer_signed import (
    CARD_REFERENCE_MAX,
    MAX_ITEMS,
    IssuerSigned,
    VerifiedCard,
    verify_issuer_signed,
)

TOKEN_ID_LEN = 16
TRANSCRIPT_HASH_LEN = 32
CLAIM_KEYS = {"v", "tid", "iat", "exp", "card", "sel", "th", "ch", "iss"}
_KEYS = {key: cbor_out.text_string(key) for key in CLAIM_KEYS}
_CLAIMS_HEAD = b"\xa9" + _KEYS["v"]
"""A map of the nine claims, then the first key."""
_WHAT = "presentation claim"


@dataclass(frozen=True)
class PresentationClaims:
    """What a verified presentation says."""

    token_id: bytes
    issued_at: int
    expires_at: int
    card_reference: str
    holder: Identity
    coverage: Coverage
    beneficiaries: tuple[Beneficiary, ...]
    selected: int  # 0 = the holder, i = beneficiaries[i - 1]
    transcript_hash: bytes
    challenge: bytes

    @property
    def selected_identity(self) -> Identity:
        """Identity of the person the care is for."""
        return self.holder if self.selected == 0 else self.beneficiaries[self.selected - 1].identity


def presentation_payload(
    card: IssuerSigned,
    card_reference: str,
    *,
    token_id: bytes,
    now: int,
    lifetime_s: int,
    selected: int,
    transcript_hash: bytes,
    challenge: bytes,
) -> bytes:
    """The CBOR claims the device signs for one presentation of ``card``.

    ``selected`` is 0 for the holder or i for the i-th beneficiary of the card; it becomes the
    digest id of that person's item (IndexError when the card has no such person).
    """
    if selected < 0:
        raise IndexError(f"beneficiary index {selected} is negative")
    sel = card.person_ids()[selected]
    return b"".join((  # cbor2.dumps of the claims in this order, the card data encoded once (its cache)
        _CLAIMS_HEAD, cbor_out.integer(PROFILE_VERSION),
        _KEYS["tid"], cbor_out.byte_string(token_id),
        _KEYS["iat"], cbor_out.integer(now),
        _KEYS["exp"], cbor_out.integer(now + lifetime_s),
        _KEYS["card"], cbor_out.text_string(card_reference),
        _KEYS["sel"], cbor_out.integer(sel),
        _KEYS["th"], cbor_out.byte_string(transcript_hash),
        _KEYS["ch"], cbor_out.byte_string(challenge),
        _KEYS["iss"], card.to_bytes(),
    ))


def verify_presentation(
    message: bytes,
    trust: TrustAnchor,
    at: datetime,
    *,
    transcript_hash: bytes | None = None,
    challenge: bytes | None = None,
) -> tuple[PresentationClaims, ec.EllipticCurvePublicKey]:
    """Verify card data, device signature, card binding, selection, session binding and validity.

    Returns the claims and the device key; every fault is a :class:`VerificationError` naming it.
    """
    signed = cose.parse(message)
    raw = claims_map(signed.payload)
    card = verify_issuer_signed(raw["iss"], trust, at)
    signed.verify(card.device_key)
    claims = claims_from(raw, card)
    if transcript_hash is not None and claims.transcript_hash != transcript_hash:
        raise VerificationError("presentation is bound to another session (transcript hash)")
    if challenge is not None and claims.challenge != challenge:
        raise VerificationError("presentation answers another reader challenge")
    check_lifetime(claims, at)
    return claims, card.device_key


def claims_map(payload: bytes) -> dict[str, Any]:
    """The claims map of a presentation's payload: exactly the keys of §5.1, version R1."""
    raw = text_map(decode_exact(payload, "presentation claims"), "presentation claims", CLAIM_KEYS)
    if type(raw["v"]) is not int or raw["v"] != PROFILE_VERSION:
        raise VerificationError(f"presentation version {shown(raw['v'], 20)} is not R1 ({PROFILE_VERSION})")
    return raw


def claims_from(raw: dict[str, Any], card: VerifiedCard) -> PresentationClaims:
    """Typed claims: each field checked, the card the card data's, the selection a signed person."""
    reference = short_text(raw, "card", CARD_REFERENCE_MAX, _WHAT)
    if reference != card.card_reference:
        raise VerificationError(f"presentation names card {reference!r}, but the insurer signed the data "
                                f"of card {card.card_reference!r} for this device")
    sel = small_uint(raw, "sel", MAX_ITEMS, _WHAT)
    selected = card.index_of(sel)
    if selected is None:
        raise VerificationError(f"selected person (item {sel}) is not a person the insurer signed "
                                "on this card")
    if selected == 0 and card.delegated:
        raise VerificationError("delegated card data presents the delegated beneficiaries only, "
                                "not the card holder")
    return PresentationClaims(
        token_id=byte_string(raw, "tid", TOKEN_ID_LEN, _WHAT),
        issued_at=posix_time(raw, "iat", _WHAT),
        expires_at=posix_time(raw, "exp", _WHAT),
        card_reference=reference,
        holder=card.holder,
        coverage=card.coverage,
        beneficiaries=card.beneficiaries,
        selected=selected,
        transcript_hash=byte_string(raw, "th", TRANSCRIPT_HASH_LEN, _WHAT),
        challenge=byte_string(raw, "ch", CHALLENGE_LEN, _WHAT),
    )


def check_lifetime(claims: PresentationClaims, at: datetime) -> None:
    """Refuse a lifetime outside ``(0, 120 s]``, an expired presentation and one from the future."""
    lifetime = claims.expires_at - claims.issued_at
    if not 0 < lifetime <= PRESENTATION_LIFETIME_S:
        raise VerificationError(f"presentation lifetime is {lifetime} s; the profile allows 1 to "
                                f"{PRESENTATION_LIFETIME_S} s")
    ts = int(at.astimezone(UTC).timestamp())
    if ts > claims.expires_at:
        raise VerificationError(f"presentation expired {ts - claims.expires_at} s ago")
    if claims.issued_at > ts + PRESENTATION_CLOCK_SKEW_S:
        raise VerificationError(f"presentation is issued {claims.issued_at - ts} s in the future "
                                f"(clock skew over {PRESENTATION_CLOCK_SKEW_S} s)")

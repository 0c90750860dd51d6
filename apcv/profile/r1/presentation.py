"""The signed NFC presentation of APCV-R1: CBOR claims inside a COSE_Sign1.

The phone signs the claims with its device key; the claims bind the presentation to the
session (transcript hash) and to the reader's challenge, so it cannot be replayed into
another session. Verifiers check the certificate chain, the signature, the binding and
the validity window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.errors import VerificationError
from apcv.people import Beneficiary, Coverage, Identity, Insured
from apcv.profile.r1 import cose
from apcv.profile.r1.constants import PROFILE_VERSION
from apcv.profile.r1.credentials import TrustAnchor


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

    def to_cbor(self) -> bytes:
        return cbor2.dumps(
            {
                "v": PROFILE_VERSION,
                "tid": self.token_id,
                "iat": self.issued_at,
                "exp": self.expires_at,
                "card": self.card_reference,
                "holder": self.holder.to_dict(),
                "cov": self.coverage.to_dict(),
                "ben": [b.to_dict() for b in self.beneficiaries],
                "sel": self.selected,
                "th": self.transcript_hash,
                "ch": self.challenge,
            }
        )

    @classmethod
    def from_cbor(cls, payload: bytes) -> PresentationClaims:
        try:
            raw = cbor2.loads(payload)
            if raw.get("v") != PROFILE_VERSION:
                raise VerificationError(f"presentation version {raw.get('v')!r} is not R1 (1)")
            ben = tuple(Beneficiary.from_dict(b) for b in raw["ben"])
            claims = cls(
                token_id=bytes(raw["tid"]),
                issued_at=int(raw["iat"]),
                expires_at=int(raw["exp"]),
                card_reference=str(raw["card"]),
                holder=Identity.from_dict(raw["holder"]),
                coverage=Coverage.from_dict(raw["cov"]),
                beneficiaries=ben,
                selected=int(raw["sel"]),
                transcript_hash=bytes(raw["th"]),
                challenge=bytes(raw["ch"]),
            )
        except VerificationError:
            raise
        except (cbor2.CBORDecodeError, KeyError, TypeError, ValueError, AttributeError,
                EOFError) as exc:
            raise VerificationError(f"presentation claims are malformed: {exc!r}") from exc
        if not 0 <= claims.selected <= len(ben):
            raise VerificationError(f"selected beneficiary {claims.selected} does not exist")
        return claims


def build_claims(
    insured: Insured,
    card_reference: str,
    *,
    token_id: bytes,
    now: int,
    lifetime_s: int,
    selected: int,
    transcript_hash: bytes,
    challenge: bytes,
) -> PresentationClaims:
    """Claims for one presentation of ``insured``'s card."""
    return PresentationClaims(
        token_id=token_id,
        issued_at=now,
        expires_at=now + lifetime_s,
        card_reference=card_reference,
        holder=insured.identity,
        coverage=insured.coverage,
        beneficiaries=insured.beneficiaries,
        selected=selected,
        transcript_hash=transcript_hash,
        challenge=challenge,
    )


def verify_presentation(
    message: bytes,
    trust: TrustAnchor,
    at: datetime,
    *,
    transcript_hash: bytes | None = None,
    challenge: bytes | None = None,
) -> tuple[PresentationClaims, ec.EllipticCurvePublicKey]:
    """Verify chain, signature, session binding and validity; return claims and device key."""
    header, _ = cose.peek(message)
    cert_der = header.get(cose.X5CHAIN)
    if isinstance(cert_der, list) and cert_der:
        cert_der = cert_der[0]
    if not isinstance(cert_der, bytes):
        raise VerificationError("presentation carries no device certificate (x5chain)")
    cert = trust.verify_device_certificate(cert_der, at)
    device_key = cert.public_key()
    assert isinstance(device_key, ec.EllipticCurvePublicKey)
    claims = PresentationClaims.from_cbor(cose.verify(message, device_key))
    if transcript_hash is not None and claims.transcript_hash != transcript_hash:
        raise VerificationError("presentation is bound to another session (transcript hash)")
    if challenge is not None and claims.challenge != challenge:
        raise VerificationError("presentation answers another reader challenge")
    ts = int(at.astimezone(UTC).timestamp())
    if ts > claims.expires_at:
        raise VerificationError(f"presentation expired {ts - claims.expires_at} s ago")
    if claims.issued_at > ts + 300:
        raise VerificationError("presentation is issued in the future (clock skew > 5 min)")
    return claims, device_key

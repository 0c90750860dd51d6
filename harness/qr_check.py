"""Offline check of a scanned QR text: format, device certificate, signature, validity.

What a practitioner's software does before it calls the backend, without the backend: the
token is decoded (``APCV1:`` prefix, base45, zlib, COSE_Sign1, claims), its device certificate
found (carried in the token, or among the devices the verifier knows) and chained to the
insurer's trust anchor, the signature verified and the validity window checked at ``at``.
Single use needs the backend and is not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from apcv.profile.r1 import qr
from apcv.profile.r1.credentials import TrustAnchor


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on one text: valid, or the first thing wrong with it."""

    text: str
    problem: str | None
    claims: qr.QrClaims | None
    person: str | None = None  # "holder", "beneficiary 2", "a beneficiary"

    @property
    def valid(self) -> bool:
        """True when the token passed every offline check."""
        return self.problem is None

    def summary(self) -> dict:
        """Plain data for ``--json``: the verdict and the claims (no NIR: tokens hold none)."""
        data: dict = {"valid": self.valid, "problem": self.problem, "characters": len(self.text),
                      "prefix": self.text[:6]}
        if self.claims is not None:
            data |= {"card_reference": self.claims.card_reference, "token_id": self.claims.token_id.hex(),
                     "issued_at": _iso(self.claims.issued_at), "expires_at": _iso(self.claims.expires_at),
                     "person": self.person}
        return data


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def check_token(text: str, trust: TrustAnchor, at: datetime, devices: dict[bytes, bytes],
                beneficiaries: dict[bytes, int] | None = None) -> TokenCheck:
    """Check ``text`` at ``at``; ``devices`` maps a kid to a known device's DER certificate and
    ``beneficiaries`` a beneficiary reference to its number on the card (to name the person)."""
    try:
        token = qr.decode(text)
    except qr.QrTokenError as exc:
        return TokenCheck(text, str(exc), None)
    ben = token.claims.beneficiary
    person = ("holder" if ben is None else f"beneficiary {beneficiaries[ben]}"
              if beneficiaries and ben in beneficiaries else "a beneficiary")
    try:
        qr.verify(text, trust, at, devices.get)
    except qr.QrTokenError as exc:
        return TokenCheck(text, str(exc), token.claims, person)
    return TokenCheck(text, None, token.claims, person)

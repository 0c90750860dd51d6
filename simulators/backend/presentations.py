"""NFC presentations made directly from a wallet, without a reader session.

For load generators and backend tests: the claims carry a zero transcript hash and
challenge (the backend does not check session binding, only the reader does).
"""

from __future__ import annotations

import os

from simulators.phone.wallet import Wallet
from simulators.profile.r1 import cose
from simulators.profile.r1.constants import PRESENTATION_LIFETIME_S
from simulators.profile.r1.presentation import build_claims


def wallet_presentation(wallet: Wallet, now: float, *, selected: int = 0, token_id: bytes | None = None,
                        lifetime_s: int = PRESENTATION_LIFETIME_S) -> bytes:
    """A signed COSE_Sign1 presentation of ``wallet``'s card, issued at ``now``."""
    claims = build_claims(wallet.insured, wallet.card_reference, token_id=token_id or os.urandom(16),
                          now=int(now), lifetime_s=lifetime_s, selected=selected,
                          transcript_hash=bytes(32), challenge=bytes(16))
    return cose.Signer(wallet.device_key, wallet.device_certificate_der).sign(claims.to_cbor())

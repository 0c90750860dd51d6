"""NFC presentations and QR tokens made directly from a wallet, without a reader or a screen.

For load generators and backend tests: NFC claims carry a zero transcript hash and
challenge (the backend does not check session binding, only the reader does).
"""

from __future__ import annotations

import os

from apcv.profile.r1 import cose, qr
from apcv.profile.r1.constants import PRESENTATION_LIFETIME_S
from apcv.profile.r1.presentation import presentation_payload
from simulators.phone.wallet import Wallet


def wallet_presentation(wallet: Wallet, now: float, *, selected: int = 0, token_id: bytes | None = None,
                        lifetime_s: int = PRESENTATION_LIFETIME_S) -> bytes:
    """A signed COSE_Sign1 presentation of ``wallet``'s card, issued at ``now``."""
    if wallet.card_data is None:
        raise ValueError("the wallet holds no insurer-signed card data: it cannot present over NFC")
    payload = presentation_payload(wallet.card_data, wallet.card_reference,
                                   token_id=token_id or os.urandom(16), now=int(now), lifetime_s=lifetime_s,
                                   selected=selected, transcript_hash=bytes(32), challenge=bytes(16))
    return cose.Signer(wallet.device_key, None).sign(payload)


def wallet_qr_token(wallet: Wallet, now: float, *, selected: int = 0, token_id: bytes | None = None,
                    unlocked_at: float | None = None, with_certificate: bool = False) -> str:
    """The ``APCV1:`` QR text of ``wallet``'s card at ``now`` (0 = the holder, i = i-th beneficiary)."""
    nir = None if selected == 0 else wallet.insured.beneficiaries[selected - 1].identity.nir
    claims = qr.issue_claims(wallet.card_reference, now, token_id=token_id or os.urandom(16),
                             unlocked_at=unlocked_at, beneficiary_nir=nir)
    return qr.encode(claims, wallet.device_key, wallet.device_certificate_der if with_certificate else None)

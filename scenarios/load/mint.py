"""Minting presentations and QR tokens from activated wallets (the phone's side, without a phone).

NFC presentations are signed for the whole run. QR tokens keep the profile's short life
(60 s, give or take 60 s of clock skew), so they are minted in *windows*: the tokens of
window k are issued at ``start + k * QR_WINDOW_S`` and used during that window only.
"""

from __future__ import annotations

import base64
import os
import random

from apcv.profile.r1.constants import QR_CLOCK_SKEW_S, QR_TOKEN_LIFETIME_S
from scenarios.load.material import Token
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet

QR_WINDOW_S = QR_TOKEN_LIFETIME_S + QR_CLOCK_SKEW_S - 20
"""Seconds a window's QR tokens are used: their life and the verifier's skew allowance, less 20 s."""
BENEFICIARY_CHANCE = 0.3
"""How often the care is for a beneficiary (a child) rather than the holder, when there is one."""


def _selection(wallet: Wallet, rng: random.Random) -> tuple[int, str]:
    beneficiaries = wallet.insured.beneficiaries
    if beneficiaries and rng.random() < BENEFICIARY_CHANCE:
        index = rng.randrange(len(beneficiaries))
        return index + 1, beneficiaries[index].identity.nir
    return 0, wallet.insured.identity.nir


def mint_nfc(wallets: list[Wallet], index: int, issued_at: float, lifetime_s: int,
             rng: random.Random) -> Token:
    """An NFC presentation of wallet ``index``, valid ``lifetime_s`` from ``issued_at``."""
    wallet = wallets[index]
    selected, nir = _selection(wallet, rng)
    token_id = os.urandom(16)
    signed = wallet_presentation(wallet, issued_at, selected=selected, token_id=token_id,
                                 lifetime_s=lifetime_s)
    return Token("nfc", index, nir, token_id.hex(), base64.b64encode(signed).decode(), issued_at,
                 issued_at + lifetime_s)


def mint_qr(wallets: list[Wallet], index: int, issued_at: float, rng: random.Random) -> Token:
    """A QR token of wallet ``index`` as the phone shows it at ``issued_at``, used for one window."""
    wallet = wallets[index]
    selected, nir = _selection(wallet, rng)
    token_id = os.urandom(16)
    text = wallet_qr_token(wallet, issued_at, selected=selected, token_id=token_id, unlocked_at=issued_at)
    return Token("qr", index, nir, token_id.hex(), text, issued_at, issued_at + QR_WINDOW_S)


def mint_nfc_batch(wallets: list[Wallet], count: int, issued_at: float, lifetime_s: int,
                   rng: random.Random) -> list[Token]:
    """``count`` NFC presentations spread over the wallets."""
    return [mint_nfc(wallets, i % len(wallets), issued_at, lifetime_s, rng) for i in range(count)]


def mint_qr_windows(wallets: list[Wallet], per_window: int, windows: int, start: float,
                    rng: random.Random) -> list[Token]:
    """``per_window`` QR tokens for each of ``windows`` windows from ``start``, in time order."""
    return [mint_qr(wallets, i % len(wallets), start + k * QR_WINDOW_S, rng)
            for k in range(windows) for i in range(per_window)]

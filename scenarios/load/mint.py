"""Minting presentations and QR tokens from activated wallets (the phone's side, without a phone).

Both keep the profile's short lives, so they are minted in *windows* of ``WINDOW_S`` and used
during their window only. QR tokens (60 s, give or take 60 s of clock skew) of window k are
issued at its start. NFC presentations live 120 s and a verifier takes one issued up to 300 s
ahead of its clock, so those of window k are issued ``NFC_LEAD_S`` after its start: accepted
from the window's start, valid past its end.
"""

from __future__ import annotations

import base64
import os
import random

from apcv.profile.r1.constants import (
    PRESENTATION_CLOCK_SKEW_S,
    PRESENTATION_LIFETIME_S,
    QR_CLOCK_SKEW_S,
    QR_TOKEN_LIFETIME_S,
)
from scenarios.load.material import Token
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet

QR_WINDOW_S = QR_TOKEN_LIFETIME_S + QR_CLOCK_SKEW_S - 20
"""Seconds a window's tokens are used: a QR token's life and the verifier's skew allowance, less 20 s."""
NFC_LEAD_S = PRESENTATION_CLOCK_SKEW_S - 10
"""How far after its window's start an NFC presentation is issued (the verifier allows 300 s ahead)."""
assert QR_WINDOW_S < NFC_LEAD_S + PRESENTATION_LIFETIME_S  # a window's presentations outlive it
BENEFICIARY_CHANCE = 0.3
"""How often the care is for a beneficiary (a child) rather than the holder, when there is one."""


def _selection(wallet: Wallet, rng: random.Random) -> tuple[int, str]:
    beneficiaries = wallet.insured.beneficiaries
    if beneficiaries and rng.random() < BENEFICIARY_CHANCE:
        index = rng.randrange(len(beneficiaries))
        return index + 1, beneficiaries[index].identity.nir
    return 0, wallet.insured.identity.nir


def mint_nfc(wallets: list[Wallet], index: int, issued_at: float, rng: random.Random,
             usable_from: float | None = None) -> Token:
    """An NFC presentation of wallet ``index`` issued at ``issued_at`` (valid 120 s from then),
    handed out from ``usable_from`` (default: its issue) to its expiry."""
    wallet = wallets[index]
    selected, nir = _selection(wallet, rng)
    token_id = os.urandom(16)
    signed = wallet_presentation(wallet, issued_at, selected=selected, token_id=token_id)
    start = issued_at if usable_from is None else usable_from
    return Token("nfc", index, nir, token_id.hex(), base64.b64encode(signed).decode(), start,
                 issued_at + PRESENTATION_LIFETIME_S)


def mint_qr(wallets: list[Wallet], index: int, issued_at: float, rng: random.Random) -> Token:
    """A QR token of wallet ``index`` as the phone shows it at ``issued_at``, used for one window."""
    wallet = wallets[index]
    selected, nir = _selection(wallet, rng)
    token_id = os.urandom(16)
    text = wallet_qr_token(wallet, issued_at, selected=selected, token_id=token_id, unlocked_at=issued_at)
    return Token("qr", index, nir, token_id.hex(), text, issued_at, issued_at + QR_WINDOW_S)


def mint_nfc_windows(wallets: list[Wallet], per_window: int, windows: int, start: float,
                     rng: random.Random) -> list[Token]:
    """``per_window`` NFC presentations for each of ``windows`` windows from ``start``, in time order."""
    return [mint_nfc(wallets, i % len(wallets), start + k * QR_WINDOW_S + NFC_LEAD_S, rng,
                     usable_from=start + k * QR_WINDOW_S)
            for k in range(windows) for i in range(per_window)]


def mint_qr_windows(wallets: list[Wallet], per_window: int, windows: int, start: float,
                    rng: random.Random) -> list[Token]:
    """``per_window`` QR tokens for each of ``windows`` windows from ``start``, in time order."""
    return [mint_qr(wallets, i % len(wallets), start + k * QR_WINDOW_S, rng)
            for k in range(windows) for i in range(per_window)]

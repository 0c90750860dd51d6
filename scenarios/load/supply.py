"""A slot's material handed out during the run: one token per verification, one key per enrolment.

Tokens are taken in time order and skipped once expired; when the prepared ones run out, a
token or key is minted on the spot and counted, so the summary can say the load generator
spent time on its own crypto.
"""

from __future__ import annotations

import random
from collections import Counter, deque

from cryptography.hazmat.primitives.asymmetric import ec

from scenarios.load.material import Enrolment, Material, Token
from scenarios.load.mint import mint_nfc, mint_qr

EXPIRY_MARGIN_S = 5.0
"""A token this close to its end is not sent: it could expire on the way."""


class Supply:
    """Hands out a slot's tokens and enrolment keys."""

    def __init__(self, material: Material, rng: random.Random) -> None:
        self.wallets = material.wallets
        self.delegates = material.delegates
        self._nfc = deque(material.nfc)
        self._qr = deque(material.qr)
        self._enrolments = deque(material.enrolments)
        self._enrollees = sorted({e.nir for e in material.enrolments}) or [
            w.insured.identity.nir for w in material.wallets]
        self._rng = rng
        self.minted_during_run: Counter[str] = Counter()

    def presentation(self, now: float) -> Token:
        """An unused NFC presentation of the window of now."""
        token = self._take(self._nfc, now)
        if token is not None:
            return token
        self.minted_during_run["nfc"] += 1
        return mint_nfc(self.wallets, self._rng.randrange(len(self.wallets)), now, self._rng)

    def qr_token(self, now: float) -> Token:
        """An unused QR token of the window of now."""
        token = self._take(self._qr, now)
        if token is not None:
            return token
        self.minted_during_run["qr"] += 1
        return mint_qr(self.wallets, self._rng.randrange(len(self.wallets)), now, self._rng)

    @staticmethod
    def _take(tokens: deque[Token], now: float) -> Token | None:
        """The next token of the window of now, dropping those whose window went by; None when
        this window's are used up."""
        while tokens:
            token = tokens[0]
            if token.not_after <= now + EXPIRY_MARGIN_S:
                tokens.popleft()  # its window went by (the run used fewer than prepared)
                continue
            if token.not_before > now:
                return None  # the next window's tokens: this window's are used up
            return tokens.popleft()
        return None

    def enrolment(self, video_share: float) -> Enrolment:
        """A device key never enrolled, for one of the slot's enrollees."""
        if self._enrolments:
            return self._enrolments.popleft()
        self.minted_during_run["enrolment"] += 1
        return Enrolment(self._rng.choice(self._enrollees),
                         "video" if self._rng.random() < video_share else "france_identite",
                         ec.generate_private_key(ec.SECP256R1()))

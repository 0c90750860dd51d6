"""The phone's QR screen: a rotating APCV-R1 QR token while the app is unlocked.

A new token every rotation period (30 s on the phone's clock, counted from the unlock), each
with a fresh token id; none while the app is locked, and none once the unlock session is
over (15 min): the holder re-authenticates. Single use is the backend's job. The token may
select a beneficiary (a child) instead of the holder.
"""

from __future__ import annotations

import threading

from apcv.clock import Clock
from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_ROTATION_S
from apcv.profile.r1.session import RandomSource, random_bytes
from simulators.phone.unlock import AppLock
from simulators.phone.wallet import Wallet


class QrDisplay:
    """What the app's QR screen shows; :meth:`qr_payload` is read by scanners."""

    def __init__(self, wallet: Wallet, lock: AppLock, clock: Clock, *,
                 rotation_s: float = QR_ROTATION_S, rng: RandomSource | None = None) -> None:
        if rotation_s <= 0:  # pragma: no mutate
            raise ValueError(f"QR rotation period must be positive, got {rotation_s}")
        self._wallet = wallet
        self._lock = lock
        self._clock = clock
        self.rotation_s = rotation_s
        self._rng = rng
        self._beneficiary_nir: str | None = None
        self._shown: tuple[float, int, str | None] | None = None
        self._payload: str | None = None
        self.tokens_issued = 0  # pragma: no mutate
        self._asking = threading.Lock()

    def select(self, beneficiary_nir: str | None) -> None:
        """Show tokens for a beneficiary of the card (None: the holder); a new token at once."""
        with self._asking:
            self._beneficiary_nir = beneficiary_nir
            self._shown = None

    def qr_payload(self) -> str | None:
        """The ``APCV1:`` text on screen now, or None (locked, or the unlock session is over).

        Safe to ask from several threads (a display following the screen, a test): one token
        per rotation window, never two.
        """
        with self._asking:
            started = self._lock.session_started_at
            if started is None:
                self._shown = self._payload = None
                return None
            window = int((self._clock.now() - started) // self.rotation_s)
            shown = (started, window, self._beneficiary_nir)
            if shown != self._shown:
                self._payload = self._issue(started, started + window * self.rotation_s)
                self._shown = shown
            return self._payload

    def _issue(self, unlocked_at: float, at: float) -> str | None:
        try:
            claims = qr.issue_claims(self._wallet.card_reference, at, token_id=random_bytes(
                self._rng, qr.TOKEN_ID_LEN), unlocked_at=unlocked_at, beneficiary_nir=self._beneficiary_nir)
        except qr.QrTokenError:
            return None
        self.tokens_issued += 1  # pragma: no mutate
        return qr.encode(claims, self._wallet.device_key)

"""A simulated phone carrying the apCV: wallet, app lock, HCE applet and QR screen.

The phone is a card-side responder (``atr``, ``reset``, ``process_apdu``), so any link that
carries APDUs can put it in front of a reader. With NFC switched off it does not answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from apcv.clock import Clock, WallClock
from apcv.errors import ApcvError
from apcv.imaging.conditions import SCREEN_MODULE_PX
from apcv.imaging.qr_render import render_qr
from apcv.profile.r1.session import RandomSource
from simulators.phone.applet import HceApplet
from simulators.phone.qr_display import QrDisplay
from simulators.phone.unlock import AppLock, UnlockError, UnlockPolicy
from simulators.phone.wallet import Wallet

BIOMETRIC_RESULTS = ("match", "mismatch")
"""A biometric attempt: the enrolled face or finger, or another one."""


class Phone:
    """One phone with the apCV activated."""

    def __init__(
        self,
        wallet: Wallet,
        *,
        code: str = "0000",
        clock: Clock | None = None,
        unlock_policy: UnlockPolicy | None = None,
        seed: int | None = None,
        rng: RandomSource | None = None,
    ) -> None:
        self.wallet = wallet
        self.clock = clock or WallClock()  # pragma: no mutate
        self.lock = AppLock(code, clock=self.clock, policy=unlock_policy, rng=random.Random(seed))
        self._rng = rng
        self.applet = HceApplet(wallet, self.lock, self.clock, rng=rng)
        self.atr = self.applet.atr
        self.qr = QrDisplay(wallet, self.lock, self.clock, rng=rng)

    def install(self, wallet: Wallet) -> None:
        """An activation at the insurer finished: the app now holds ``wallet`` (the card reference,
        certificate and card data the insurer issued for this phone's device key)."""
        own, new = (w.device_key.public_key().public_numbers() for w in (self.wallet, wallet))
        if own != new:
            raise ValueError("the wallet to install is for another device key")
        self.wallet = wallet
        self.applet = HceApplet(wallet, self.lock, self.clock, rng=self._rng)
        self.qr = QrDisplay(wallet, self.lock, self.clock, rng=self._rng)

    def reset(self) -> None:
        """The phone left the field or the reader reset it."""
        self.applet.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        """HCE routes the command to the apCV applet."""
        return self.applet.process_apdu(apdu)

    def qr_payload(self) -> str | None:
        """The QR the app shows now (a rotating token while unlocked), or None."""
        return self.qr.qr_payload()

    def qr_frame(self) -> np.ndarray | None:
        """The QR screen as a grayscale frame (what a camera sees), or None when no QR is shown."""
        payload = self.qr_payload()
        return None if payload is None else render_qr(payload, scale=SCREEN_MODULE_PX)

    def unlock(self, code: str | None = None) -> None:
        """Unlock with the secret code (the right one when ``code`` is None)."""
        self.lock.unlock_with_code(self.lock.code if code is None else code)

    def enter_code(self, code: str) -> dict[str, object]:
        """A person types ``code`` on the lock screen (the act; the app may refuse it): what the
        app did, ``{"unlocked": True}``, or ``{"unlocked": False, "refused": <its message>}``."""
        return self._attempt(lambda: self.lock.unlock_with_code(code))

    def biometric(self, result: str = "match") -> dict[str, object]:
        """A biometric attempt with the enrolled face or finger (``match``) or another
        (``mismatch``): what the app did, as :meth:`enter_code`."""
        if result not in BIOMETRIC_RESULTS:
            raise ApcvError(f"biometric result {result!r}: one of {', '.join(BIOMETRIC_RESULTS)}")
        return self._attempt(lambda: self.lock.unlock_with_biometrics(matching=result == "match"))

    def reactivate(self, code: str) -> dict[str, object] | None:
        """Re-activation after a block: the app gets ``code`` and a full set of tries, locked;
        None, or ``{"refused": <the app's message>}`` for a code that is not 4 digits (the app
        left as it was)."""
        try:
            self.lock.reactivate(code)
        except ApcvError as exc:
            return {"refused": str(exc)}  # pragma: no mutate
        return None

    def _attempt(self, unlock: Callable[[], None]) -> dict[str, object]:
        try:
            unlock()
        except UnlockError as exc:
            return {"unlocked": False, "refused": str(exc)}  # pragma: no mutate
        return {"unlocked": True}  # pragma: no mutate

"""What the scanner plan shows on the display: the phones' codes, pictures of codes under a
camera condition, and a code that is not a token."""

from __future__ import annotations

import time

import numpy as np

from apcv.clock import FrozenClock
from apcv.imaging.conditions import SCREEN_MODULE_PX, Condition
from apcv.imaging.qr_render import render_qr
from apcv.profile.r1.constants import QR_ROTATION_S
from apcv.seeded_keys import synthetic_insurer
from harness.rig import RigConfig
from simulators.factory import delegated_phone, synthetic_phone
from simulators.phone.phone import Phone

DELEGATE_SEED_OFFSET = 1000
"""The delegate (a grandparent minding the children) is the synthetic person of seed + this."""


class PlanPhones:
    """The rig's simulated phone (the holder's), and the delegate's phone carrying the holder's
    card, on one frozen clock the plan moves to rotate their codes."""

    def __init__(self, rig: RigConfig) -> None:
        role = rig.roles.phone
        if role is None or not role.simulated:
            raise ValueError(f"rig '{rig.name}' has no simulated phone")
        insurer = synthetic_insurer(rig.seed)
        self.clock = FrozenClock(time.time())
        self.holder = synthetic_phone(role.seed, insurer, self.clock, code=role.code)
        self.delegate = delegated_phone(role.seed, role.seed + DELEGATE_SEED_OFFSET, insurer, self.clock,
                                        code=role.code)

    def rotate(self) -> None:
        """The next rotation period: every phone shows a new code (unlocked again after 15 min)."""
        self.clock.advance(QR_ROTATION_S)
        for phone in (self.holder, self.delegate):
            if phone.qr_payload() is None:
                phone.unlock()

    def longest(self) -> Phone:
        """The phone showing the longest token there is: a beneficiary's, or the holder's, on
        the delegate's phone or the holder's (the delegate's on a tie); it shows that token
        until :meth:`rotate`."""
        best: tuple[int, Phone, str | None] | None = None
        for phone in (self.delegate, self.holder):
            people = [None, *(b.identity.nir for b in phone.wallet.insured.beneficiaries)]
            for nir in people:
                phone.qr.select(nir)
                length = len(phone.qr_payload() or "")
                if best is None or length > best[0]:
                    best = (length, phone, nir)
        assert best is not None
        _, phone, nir = best
        phone.qr.select(nir)
        for other in (self.holder, self.delegate):
            if other is not phone:
                other.qr.select(None)
        return phone


class PictureScreen:
    """One code as a camera condition makes it look, a picture for the display to show."""

    def __init__(self, payload: str, picture: np.ndarray) -> None:
        self.payload = payload
        self.picture = picture

    @classmethod
    def of(cls, phone: Phone, condition: Condition, seed: int) -> PictureScreen:
        """The code ``phone`` shows now, as ``condition`` makes it look (seeded)."""
        payload, screen = phone.qr_payload(), phone.qr_frame()
        assert payload is not None and screen is not None, "the phone shows no code"
        return cls(payload, condition.picture_camera(seed).capture(screen, 1))

    def qr_payload(self) -> str:
        return self.payload

    def qr_picture(self) -> np.ndarray:
        return self.picture


class TextScreen:
    """A QR code of any text (one that is not an APCV1 token), as a phone's screen would show it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def qr_payload(self) -> str:
        return self.text

    def qr_frame(self) -> np.ndarray:
        return render_qr(self.text, scale=SCREEN_MODULE_PX)

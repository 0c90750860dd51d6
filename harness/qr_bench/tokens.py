"""The tokens the bench shows: real R1 tokens of the simulated phone, one per frame.

Even frames carry the holder's token, odd frames a beneficiary's (the longest token, one
more claim), each from a fresh unlock 30 s later so every token is new and valid.
"""

from __future__ import annotations

from apcv.clock import FrozenClock
from apcv.profile.r1.constants import QR_ROTATION_S
from apcv.seeded_keys import synthetic_insurer
from simulators.factory import synthetic_phone

PHONE_SEED = 2
"""The synthetic insured of the software rig's phone (two children)."""


def bench_tokens(count: int, seed: int = PHONE_SEED) -> list[str]:
    """``count`` distinct ``APCV1:`` tokens, holder and beneficiary in turn."""
    clock = FrozenClock()
    phone = synthetic_phone(seed, synthetic_insurer(0), clock)
    children = [b.identity.nir for b in phone.wallet.insured.beneficiaries]
    tokens = []
    for index in range(count):
        clock.advance(QR_ROTATION_S)
        phone.unlock()
        phone.qr.select(children[index // 2 % len(children)] if index % 2 and children else None)
        token = phone.qr_payload()
        if token is None:
            raise RuntimeError("the unlocked simulated phone showed no QR token")
        tokens.append(token)
    return tokens

"""A simulated France Identité provider: proves to the insurer who enrols a device.

The real service reads the holder's identity card (NFC, with its PIN) and vouches for the
person. The simulation vouches for the NIR of the person it is given, as the app does for the
holder of the card in hand: a scenario playing an attacker asks it only for the attacker's own
NIR. Assertions are signed with the provider key of the rig's seed, which the backend trusts
(:func:`apcv.seeded_keys.france_identite_key`), last 120 s and name the audience and the
device key they enrol (:mod:`apcv.identity_proof`).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import Clock, WallClock
from apcv.identity_proof import INSURER_AUDIENCE, LIFETIME_S, issue_assertion
from apcv.profile.r1.qr import key_id
from apcv.seeded_keys import france_identite_key


class FranceIdentite:
    """The provider of one seed, on one clock."""

    def __init__(self, seed: int = 0, clock: Clock | None = None,
                 key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self.key = key or france_identite_key(seed)
        self.clock = clock or WallClock()

    def prove(self, nir: str, device_key: ec.EllipticCurvePublicKey, *, audience: str = INSURER_AUDIENCE,
              lifetime_s: int = LIFETIME_S) -> str:
        """The base64 assertion that the person of ``nir`` enrols ``device_key`` now."""
        return issue_assertion(self.key, nir, key_id(device_key), int(self.clock.now()), audience=audience,
                               lifetime_s=lifetime_s)

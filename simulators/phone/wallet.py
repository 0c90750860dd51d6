"""What the apCV app holds: the insured's data, the device key and its certificate."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.people import Insured
from apcv.profile.r1.credentials import Insurer


@dataclass(frozen=True)
class Wallet:
    """The digital card of one insured on one phone."""

    insured: Insured
    card_reference: str
    device_key: ec.EllipticCurvePrivateKey
    device_certificate_der: bytes

    @classmethod
    def activate(
        cls,
        insured: Insured,
        insurer: Insurer,
        card_reference: str,
        device_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> Wallet:
        """Activation in software: a device key, certified by the insurer."""
        key = device_key or ec.generate_private_key(ec.SECP256R1())
        cert = insurer.issue_device_certificate(key.public_key(), card_reference)
        return cls(insured, card_reference, key, cert.public_bytes(Encoding.DER))

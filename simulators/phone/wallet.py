"""What the apCV app holds: the insured's data, the device key, its certificate and the card data
the insurer signed for this device."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.people import Insured
from apcv.profile.r1.credentials import Insurer
from apcv.profile.r1.issuer_signed import IssuerSigned


@dataclass(frozen=True)
class Wallet:
    """The digital card of one insured on one phone.

    ``card_data`` is what the insurer signed at activation (or for a delegation) for this
    device key; NFC presentations carry it. A wallet without it can only show QR tokens.
    """

    insured: Insured
    card_reference: str
    device_key: ec.EllipticCurvePrivateKey
    device_certificate_der: bytes | None
    card_data: IssuerSigned | None = None

    @classmethod
    def activate(
        cls,
        insured: Insured,
        insurer: Insurer,
        card_reference: str,
        device_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> Wallet:
        """Activation in software: a device key, certified by the insurer, and the signed card data."""
        key = device_key or ec.generate_private_key(ec.SECP256R1())
        cert = insurer.issue_device_certificate(key.public_key(), card_reference)
        card_data = insurer.issue_card_data(insured, card_reference, key.public_key())
        return cls(insured, card_reference, key, cert.public_bytes(Encoding.DER), card_data)

    @classmethod
    def from_activation(cls, insured: Insured, device_key: ec.EllipticCurvePrivateKey,
                        answer: dict[str, Any]) -> Wallet:
        """The wallet an active activation answer (or a delegated card) gives the phone: card
        reference, card data and, if given, the device certificate (base64 fields)."""
        certificate = answer.get("device_certificate")
        return cls(insured, answer["card_reference"], device_key,
                   base64.b64decode(certificate) if certificate else None,
                   IssuerSigned.from_bytes(base64.b64decode(answer["card_data"])))

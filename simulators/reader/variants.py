"""Faulty reader kernels: the reference kernel with one check or step broken each.

They prove the reader plan can fail: each must fail it on the requirement in ``breaks``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from apcv.clock import to_datetime
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu, ResponseApdu
from apcv.profile.r1.credentials import TrustAnchor
from apcv.profile.r1.presentation import PresentationClaims, verify_presentation
from simulators.reader.errors import NoApcvApplication
from simulators.reader.kernel import ReaderKernel, _parse
from simulators.variant import UnknownVariant, Variant

ROLE = "reader"


class _DatelessTrust:
    """A trust anchor that checks a certificate's issuer but not its validity dates."""

    def __init__(self, trust: TrustAnchor) -> None:
        self._trust = trust

    def verify_device_certificate(self, der: bytes, at: datetime) -> x509.Certificate:
        start = x509.load_der_x509_certificate(der).not_valid_before_utc
        return self._trust.verify_device_certificate(der, start + timedelta(seconds=1))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._trust, name)


class _AcceptsExpiredCertificate(ReaderKernel):
    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        claims, _ = verify_presentation(signed, _DatelessTrust(self.trust), to_datetime(self.clock),  # type: ignore[arg-type]
                                        transcript_hash=transcript_hash, challenge=challenge)
        return claims


class _SkipsSignatureCheck(ReaderKernel):
    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        _, payload = cose.peek(signed)
        return PresentationClaims.from_cbor(payload)


class _IgnoresSessionBinding(ReaderKernel):
    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        claims, _ = verify_presentation(signed, self.trust, to_datetime(self.clock))
        return claims


class _NoResponseChaining(ReaderKernel):
    def exchange(self, cmd: CommandApdu) -> ResponseApdu:
        return _parse(self.transport.transceive(cmd.encode()))


class _NoCardFallback(ReaderKernel):
    def _read_card(self, beneficiary: int, lap) -> dict[str, Any]:
        raise NoApcvApplication("the presented device has no apCV applet")


_CLASSES: dict[str, tuple[Variant, type[ReaderKernel]]] = {
    v.name: (v, cls) for v, cls in (
        (Variant("reader-accepts-expired-certificate", ROLE,
                 "accepts a device certificate past its validity dates", ("APCV-RDR-004",)),
         _AcceptsExpiredCertificate),
        (Variant("reader-skips-signature-check", ROLE,
                 "decodes the presentation without checking its signature", ("APCV-RDR-004",)),
         _SkipsSignatureCheck),
        (Variant("reader-ignores-session-binding", ROLE,
                 "accepts a presentation bound to another session", ("APCV-RDR-004",)),
         _IgnoresSessionBinding),
        (Variant("reader-no-61xx-chaining", ROLE,
                 "does not follow 61XX with GET RESPONSE", ("APCV-RDR-002",)),
         _NoResponseChaining),
        (Variant("reader-no-card-fallback", ROLE,
                 "does not fall back to the card application on 6A82", ("APCV-RDR-001",)),
         _NoCardFallback),
    )
}

VARIANTS: dict[str, Variant] = {name: variant for name, (variant, _) in _CLASSES.items()}


def faulty_kernel_class(name: str) -> type[ReaderKernel]:
    """The reader kernel class of the faulty variant ``name``."""
    if name not in _CLASSES:
        raise UnknownVariant(f"unknown reader variant '{name}'; known: {', '.join(sorted(_CLASSES))}")
    return _CLASSES[name][1]

"""Faulty reader kernels: the reference kernel with one check or step broken each.

Each runs inside the reference reader terminal (:mod:`simulators.reader.terminal`, ``--variant``),
a program of its own, and proves the reader plan can fail: each must fail it on the requirement
in ``breaks``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import cbor2

from apcv.clock import to_datetime
from apcv.errors import VerificationError
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu, ResponseApdu
from apcv.profile.r1.issuer_signed import verify_issuer_signed
from apcv.profile.r1.presentation import (
    PresentationClaims,
    check_lifetime,
    claims_from,
    claims_map,
    verify_presentation,
)
from simulators.reader.errors import NoApcvApplication
from simulators.reader.kernel import ReaderKernel, _parse
from simulators.reader.result import ReadResult
from simulators.variant import Variant

ROLE = "reader"


class _AcceptsExpiredCardData(ReaderKernel):
    """Checks the card data as of the day it was issued, so it never expires."""

    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        _, payload = cose.peek(signed)
        raw = claims_map(payload)
        issued = cbor2.loads(cose.peek(raw["iss"]["so"])[1])["from"]
        card = verify_issuer_signed(raw["iss"], self.trust, datetime.fromtimestamp(issued, UTC))
        cose.verify(signed, card.device_key)
        claims = claims_from(raw, card)
        check_lifetime(claims, to_datetime(self.clock))
        if (claims.transcript_hash, claims.challenge) != (transcript_hash, challenge):
            raise VerificationError("presentation is bound to another session")
        return claims


class _SkipsSignatureCheck(ReaderKernel):
    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        _, payload = cose.peek(signed)
        raw = claims_map(payload)
        return claims_from(raw, verify_issuer_signed(raw["iss"], self.trust, to_datetime(self.clock)))


class _IgnoresSessionBinding(ReaderKernel):
    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        claims, _ = verify_presentation(signed, self.trust, to_datetime(self.clock))
        return claims


class _NoResponseChaining(ReaderKernel):
    def exchange(self, cmd: CommandApdu) -> ResponseApdu:
        return _parse(self.link.transceive(cmd.encode()))


class _NoCardFallback(ReaderKernel):
    def _read_card(self, beneficiary: int, lap) -> dict[str, Any]:
        raise NoApcvApplication("the presented device has no apCV applet")


class _ShowsTheHolder(ReaderKernel):
    """Reads the beneficiary asked for, then shows the card holder as the patient."""

    def read(self, beneficiary: int = 0) -> ReadResult:
        return replace(super().read(beneficiary), selected=0)


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("reader-accepts-expired-card-data", ROLE,
            "accepts insurer-signed card data past its validity dates", ("APCV-NFC-022",),
            maker=_AcceptsExpiredCardData),
    Variant("reader-skips-signature-check", ROLE,
            "decodes the presentation without checking the device's signature", ("APCV-RDR-004",),
            maker=_SkipsSignatureCheck),
    Variant("reader-ignores-session-binding", ROLE,
            "accepts a presentation bound to another session", ("APCV-RDR-004",),
            maker=_IgnoresSessionBinding),
    Variant("reader-no-61xx-chaining", ROLE,
            "does not follow 61XX with GET RESPONSE", ("APCV-RDR-002",),
            maker=_NoResponseChaining),
    Variant("reader-no-card-fallback", ROLE,
            "does not fall back to the card application on 6A82", ("APCV-RDR-001",),
            maker=_NoCardFallback),
    Variant("reader-shows-holder-for-beneficiary", ROLE,
            "shows the card holder when a beneficiary was selected", ("APCV-RDR-005",),
            maker=_ShowsTheHolder),
)}
"""The reader kernel's faulty variants by name; ``VARIANTS[name].build(link, trust, ...)`` is the
kernel, built as :class:`ReaderKernel` is."""

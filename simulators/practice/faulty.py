"""Faulty billing programs: the reference with one step broken each.

Each must fail the practice-software plan on the requirement its record
(:mod:`simulators.practice.variants`) names; ``apcv-hil practice bill --variant NAME`` runs one.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from apcv.errors import ApcvError
from apcv.profile.r1 import qr
from simulators.practice.billing import BillingOrder, Log, ReferenceBilling, Refusal, Verified
from simulators.practice.variants import ROLE, VARIANTS
from simulators.reader.result import ReadResult
from simulators.variant import pick

REQUESTS_TRACE = "/tmp/apcv-practice-requests.log"
"""Where the variant that keeps its requests writes them: the machine's /tmp, whatever TMPDIR says."""
RIGHTS_CACHE = Path("rights-cache.json")
"""Where the cached-rights variant keeps rights between runs (in its working folder)."""


class _TrustsQrContent(ReferenceBilling):
    def verify_qr(self, text: str) -> Verified:
        try:
            token = qr.decode(text)
        except ApcvError as exc:
            raise Refusal("unreadable", f"the QR cannot be decoded: {exc}") from None
        self.log(f"QR for card {token.claims.card_reference}: billing it as scanned")
        return Verified("qr", token.claims.token_id.hex(), "")

    def rights(self, nir: str) -> dict[str, Any]:
        if not nir:  # the QR names no person: the card's rights are assumed open
            return {"fund_code": "000", "regime_code": "01", "rights_open": True}
        return super().rights(nir)


class _BillsWithoutVerification(ReferenceBilling):
    def verify_read(self, read: ReadResult) -> Verified:
        token = read.token_id.hex() if read.token_id else secrets.token_hex(16)
        return Verified("card" if read.kind == "card" else "nfc", token, read.selected_identity.nir)


class _ReusesCachedRights(ReferenceBilling):
    def rights(self, nir: str) -> dict[str, Any]:
        cache = json.loads(RIGHTS_CACHE.read_text()) if RIGHTS_CACHE.is_file() else {}
        if nir not in cache:
            cache[nir] = super().rights(nir)
            RIGHTS_CACHE.write_text(json.dumps(cache))
        return cache[nir]


class _NewClaimIdOnRetry(ReferenceBilling):
    def claim_id(self, attempt: int, first: str) -> str:
        return first if attempt == 0 else f"FSE-{secrets.token_hex(8)}"


class _IgnoresLock(ReferenceBilling):
    def on_locked(self, asked: bool) -> bool:
        return False


class _LogsFullNir(ReferenceBilling):
    def log_billed(self, verified: Verified, claim_id: str) -> None:
        self.log(f"billed claim {claim_id} for NIR {verified.nir} ({verified.source})")


class _KeepsRequestsInTmp(ReferenceBilling):
    def rights(self, nir: str) -> dict[str, Any]:
        spaced = " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))
        with open(REQUESTS_TRACE, "a", encoding="utf-8") as trace:  # /tmp, not TMPDIR
            trace.write(f"GET {self.order.backend}/v1/rights/{quote(spaced)}\n")
        return super().rights(nir)


class _AddsASupplement(ReferenceBilling):
    def acts(self) -> list[dict[str, Any]]:
        return [*super().acts(), {"code": "MCS", "amount_cents": 500}]

    def reported_total(self, ack: dict[str, Any]) -> int:
        return self.order.amount_cents


class _BillsAnotherAct(ReferenceBilling):
    def acts(self) -> list[dict[str, Any]]:
        return [{"code": "C" if self.order.act != "C" else "G", "amount_cents": self.order.amount_cents}]


def billing_program(variant: str | None, order: BillingOrder, log: Log) -> ReferenceBilling:
    """The reference billing program, or its faulty variant ``variant``."""
    if variant is None:
        return ReferenceBilling(order, log)
    return pick(VARIANTS, ROLE, variant).build(order, log)

"""Receipts kept on the phone once downloaded from the insurer backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ReceiptStore:
    """The app's receipts: each downloaded once, then kept on the phone."""

    def __init__(self) -> None:
        self._receipts: dict[str, dict[str, Any]] = {}

    def sync(self, download: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Download new receipts with ``download``; return the ones not seen before."""
        new = [r for r in download() if r["receipt_id"] not in self._receipts]
        for receipt in new:
            self._receipts[receipt["receipt_id"]] = receipt
        return new

    @property
    def receipts(self) -> list[dict[str, Any]]:
        """Every receipt on the phone, oldest first."""
        return sorted(self._receipts.values(), key=lambda r: r["created_at"])

    def claim_ids(self) -> list[str]:
        """Claim ids of the receipts on the phone, oldest first."""
        return [r["claim_id"] for r in self.receipts]

"""Judging a billing program from what it printed and what the insurer's audit log says it asked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from apcv.nir import format_nir, mask_nir
from harness.practice.dut import Billing
from simulators.practice.contract import Billed, Refused

WAIT_S = 10.0


def keep(billing: Billing, record_property, label: str = "dut run") -> None:
    """Attach a (shared) visit's run to this test's report."""
    for name, value in billing.properties(label).items():
        record_property(name, value)


def assert_billed(billing: Billing, *, source: str, person: str, amount: int) -> str:
    """The program billed ``person`` (a NIR) from ``source``; the claim id the insurer acknowledged."""
    acknowledged = billing.acknowledged_claims()
    assert acknowledged, f"the insurer acknowledged no claim; what the program asked it: {billing.audit}"
    claim_id = acknowledged[0]["claim_id"]
    if billing.result is not None:
        assert isinstance(billing.result, Billed), f"the program refused: {billing.result}"
        assert billing.result.source == source
        assert billing.result.total_cents == amount
        assert billing.result.beneficiary == mask_nir(person)
        assert billing.result.claim_id == claim_id
    verified = [e for e in billing.verifications() if e["status"] == 200]
    assert verified and verified[0]["person"] == mask_nir(person), "the verified presentation is not for " \
        f"{mask_nir(person)}: {verified}"
    return claim_id


def assert_verified_once(billing: Billing, operation: str) -> None:
    """One verification (``operation``) by the insurer, before any claim, and the claims name its token."""
    verifications = billing.verifications()
    assert [e["operation"] for e in verifications] == [operation], \
        f"expected one {operation} request, the program made: {verifications}"
    verification = verifications[0]
    assert verification["status"] == 200, f"the insurer refused the verification: {verification}"
    claims = billing.claims()
    assert claims, "no claim was sent"
    assert all(c["seq"] > verification["seq"] for c in claims), "a claim was sent before the verification"
    assert {c["token_id"] for c in claims} == {verification["token_id"]}, \
        "the claim names another token than the one verified"


def assert_refused(billing: Billing) -> None:
    """Refused, with a one-line message, and no claim sent."""
    if billing.result is not None:
        assert isinstance(billing.result, Refused), f"the program billed: {billing.result}"
    assert billing.claims() == [], f"the program sent a claim: {billing.claims()}"


def whole_nirs(text: str, nirs: set[str]) -> list[str]:
    """The NIRs of ``nirs`` written whole in ``text`` (masked, for the message)."""
    return sorted(mask_nir(n) for n in nirs if n in text or format_nir(n) in text)


def written_text(folder: Path) -> str:
    """Everything the program left in its working folder (text files, bounded)."""
    return "\n".join(p.read_bytes()[:1 << 20].decode("utf-8", errors="replace")
                     for p in sorted(folder.rglob("*")) if p.is_file())


def wait_until(condition, what: str, timeout: float = WAIT_S) -> None:
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g} s", pytrace=False)
        time.sleep(0.05)

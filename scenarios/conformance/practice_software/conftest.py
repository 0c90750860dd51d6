"""Judging a billing program from what it printed and what the insurer's audit log says it asked."""

from __future__ import annotations

import time

import pytest

from apcv.nir import mask_nir
from apcv.nir_spellings import nirs_written
from harness.practice.dut import Billing
from simulators.practice.contract import Billed, Refused

WAIT_S = 10.0


def keep(billing: Billing, record_property, label: str = "dut run") -> None:
    """Attach a (shared) visit's run to this test's report."""
    for name, value in billing.properties(label).items():
        record_property(name, value)


def assert_billed(billing: Billing, *, source: str, person: str, amount: int) -> str:
    """The program billed ``person`` (a NIR) from ``source``, judged first at the insurer (the claim it
    stored: the person, each act and amount, as its audit log says) then on what the program printed;
    the claim id the insurer acknowledged."""
    acknowledged = billing.acknowledged_claims()
    assert acknowledged, f"the insurer acknowledged no claim; what the program asked it: {billing.audit}"
    stored = acknowledged[0]
    claim_id = stored["claim_id"]
    asked_amount, act = billing.asked
    assert asked_amount == amount
    assert stored.get("person") == mask_nir(person), \
        f"the insurer stored a claim for {stored.get('person')}, not for {mask_nir(person)}"
    assert stored.get("acts") == [{"code": act, "amount_cents": amount}], \
        f"the insurer stored the acts {stored.get('acts')}, not act {act} for {amount} cents"
    assert stored.get("total_cents") == amount, \
        f"the insurer stored {stored.get('total_cents')} cents, not {amount}"
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
    """The NIRs of ``nirs`` written in ``text`` in any spelling, with or without their key (masked,
    for the message)."""
    written = nirs_written(text)
    return sorted(mask_nir(n) for n in nirs if n[:13] in written)


def wait_until(condition, what: str, timeout: float = WAIT_S) -> None:
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g} s", pytrace=False)
        time.sleep(0.05)

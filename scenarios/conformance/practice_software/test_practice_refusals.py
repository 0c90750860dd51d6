"""Presentations a billing program must refuse, with a message and no claim: an untrusted phone over NFC,
an expired, a tampered and an untrusted QR (APCV-PS-006; a replayed QR is in test_practice_billing)."""

from __future__ import annotations

import pytest

from harness.practice.hostile_qr import expired_qr, tampered_qr, untrusted_qr
from scenarios.conformance.practice_software.conftest import assert_refused


@pytest.mark.apcv_requirement("APCV-PS-006")
def test_untrusted_phone_is_refused(practice_world, billing_dut):
    practice_world.tap("parent-uncertified")
    assert_refused(billing_dut.bill(who="the patient (a phone the insurer never certified)"))


@pytest.mark.apcv_requirement("APCV-PS-006")
@pytest.mark.parametrize("kind", ["expired", "tampered", "untrusted"])
def test_bad_qr_is_refused(kind, practice_world, billing_dut):
    if problem := billing_dut.qr_problem():
        pytest.skip(problem)
    wallet = practice_world.wallets["parent"]
    text = {"expired": lambda: expired_qr(wallet.card_reference, wallet.key),
            "tampered": lambda: tampered_qr(practice_world.qr_of("parent")),
            "untrusted": lambda: untrusted_qr(wallet.card_reference, practice_world.config.seed)}[kind]()
    billing = billing_dut.bill(qr=text, who=f"the patient (an {kind} QR)")
    assert_refused(billing)
    assert all(e["status"] != 200 for e in billing.verifications()), "the insurer verified it"

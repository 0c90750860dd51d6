"""A locked app, the card, rights that changed since the last visit, a claim whose answer the network
lost (APCV-PS-002, 004, 005, 007, 008)."""

from __future__ import annotations

import pytest

from harness.practice.cast import with_other_fund
from scenarios.conformance.practice_software.conftest import (
    assert_billed,
    assert_verified_once,
    wait_until,
)


@pytest.mark.apcv_requirement("APCV-PS-004")
def test_locked_app_is_asked_to_unlock_then_billed(practice_world, billing_dut):
    parent = practice_world.cast.parent

    def unlock_once_the_program_met_the_lock() -> None:
        wait_until(lambda: practice_world.device_state("parent")["locked_answers"] > 0,
                   "the program reading the locked phone")
        practice_world.act("unlock", device="parent")

    practice_world.act("lock", device="parent")
    try:
        practice_world.tap("parent")
        billing = billing_dut.bill(during=unlock_once_the_program_met_the_lock,
                                   who="the card holder (app locked)")
    finally:
        practice_world.act("unlock", device="parent")
    assert_billed(billing, source="nfc", person=parent.identity.nir, amount=2500)
    assert len(billing.verifications()) == 1


@pytest.mark.apcv_requirement("APCV-PS-005", "APCV-PS-002")
def test_card_is_read_verified_once_and_billed(practice_world, billing_dut, blame):
    practice_world.tap("parent-card")
    billing = billing_dut.bill(beneficiary=0, who="the card holder (physical card)")
    with blame("APCV-PS-002"):
        assert_verified_once(billing, "verify-card")
    with blame("APCV-PS-005"):
        assert_billed(billing, source="card", person=practice_world.cast.parent.identity.nir, amount=2500)


@pytest.mark.apcv_requirement("APCV-PS-007")
def test_rights_are_fetched_at_every_billing(practice_world, billing_dut):
    co_parent = practice_world.cast.co_parent
    nir = co_parent.identity.nir
    practice_world.tap("co-parent")
    first = billing_dut.bill(who="the co-parent (first visit)")
    assert_billed(first, source="nfc", person=nir, amount=2500)
    moved = with_other_fund(co_parent)
    practice_world.backend.provision(practice_world.operator, moved)
    try:
        practice_world.tap("co-parent")
        second = billing_dut.bill(who="the co-parent (second visit, fund changed)")
    finally:
        practice_world.backend.provision(practice_world.operator, co_parent)
    assert_billed(second, source="nfc", person=nir, amount=2500)
    for billing in (first, second):
        rights = billing.operations("rights")
        assert [e["status"] for e in rights] == [200], f"rights asked {len(rights)} times: {rights}"
        assert rights[0]["seq"] > billing.verifications()[0]["seq"] > 0
        assert all(c["seq"] > rights[0]["seq"] for c in billing.claims())
    if second.result is not None:
        assert second.result.rights.fund_code == moved.coverage.fund_code, "billed with old rights"


@pytest.mark.apcv_requirement("APCV-PS-008")
def test_claim_lost_on_the_network_is_resent_under_the_same_id(practice_world, billing_dut):
    parent = practice_world.cast.parent
    practice_world.network.lose_next_answer("POST", "/v1/claims")
    practice_world.tap("parent")
    billing = billing_dut.bill(beneficiary=2, who="the holder's second child (the claim's answer is lost)")
    assert practice_world.network.lost, "the network lost no answer (no claim sent?)"
    claims = billing.claims()
    assert len(claims) >= 2, f"the claim was not sent again: {claims}"
    assert len({c["claim_id"] for c in claims}) == 1, f"the claim was sent again under new ids: {claims}"
    assert [c["status"] for c in claims].count(201) == 1, f"the insurer stored it more than once: {claims}"
    assert_billed(billing, source="nfc", person=parent.beneficiaries[1].identity.nir, amount=2500)

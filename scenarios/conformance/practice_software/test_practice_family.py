"""Beneficiaries and delegations: a child billed from a parent's phone, divorced parents each presenting
their child, a grandparent presenting a grandchild within the delegation's window and after it
(APCV-PS-010, 011, 012)."""

from __future__ import annotations

import pytest

from scenarios.conformance.practice_software.conftest import assert_billed, assert_refused, keep


@pytest.fixture(scope="module")
def shared_child_visits(practice_world, shared_billing_dut):
    """The shared child billed from the parent's phone, then from the co-parent's."""
    cast = practice_world.cast
    practice_world.tap("parent")
    from_parent = shared_billing_dut.bill(beneficiary=cast.shared_child, who="the holder's first child")
    practice_world.tap("co-parent")
    from_co_parent = shared_billing_dut.bill(beneficiary=cast.co_parent_child, who="the same child")
    return from_parent, from_co_parent


@pytest.mark.apcv_requirement("APCV-PS-010")
def test_child_billed_from_a_parent_phone(shared_child_visits, practice_world, record_property):
    from_parent, _ = shared_child_visits
    keep(from_parent, record_property)
    child = practice_world.cast.parent.beneficiaries[practice_world.cast.shared_child - 1]
    assert_billed(from_parent, source="nfc", person=child.identity.nir, amount=2500)


@pytest.mark.apcv_requirement("APCV-PS-011")
def test_divorced_parents_each_present_their_child(shared_child_visits, practice_world, record_property):
    from_parent, from_co_parent = shared_child_visits
    keep(from_parent, record_property, "parent's run")
    keep(from_co_parent, record_property, "co-parent's run")
    child = practice_world.cast.parent.beneficiaries[practice_world.cast.shared_child - 1].identity.nir
    first = assert_billed(from_parent, source="nfc", person=child, amount=2500)
    second = assert_billed(from_co_parent, source="nfc", person=child, amount=2500)
    assert first != second, "both parents' visits ended in one claim"


@pytest.mark.apcv_requirement("APCV-PS-012")
def test_grandparent_billed_within_the_delegation(practice_world, billing_dut):
    cast = practice_world.cast
    practice_world.tap("grandparent")
    billing = billing_dut.bill(beneficiary=cast.delegated_child, who="the grandchild (delegated now)")
    child = cast.parent.beneficiaries[cast.delegated_child - 1].identity.nir
    assert_billed(billing, source="nfc", person=child, amount=2500)


@pytest.mark.apcv_requirement("APCV-PS-012")
def test_grandparent_refused_after_the_delegation(practice_world, billing_dut):
    cast = practice_world.cast
    practice_world.tap("grandparent")
    billing = billing_dut.bill(beneficiary=cast.lapsed_child, who="the grandchild (delegation ended)")
    assert_refused(billing)
    if billing.result is not None:
        assert billing.result.reason == "not_delegated", billing.result

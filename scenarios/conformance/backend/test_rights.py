"""Rights (ADRi) always current, and identity lookups (INSi) by the five strict traits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scenarios.conformance.backend.actors import service_now, service_today
from simulators.phone.offline import wallet_presentation


@pytest.mark.apcv_requirement("APCV-BE-020")
def test_rights_are_current_right_after_a_change(backend, people, activated, provision, doctor):
    wallet = activated(people.adult())
    person = wallet.insured
    nir = person.identity.nir
    before = backend.rights(doctor, nir)
    assert before["rights_open"] is True and before["fund_code"] == person.coverage.fund_code

    yesterday = service_today(backend) - timedelta(days=1)
    fund = "999" if person.coverage.fund_code != "999" else "998"
    changed = dataclasses.replace(person, coverage=dataclasses.replace(
        person.coverage, fund_code=fund, fund_name="Caisse de test", rights_until=yesterday))
    provision(changed)
    after = backend.rights(doctor, nir)
    assert (after["rights_open"], after["rights_until"], after["fund_code"]) == (
        False, yesterday.isoformat(), fund)
    verified = backend.verify(doctor, wallet_presentation(wallet, service_now(backend)))["rights"]
    assert (verified["rights_open"], verified["fund_code"]) == (False, fund)

    provision(person)  # rights open again
    assert backend.rights(doctor, nir)["rights_open"] is True


def _traits(person) -> dict[str, str]:
    identity = person.identity
    return {"birth_name": identity.birth_name, "first_name": identity.first_names[0],
            "birth_date": identity.birth_date.isoformat(), "sex": identity.sex,
            "birthplace": identity.birthplace}


BIRTHPLACES = {
    "in mainland France": lambda code: code[:2].isdigit() and code[:2] not in ("97", "98", "99"),
    "in Corsica": lambda code: code[:2] in ("2A", "2B"),
    "overseas": lambda code: code[:2] in ("97", "98"),
    "abroad": lambda code: code[:2] == "99",
}


@pytest.mark.apcv_requirement("APCV-BE-021")
def test_insi_answers_00_01_02(backend, people, provision, doctor):
    for where, born_in in BIRTHPLACES.items():
        one = people.adult(born_in=born_in)
        provision(one)
        found = backend.insi(doctor, _traits(one))
        assert found["result"] == "00" and found["identity"]["nir"] == one.identity.nir, where

    assert backend.insi(doctor, _traits(people.adult()))["result"] == "01"  # never registered

    first = people.adult()
    provision(first)
    provision(people.twin_of(first))
    several = backend.insi(doctor, _traits(first))
    assert several["result"] == "02" and not several.get("identity")

"""Delegations: the delegate's phone presents the chosen beneficiaries of the holder's card, for a
limited time, until the holder revokes it."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from apcv.profile.r1.issuer_signed import IssuerSigned, verify_issuer_signed
from scenarios.conformance.backend.actors import (
    carried_card,
    new_device_key,
    refusal,
    send_presentation,
    send_qr,
    service_now,
)
from simulators.backend.client import Signer
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet

HOUR_S = 3600


@dataclass
class Family:
    """A holder with two beneficiaries, and another adult who may carry the card."""

    holder: Wallet
    delegate: Wallet
    carried: Wallet
    """The holder's card on the delegate's phone."""

    def delegate_children(self, backend, first: int, last: int, *which: int) -> dict:
        """Delegate beneficiaries ``which`` (1 = the first) from ``first`` to ``last`` seconds from now."""
        now = service_now(backend)
        nirs = [self.holder.insured.beneficiaries[i - 1].identity.nir for i in which]
        return backend.delegate(self.holder.device_key, self.delegate.insured.identity.nir, nirs,
                                now + first, now + last)


@pytest.fixture
def family(people, activated) -> Family:
    holder = activated(people.adult(children=2))
    delegate = activated(people.adult())
    return Family(holder, delegate, carried_card(holder, delegate))


def _present(backend, family: Family, doctor, selected: int):
    return send_qr(backend, doctor, wallet_qr_token(family.carried, service_now(backend), selected=selected))


def _tap(backend, family: Family, made: dict, doctor, selected: int):
    """The delegate's phone presents over NFC, with the card data the insurer signed for it."""
    card = backend.delegated_card(family.delegate.device_key, made["delegation_id"])
    carried = Wallet.from_activation(family.holder.insured, family.delegate.device_key, card)
    return lambda: send_presentation(backend, doctor, wallet_presentation(carried, service_now(backend),
                                                                          selected=selected))


@pytest.mark.apcv_requirement("APCV-BE-040")
def test_the_delegate_presents_the_chosen_beneficiary(backend, family, doctor):
    family.delegate_children(backend, -60, HOUR_S, 1)
    answer = _present(backend, family, doctor, 1)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    child = family.holder.insured.beneficiaries[0].identity.nir
    assert (body["identity"]["nir"], body["rights"]["nir"], body["delegated"]) == (child, child, True)


@pytest.mark.apcv_requirement("APCV-BE-041")
def test_a_delegation_does_not_start_early(backend, family, doctor):
    family.delegate_children(backend, HOUR_S, 2 * HOUR_S, 1)
    assert refusal(_present(backend, family, doctor, 1)) == (403, "not_delegated")


@pytest.mark.apcv_requirement("APCV-BE-041")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_delegation_ends(backend, family, doctor, advance_clock):
    family.delegate_children(backend, -60, 600, 1)
    assert _present(backend, family, doctor, 1).status_code == 200
    advance_clock(601)
    assert refusal(_present(backend, family, doctor, 1)) == (403, "not_delegated")


@pytest.mark.apcv_requirement("APCV-BE-041")
def test_a_delegation_does_not_start_early_over_nfc(backend, family, doctor):
    tap = _tap(backend, family, family.delegate_children(backend, HOUR_S, 2 * HOUR_S, 1), doctor, 1)
    assert refusal(tap()) == (403, "not_delegated")


@pytest.mark.apcv_requirement("APCV-BE-041")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_delegation_ends_over_nfc(backend, family, doctor, advance_clock):
    tap = _tap(backend, family, family.delegate_children(backend, -60, 600, 1), doctor, 1)
    assert tap().status_code == 200
    advance_clock(601)
    assert refusal(tap()) == (403, "not_delegated")


@pytest.mark.apcv_requirement("APCV-BE-042")
def test_a_delegation_covers_only_the_chosen_beneficiaries(backend, people, family, doctor):
    family.delegate_children(backend, -60, HOUR_S, 1)
    assert refusal(_present(backend, family, doctor, 2)) == (403, "not_delegated")  # the other child
    assert refusal(_present(backend, family, doctor, 0)) == (403, "not_delegated")  # the holder
    now = service_now(backend)
    stranger = people.adult().identity.nir
    answer = backend.send("POST", "/v1/delegations",
                          {"delegate_nir": family.delegate.insured.identity.nir, "beneficiaries": [stranger],
                           "valid_from": now, "valid_until": now + HOUR_S},
                          Signer.device(family.holder.device_key), {"Idempotency-Key": secrets.token_hex(8)})
    assert refusal(answer) == (422, "not_a_beneficiary"), answer.text


@pytest.mark.apcv_requirement("APCV-BE-043")
def test_a_revoked_delegation_stops_at_once(backend, family, doctor):
    made = family.delegate_children(backend, -60, HOUR_S, 1)
    assert _present(backend, family, doctor, 1).status_code == 200
    revoked = backend.revoke_delegation(family.holder.device_key, made["delegation_id"])
    assert revoked["revoked_at"] is not None
    assert refusal(_present(backend, family, doctor, 1)) == (403, "not_delegated")


def _ask_delegation(backend, family: Family, start: float, end: float, delegate_nir: str | None = None):
    """The holder's raw request for a delegation of the first child from ``start`` to ``end``."""
    child = family.holder.insured.beneficiaries[0].identity.nir
    return backend.send("POST", "/v1/delegations",
                        {"delegate_nir": delegate_nir or family.delegate.insured.identity.nir,
                         "beneficiaries": [child], "valid_from": start, "valid_until": end},
                        Signer.device(family.holder.device_key), {"Idempotency-Key": secrets.token_hex(8)})


@pytest.mark.apcv_requirement("APCV-BE-041")
def test_a_delegation_window_is_checked_at_its_bounds(backend, family):
    now = int(service_now(backend))
    assert refusal(_ask_delegation(backend, family, now + 60, now + 60))[0] == 422  # ends as it starts
    year = 366 * 24 * HOUR_S
    assert refusal(_ask_delegation(backend, family, now, now + year + 1))[0] == 422  # over 366 days
    assert _ask_delegation(backend, family, now, now + year).status_code == 201


@pytest.mark.apcv_requirement("APCV-BE-041")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_delegation_is_over_at_its_end_second(backend, family, doctor, advance_clock):
    family.delegate_children(backend, -60, 600, 1)
    advance_clock(600)
    assert refusal(_present(backend, family, doctor, 1)) == (403, "not_delegated")


@pytest.mark.apcv_requirement("APCV-BE-042")
def test_a_card_is_delegated_only_to_a_known_person(backend, family, people):
    now = service_now(backend)
    stranger = people.adult().identity.nir  # never registered at the insurer
    answer = _ask_delegation(backend, family, now, now + HOUR_S, stranger)
    assert refusal(answer)[0] == 404, answer.text


@pytest.mark.apcv_requirement("APCV-BE-043")
def test_the_delegated_card_is_for_the_delegate_and_not_once_revoked(backend, family, people, activated):
    made = family.delegate_children(backend, -60, HOUR_S, 1)
    path = f"/v1/delegations/{made['delegation_id']}/card"
    other = activated(people.adult())
    assert refusal(backend.send("GET", path, None, Signer.device(other.device_key))) == \
        (404, "unknown_delegation")
    backend.revoke_delegation(family.holder.device_key, made["delegation_id"])
    assert refusal(backend.send("GET", path, None, Signer.device(family.delegate.device_key))) == \
        (409, "delegation_over")


@pytest.mark.apcv_requirement("APCV-BE-041")
def test_the_delegated_card_data_is_valid_for_the_window_exactly(backend, family, insurer_root):
    """The card data the insurer signs for the delegate's phone ends when the delegation ends (a
    month: a day's worth of rounding would show as seconds)."""
    made = family.delegate_children(backend, -60, 30 * 24 * HOUR_S, 1)
    card = backend.delegated_card(family.delegate.device_key, made["delegation_id"])
    data = IssuerSigned.from_bytes(base64.b64decode(card["card_data"]))
    verified = verify_issuer_signed(data.to_cbor_value(), insurer_root,
                                    datetime.fromtimestamp(service_now(backend), UTC))
    assert abs(verified.valid_until - made["valid_until"]) <= 1, (verified.valid_until, made["valid_until"])


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_a_delegation_names_at_most_twelve_people(backend, family):
    now = service_now(backend)
    holder = family.holder.insured.identity.nir

    def ask(count: int):
        body = {"delegate_nir": family.delegate.insured.identity.nir, "beneficiaries": [holder] * count,
                "valid_from": now, "valid_until": now + HOUR_S}
        return backend.send("POST", "/v1/delegations", body, Signer.device(family.holder.device_key),
                            {"Idempotency-Key": secrets.token_hex(8)})

    assert refusal(ask(13))[0] == 422
    assert ask(12).status_code == 201


@pytest.mark.apcv_requirement("APCV-BE-004", "APCV-BE-040")
def test_a_delegated_card_stops_when_the_holder_re_enrols(backend, family, doctor, enrol, blame):
    tap = _tap(backend, family, family.delegate_children(backend, -60, HOUR_S, 1), doctor, 1)
    with blame("APCV-BE-040"):
        assert tap().status_code == 200
    with blame("APCV-BE-004"):  # the new activation replaced the card the delegate carries
        assert enrol(family.holder.insured, key=new_device_key()).status_code == 201
        assert refusal(tap()) == (403, "card_replaced")

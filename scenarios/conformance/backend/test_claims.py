"""Claims (FSE) idempotent and stored; receipts downloadable for 7 days, then gone."""

from __future__ import annotations

import secrets

import pytest

from apcv.profile.r1.constants import CLAIM_CEILING_CENTS, CLAIM_WINDOW_S
from scenarios.conformance.backend.actors import refusal, service_now
from simulators.phone.offline import wallet_presentation

WEEK_S = 7 * 24 * 3600
ACTS = [{"code": "G", "amount_cents": 3000}]


def _claim_id() -> str:
    return f"plan-{secrets.token_hex(8)}"


def _verified_token(backend, wallet, practitioner, selected: int = 0) -> str:
    return backend.verify(practitioner, wallet_presentation(wallet, service_now(backend), selected=selected))[
        "token_id"]


def _submit(backend, practitioner, claim_id: str, token_id: str, acts=ACTS):
    return backend.send("POST", "/v1/claims", {"claim_id": claim_id, "token_id": token_id, "acts": acts},
                        practitioner)


def _receipt_claims(backend, wallet) -> list[str]:
    return [r["claim_id"] for r in backend.receipts(wallet.device_key)]


@pytest.mark.apcv_requirement("APCV-BE-030")
def test_claims_are_idempotent_by_claim_id(backend, people, activated, doctor, pharmacist):
    wallet = activated(people.adult())
    token = _verified_token(backend, wallet, doctor)
    claim_id = _claim_id()
    first = _submit(backend, doctor, claim_id, token)
    assert first.status_code == 201, first.text
    again = _submit(backend, doctor, claim_id, token)
    assert again.status_code == 200 and again.json() == first.json()
    other = _submit(backend, doctor, claim_id, token, [{"code": "G", "amount_cents": 2500}])
    assert refusal(other) == (409, "claim_id_reused")
    assert refusal(_submit(backend, pharmacist, _claim_id(), token))[0] == 404  # not verified by them


@pytest.mark.apcv_requirement("APCV-BE-031")
def test_an_acknowledged_claim_is_stored_and_reaches_the_holder(backend, people, activated, doctor,
                                                                pharmacist):
    wallet = activated(people.adult(children=1))
    child = wallet.insured.beneficiaries[0].identity.nir
    claim_id, token = _claim_id(), _verified_token(backend, wallet, doctor, selected=1)
    ack = _submit(backend, doctor, claim_id, token)
    assert ack.status_code == 201, ack.text
    other_id = _claim_id()
    other = _submit(backend, pharmacist, other_id, _verified_token(backend, wallet, pharmacist),
                    [{"code": "PHMAC", "amount_cents": 1250}])
    assert other.status_code == 201, other.text
    later = _submit(backend, doctor, claim_id, token)
    assert later.status_code == 200 and later.json() == ack.json()
    receipts = {r["claim_id"]: r for r in backend.receipts(wallet.device_key)}
    assert receipts[claim_id]["receipt_id"] == ack.json()["receipt_id"]
    assert (receipts[claim_id]["beneficiary_nir"], receipts[claim_id]["total_cents"]) == (child, 3000)
    assert receipts[other_id]["total_cents"] == 1250


@pytest.mark.apcv_requirement("APCV-BE-032")
def test_each_receipt_is_downloaded_once(backend, people, activated, doctor):
    wallet = activated(people.adult())
    claim_id = _claim_id()
    assert _submit(backend, doctor, claim_id, _verified_token(backend, wallet, doctor)).status_code == 201
    assert _receipt_claims(backend, wallet) == [claim_id]
    assert _receipt_claims(backend, wallet) == []
    assert refusal(backend.send("GET", "/v1/receipts", None, doctor))[0] == 403  # the holder's device only


@pytest.mark.apcv_requirement("APCV-BE-032")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_receipt_is_downloadable_until_the_seventh_day(backend, people, activated, doctor, advance_clock):
    wallet = activated(people.adult())
    claim_id = _claim_id()
    assert _submit(backend, doctor, claim_id, _verified_token(backend, wallet, doctor)).status_code == 201
    advance_clock(WEEK_S - 60)
    assert _receipt_claims(backend, wallet) == [claim_id]


@pytest.mark.apcv_requirement("APCV-BE-033")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_receipt_not_downloaded_within_7_days_is_gone(backend, people, activated, doctor, advance_clock):
    wallet = activated(people.adult())
    forgotten = _claim_id()
    assert _submit(backend, doctor, forgotten, _verified_token(backend, wallet, doctor)).status_code == 201
    advance_clock(WEEK_S + 60)
    fresh = _claim_id()
    assert _submit(backend, doctor, fresh, _verified_token(backend, wallet, doctor)).status_code == 201
    assert _receipt_claims(backend, wallet) == [fresh]


@pytest.mark.apcv_requirement("APCV-BE-034")
def test_one_visit_is_billed_once(backend, people, activated, doctor):
    """A second claim id on a verified token is refused: one verification, one claim."""
    wallet = activated(people.adult())
    token, first_id = _verified_token(backend, wallet, doctor), _claim_id()
    assert _submit(backend, doctor, first_id, token).status_code == 201
    for acts in (ACTS, [{"code": "C", "amount_cents": 2500}]):
        assert refusal(_submit(backend, doctor, _claim_id(), token, acts)) == (409, "token_already_billed")
    assert _submit(backend, doctor, first_id, token).status_code == 200  # its own retry still acknowledged
    assert _receipt_claims(backend, wallet) == [first_id]


@pytest.mark.apcv_requirement("APCV-BE-035")
@pytest.mark.apcv_rig_feature("test-clock")
def test_a_visit_is_billed_within_the_claim_window(backend, people, activated, doctor, advance_clock):
    wallet = activated(people.adult())
    on_time, late = _verified_token(backend, wallet, doctor), _verified_token(backend, wallet, doctor)
    advance_clock(CLAIM_WINDOW_S - 60)
    on_time_id = _claim_id()
    assert _submit(backend, doctor, on_time_id, on_time).status_code == 201
    advance_clock(120)
    assert refusal(_submit(backend, doctor, _claim_id(), late)) == (410, "claim_window_closed")
    assert _submit(backend, doctor, on_time_id, on_time).status_code == 200  # acknowledged claims stay so


@pytest.mark.apcv_requirement("APCV-BE-036")
def test_a_claim_over_the_ceiling_is_refused(backend, people, activated, doctor):
    wallet = activated(people.adult())
    token = _verified_token(backend, wallet, doctor)
    over = [{"code": "CCAM", "amount_cents": CLAIM_CEILING_CENTS // 2}, {"code": "G", "amount_cents": 1 +
                                                                         CLAIM_CEILING_CENTS // 2}]
    assert refusal(_submit(backend, doctor, _claim_id(), token, over)) == (422, "over_ceiling")
    at_ceiling = [{"code": "CCAM", "amount_cents": CLAIM_CEILING_CENTS}]
    assert _submit(backend, doctor, _claim_id(), token, at_ceiling).status_code == 201


@pytest.mark.apcv_requirement("APCV-BE-037")
def test_claim_ids_are_each_practitioners_own(backend, people, activated, doctor, pharmacist):
    """The pharmacist taking the doctor's next claim id neither blocks nor reads the doctor's claim."""
    wallet = activated(people.adult())
    shared_id = _claim_id()
    pharmacy = _submit(backend, pharmacist, shared_id, _verified_token(backend, wallet, pharmacist),
                       [{"code": "PHMAC", "amount_cents": 1250}])
    assert pharmacy.status_code == 201, pharmacy.text
    visit = _submit(backend, doctor, shared_id, _verified_token(backend, wallet, doctor))
    assert visit.status_code == 201, visit.text
    assert visit.json()["receipt_id"] != pharmacy.json()["receipt_id"] and visit.json()["total_cents"] == 3000
    receipts = backend.receipts(wallet.device_key)
    assert sorted((r["rpps"], r["total_cents"]) for r in receipts) == sorted(
        [(doctor.key_id.removeprefix("rpps:"), 3000), (pharmacist.key_id.removeprefix("rpps:"), 1250)])


@pytest.mark.apcv_requirement("APCV-BE-032")
def test_a_receipt_not_acknowledged_is_fetched_again(backend, people, activated, doctor):
    """A fetch whose answer never reached the phone loses nothing: until the phone acknowledges a
    receipt it gets it again; acknowledged, never again."""
    wallet = activated(people.adult())
    claim_id = _claim_id()
    ack = _submit(backend, doctor, claim_id, _verified_token(backend, wallet, doctor))
    receipt = ack.json()["receipt_id"]
    for _ in range(2):  # answers "lost"
        assert [r["receipt_id"] for r in backend.fetch_receipts(wallet.device_key)] == [receipt]
    assert backend.acknowledge_receipts(wallet.device_key, [receipt]) == [receipt]
    assert backend.acknowledge_receipts(wallet.device_key, [receipt]) == []
    assert backend.fetch_receipts(wallet.device_key) == []

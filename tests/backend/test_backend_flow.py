"""Backend API on an embedded app: activation, verification, rights, INSi, claims, receipts.

Authentication, signed paths and bad bodies are tested on the async paths (test_backend_async.py)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from simulators.backend.client import BackendRefused, Signer
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet


def test_verify_returns_identity_and_rights_once(backend, adult, wallet_for, doctor, operator, clock):
    person = adult
    backend.provision(operator, person)
    wallet = wallet_for(person)
    token = wallet_presentation(wallet, clock.now(), selected=1)
    result = backend.verify(doctor, token)
    assert result["identity"]["nir"] == person.beneficiaries[0].identity.nir
    assert result["rights"]["fund_code"] == person.coverage.fund_code
    assert result["delegated"] is False
    with pytest.raises(BackendRefused) as replay:
        backend.verify(doctor, token)
    assert replay.value.status == 409 and replay.value.code == "token_replayed"


def test_expired_and_foreign_presentations_are_refused(backend, people, wallet_for, doctor, operator, clock):
    person = people[0]
    backend.provision(operator, person)
    wallet = wallet_for(person)
    token = wallet_presentation(wallet, clock.now())
    clock.advance(121)
    with pytest.raises(BackendRefused, match="expired") as exc:
        backend.verify(doctor, token)
    assert exc.value.status == 422
    from apcv.profile.r1.credentials import Insurer
    other = Insurer.create()
    key = ec.generate_private_key(ec.SECP256R1())
    rogue = Wallet.activate(person, other, "APCV-ROGUE", key)
    with pytest.raises(BackendRefused, match=r"not by the trusted insurer root|signature"):
        backend.verify(doctor, wallet_presentation(rogue, clock.now()))
    with pytest.raises(BackendRefused, match="not base64"):
        backend.call("POST", "/v1/verifications", {"presentation": "!!"}, doctor)
    with pytest.raises(BackendRefused, match=r"malformed|COSE|CBOR"):
        backend.call("POST", "/v1/verifications", {"presentation": base64.b64encode(b"abc").decode()}, doctor)


def test_unknown_nir_gets_404(backend, people, doctor, insurer, clock):
    person = people[1]  # never provisioned
    wallet = Wallet.activate(person, insurer, "APCV-X", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(BackendRefused) as exc:
        backend.verify(doctor, wallet_presentation(wallet, clock.now()))
    assert exc.value.status == 404 and exc.value.code == "unknown_nir"
    assert person.identity.nir not in exc.value.detail
    with pytest.raises(BackendRefused) as exc:
        backend.rights(doctor, person.identity.nir)
    assert exc.value.status == 404


def test_insi_result_codes(backend, people, doctor, operator):
    a, b = people[2], people[3]
    for p in (a, b):
        backend.provision(operator, p)
    ident = a.identity
    traits = {"birth_name": ident.birth_name, "first_name": ident.first_names[0],
              "birth_date": ident.birth_date.isoformat(), "sex": ident.sex, "birthplace": ident.birthplace}
    found = backend.insi(doctor, traits)
    assert found["result"] == "00" and found["identity"]["nir"] == ident.nir
    assert backend.insi(doctor, traits | {"birth_name": "Nobody"}) == {"result": "01", "identity": None}
    twin = b.identity.__class__(**{**b.identity.__dict__, "birth_name": ident.birth_name,
                                   "first_names": ident.first_names, "birth_date": ident.birth_date,
                                   "sex": ident.sex, "birthplace": ident.birthplace})
    backend.provision(operator, b.__class__(**{**b.__dict__, "identity": twin}))
    assert backend.insi(doctor, traits)["result"] == "02"
    with pytest.raises(BackendRefused) as exc:
        backend.insi(doctor, traits | {"sex": "X"})
    assert exc.value.status == 422 and "sex" in exc.value.detail


def test_claims_are_idempotent_and_receipts_expire(backend, adult, wallet_for, doctor, operator, clock):
    person = adult
    backend.provision(operator, person)
    wallet = wallet_for(person)
    token = backend.verify(doctor, wallet_presentation(wallet, clock.now()))["token_id"]
    acts = [{"code": "G", "amount_cents": 3000}]
    first = backend.submit_claim(doctor, "fse-1", token, acts)
    again = backend.send("POST", "/v1/claims", {"claim_id": "fse-1", "token_id": token, "acts": acts}, doctor)
    assert again.status_code == 200 and again.json() == first
    with pytest.raises(BackendRefused) as exc:
        backend.submit_claim(doctor, "fse-1", token, [{"code": "G", "amount_cents": 1}])
    assert exc.value.status == 409
    with pytest.raises(BackendRefused) as exc:
        backend.submit_claim(doctor, "fse-2", "0" * 32, acts)
    assert exc.value.code == "unknown_token"
    receipts = backend.receipts(wallet.device_key)
    assert [r["claim_id"] for r in receipts] == ["fse-1"] and receipts[0]["total_cents"] == 3000
    assert backend.receipts(wallet.device_key) == []  # handed over once
    later_visit = backend.verify(doctor, wallet_presentation(wallet, clock.now()))["token_id"]
    backend.submit_claim(doctor, "fse-3", later_visit, acts)
    clock.advance(7 * 24 * 3600 + 1)
    assert backend.receipts(wallet.device_key) == []  # not downloaded in 7 days: purged


def test_activation_rules_and_review_queue(backend, people, adult, wallet_for, operator, doctor, clock,
                                           france_identite):
    for p in people[:60]:
        backend.provision(operator, p)
    backend.provision(operator, adult)
    child = adult.beneficiaries[0].identity
    ward = next(p for p in people[:60] if p.under_guardianship)
    key = ec.generate_private_key(ec.SECP256R1())
    for nir, code in ((child.nir, "too_young"), (ward.identity.nir, "under_guardianship"),
                      (next(p for p in people[60:] if p is not adult).identity.nir, "unknown_nir")):
        proof = france_identite.prove(nir, key.public_key())
        with pytest.raises(BackendRefused) as exc:  # proven, then refused by the rules
            backend.enrol(key, nir, "france_identite", identity_assertion=proof)
        assert exc.value.code == code
    first = wallet_for(adult)
    pending = backend.enrol(ec.generate_private_key(ec.SECP256R1()), adult.identity.nir, "video")
    assert pending["status"] == "pending" and pending["device_certificate"] is None
    assert [a["activation_id"] for a in backend.review_queue(operator)] == [pending["activation_id"]]
    with pytest.raises(BackendRefused) as exc:
        backend.review_queue(doctor)
    assert exc.value.code == "wrong_caller"
    approved = backend.approve(operator, pending["activation_id"])
    assert approved["status"] == "active" and approved["device_certificate"]
    assert backend.review_queue(operator) == []
    with pytest.raises(BackendRefused) as exc:
        backend.approve(operator, pending["activation_id"])
    assert exc.value.code == "not_pending"
    with pytest.raises(BackendRefused) as exc:  # the old device was revoked by the approval
        backend.verify(doctor, wallet_presentation(first, clock.now()))
    assert exc.value.code == "device_revoked"
    with pytest.raises(BackendRefused) as exc:
        backend.receipts(first.device_key)
    assert exc.value.code == "device_not_active"
    other = backend.enrol(ec.generate_private_key(ec.SECP256R1()), people[0].identity.nir, "video")
    rejected = backend.reject(operator, other["activation_id"], "face does not match")
    assert rejected["status"] == "rejected" and rejected["reason"] == "face does not match"
    with pytest.raises(BackendRefused) as exc:
        backend.enrol(key, adult.identity.nir, "carrier_pigeon")
    assert exc.value.status == 422 and "proof" in exc.value.detail
    body = {"nir": adult.identity.nir, "device_public_key": "bm90IGEga2V5", "proof": "video"}
    with pytest.raises(BackendRefused, match="SPKI"):
        backend.call("POST", "/v1/activations", body, Signer.device(key), {"Idempotency-Key": "spki-1"})


def test_delegated_presentation_window_and_beneficiaries(backend, people, delegation, doctor, clock):
    holder, delegate, child, start, made = (delegation.holder, delegation.delegate, delegation.child,
                                            delegation.start, delegation.made)
    holder_wallet, delegate_wallet = delegation.holder_wallet, delegation.delegate_wallet
    # the delegate's phone carries the holder's card, signed by the insurer for its own device key
    card = backend.delegated_card(delegate_wallet.device_key, made["delegation_id"])
    assert card["card_reference"] == holder_wallet.card_reference
    carried = Wallet.from_activation(holder, delegate_wallet.device_key, card)
    with pytest.raises(BackendRefused) as early:  # before the window (APCV-BE-041)
        backend.verify(doctor, wallet_presentation(carried, clock.now(), selected=1))
    assert (early.value.status, early.value.code) == (403, "not_delegated")
    clock.advance(3601)
    assert backend.verify(doctor, wallet_presentation(carried, clock.now(), selected=1))["delegated"] is True
    with pytest.raises(BackendRefused, match="delegated beneficiaries only"):  # the holder was not delegated
        backend.verify(doctor, wallet_presentation(carried, clock.now(), selected=0))
    listed = backend.call("GET", "/v1/delegations", None, Signer.device(delegate_wallet.device_key))
    assert [d["delegation_id"] for d in listed] == [made["delegation_id"]]
    revoked = backend.call("DELETE", f"/v1/delegations/{made['delegation_id']}", None,
                           Signer.device(holder_wallet.device_key))
    assert revoked["revoked_at"] is not None
    with pytest.raises(BackendRefused, match="delegation"):
        backend.verify(doctor, wallet_presentation(carried, clock.now(), selected=1))
    with pytest.raises(BackendRefused) as exc:  # no new delegated card once revoked
        backend.delegated_card(delegate_wallet.device_key, made["delegation_id"])
    assert exc.value.code == "delegation_over"
    with pytest.raises(BackendRefused) as exc:
        backend.delegate(holder_wallet.device_key, delegate.identity.nir, [people[5].identity.nir],
                         start, start + 10)
    assert exc.value.code == "not_a_beneficiary"
    with pytest.raises(BackendRefused) as exc:
        backend.delegate(holder_wallet.device_key, delegate.identity.nir, [child], start, start - 10)
    assert exc.value.status == 422 and "valid_until" in exc.value.detail

"""QR token verification at the backend: chain by registry, expiry, single use, delegation."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from simulators.backend import db
from simulators.backend.client import BackendRefused, Signer
from simulators.phone.offline import wallet_qr_token
from simulators.phone.wallet import Wallet


def _refused(call, *args) -> BackendRefused:
    with pytest.raises(BackendRefused) as exc:
        call(*args)
    return exc.value


@pytest.mark.apcv_requirement("APCV-QR-003", "APCV-QR-006")
def test_qr_token_gives_identity_and_rights_once(backend, adult, wallet_for, doctor, operator, clock, caplog):
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    text = wallet_qr_token(wallet, clock.now(), selected=1)
    result = backend.verify_qr(doctor, text)
    child = adult.beneficiaries[0].identity
    assert result["identity"]["nir"] == child.nir and result["identity"]["birth_name"] == child.birth_name
    assert result["rights"]["fund_code"] == adult.coverage.fund_code and result["rights"]["rights_open"]
    assert result["card_reference"] == wallet.card_reference and result["delegated"] is False
    holder = backend.verify_qr(doctor, wallet_qr_token(wallet, clock.now()))
    assert holder["identity"]["nir"] == adult.identity.nir
    with caplog.at_level(logging.WARNING, "apcv.backend.verification"):
        replay = _refused(backend.verify_qr, doctor, text)
    assert (replay.status, replay.code) == (409, "token_replayed")
    assert any("replayed QR token" in r.getMessage() for r in caplog.records)
    assert adult.identity.nir not in caplog.text
    with backend.engine.connect() as conn:
        logged = conn.execute(select(db.replay.c.token_id)).scalars().all()
    assert logged == [result["token_id"]]
    claim = backend.submit_claim(doctor, "qr-claim-1", result["token_id"],
                                 [{"code": "G", "amount_cents": 3000}])
    assert claim["claim_id"] == "qr-claim-1"


def test_revoked_card_and_device(backend, adult, wallet_for, doctor, operator, clock):
    backend.provision(operator, adult)
    old = wallet_for(adult)
    token = wallet_qr_token(old, clock.now())
    wallet_for(adult)  # a new activation revokes the old device and its card
    refused = _refused(backend.verify_qr, doctor, token)
    assert (refused.status, refused.code) == (403, "card_revoked")


@pytest.mark.apcv_requirement("APCV-QR-006")
def test_delegated_qr_window_and_beneficiaries(backend, delegation, doctor, clock):
    holder, made = delegation.holder, delegation.made
    holder_wallet, delegate_wallet = delegation.holder_wallet, delegation.delegate_wallet
    carried = Wallet(holder, holder_wallet.card_reference, delegate_wallet.device_key,
                     delegate_wallet.device_certificate_der)
    assert _refused(backend.verify_qr, doctor, wallet_qr_token(carried, clock.now(), selected=1)
                    ).code == "not_delegated"
    clock.advance(3601)
    assert backend.verify_qr(doctor, wallet_qr_token(carried, clock.now(), selected=1))["delegated"] is True
    assert _refused(backend.verify_qr, doctor, wallet_qr_token(carried, clock.now())).code == "not_delegated"
    backend.call("DELETE", f"/v1/delegations/{made['delegation_id']}", None,
                 Signer.device(holder_wallet.device_key))
    assert _refused(backend.verify_qr, doctor, wallet_qr_token(carried, clock.now(), selected=1)
                    ).code == "not_delegated"

"""NFC card data outside its validity window: a delegate's phone outside the delegation hears
403 ``not_delegated`` (APCV-BE-041); anything else stays 422 ``invalid_presentation``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import cbor2
import pytest

from apcv.profile.r1 import cose
from simulators.backend.client import BackendRefused
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet


def _refused(backend, doctor, message: bytes) -> BackendRefused:
    with pytest.raises(BackendRefused) as exc:
        backend.verify(doctor, message)
    return exc.value


def _carried(backend, delegation) -> Wallet:
    card = backend.delegated_card(delegation.delegate_wallet.device_key, delegation.made["delegation_id"])
    return Wallet.from_activation(delegation.holder, delegation.delegate_wallet.device_key, card)


@pytest.mark.apcv_requirement("APCV-BE-041")
def test_a_delegate_after_the_window_is_not_delegated(backend, delegation, doctor, clock):
    carried = _carried(backend, delegation)
    clock.advance(3600 + 86400 + 1)
    refused = _refused(backend, doctor, wallet_presentation(carried, clock.now(), selected=1))
    assert (refused.status, refused.code) == (403, "not_delegated")


def test_the_holders_own_card_data_out_of_its_window_stays_invalid(backend, delegation, doctor, clock,
                                                                    insurer):
    own = delegation.holder_wallet
    future = insurer.issue_card_data(delegation.holder, own.card_reference, own.device_key.public_key(),
                                     not_before=datetime.fromtimestamp(clock.now() + 86400, UTC))
    message = wallet_presentation(dataclasses.replace(own, card_data=future), clock.now())
    refused = _refused(backend, doctor, message)
    assert (refused.status, refused.code) == (422, "invalid_presentation")
    assert "valid from" in refused.detail


def test_a_delegate_card_whose_device_signature_fails_stays_invalid(backend, delegation, doctor, clock):
    carried = _carried(backend, delegation)
    stranger = dataclasses.replace(carried, device_key=delegation.holder_wallet.device_key)
    message = wallet_presentation(stranger, clock.now(), selected=1)  # signed by another key
    refused = _refused(backend, doctor, message)
    assert (refused.status, refused.code) == (422, "invalid_presentation")


def test_a_delegate_card_naming_a_person_the_insurer_did_not_sign_stays_invalid(backend, delegation, doctor,
                                                                                clock):
    carried = _carried(backend, delegation)
    raw = cbor2.loads(cose.peek(wallet_presentation(carried, clock.now(), selected=1))[1])
    raw["sel"] = 29
    refused = _refused(backend, doctor, cose.Signer(carried.device_key, None).sign(cbor2.dumps(raw)))
    assert (refused.status, refused.code) == (422, "invalid_presentation")

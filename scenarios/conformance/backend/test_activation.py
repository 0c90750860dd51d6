"""Activation of the apCV on a phone: who may activate, how, and one active card per person."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from scenarios.conformance.backend.actors import (
    device_get,
    new_device_key,
    refusal,
    send_presentation,
    send_qr,
    service_now,
    service_today,
    wallet_from,
)
from scenarios.conformance.backend.people import years_before
from simulators.backend.client import BackendRefused
from simulators.backend.signing import public_key_der
from simulators.phone.offline import wallet_presentation, wallet_qr_token


@pytest.mark.apcv_requirement("APCV-BE-001")
def test_france_identite_activates_at_once(backend, people, provision, enrol, insurer_root, doctor):
    person = people.adult()
    provision(person)
    key = new_device_key()
    answer = enrol(person, key=key)
    assert answer.status_code == 201, answer.text
    activation = answer.json()
    assert activation["status"] == "active"
    when = datetime.fromtimestamp(service_now(backend), tz=UTC)
    der = base64.b64decode(activation["device_certificate"])
    certificate = insurer_root.verify_device_certificate(der, when)
    assert public_key_der(certificate.public_key()) == public_key_der(key.public_key())
    assert backend.receipts(key) == []  # the device calls as an active device at once
    wallet = wallet_from(person, key, activation)
    assert backend.verify(doctor, wallet_presentation(wallet, service_now(backend)))["identity"]["nir"] == \
        person.identity.nir


@pytest.mark.apcv_requirement("APCV-BE-002")
def test_activation_needs_age_16(backend, people, provision, enrol):
    today = service_today(backend)
    fifteen = people.born_on(years_before(today + timedelta(days=1), 16))  # 16 tomorrow
    provision(fifteen)
    assert refusal(enrol(fifteen)) == (403, "too_young")
    sixteen = people.born_on(years_before(today, 16))  # 16 today
    provision(sixteen)
    answer = enrol(sixteen)
    assert answer.status_code == 201 and answer.json()["status"] == "active", answer.text


@pytest.mark.apcv_requirement("APCV-BE-003")
def test_activation_refused_under_guardianship(people, provision, enrol):
    person = people.adult(guardianship=True)
    provision(person)
    assert refusal(enrol(person)) == (403, "under_guardianship")
    assert refusal(enrol(person, "video")) == (403, "under_guardianship")


@pytest.mark.apcv_requirement("APCV-BE-004", "APCV-BE-014")
def test_a_new_activation_revokes_the_previous_device(backend, people, activated, enrol, doctor, operator,
                                                      blame):
    person = people.adult()
    with blame("APCV-BE-004"):  # the new activation revokes the previous device: its calls are refused
        first = activated(person)
        assert backend.verify(doctor, wallet_presentation(first, service_now(backend)))["identity"]
        second_key = new_device_key()
        answer = enrol(person, key=second_key)
        assert answer.status_code == 201, answer.text
        second = wallet_from(person, second_key, answer.json())
        assert refusal(device_get(backend, first.device_key, "/v1/receipts"))[0] == 403
        now = service_now(backend)
        nir = person.identity.nir
        assert backend.verify(doctor, wallet_presentation(second, now))["identity"]["nir"] == nir
        assert backend.verify_qr(doctor, wallet_qr_token(second, now))["identity"]["nir"] == nir
    with blame("APCV-BE-014"):  # a presentation from the revoked device is refused
        old_nfc = send_presentation(backend, doctor, wallet_presentation(first, now))
        assert refusal(old_nfc)[0] == 403, old_nfc.text
        old_qr = send_qr(backend, doctor, wallet_qr_token(first, now))
        assert refusal(old_qr)[0] == 403, old_qr.text


@pytest.mark.apcv_requirement("APCV-BE-005")
def test_video_activation_waits_for_the_operator(backend, people, provision, enrol, operator):
    person = people.adult()
    provision(person)
    key = new_device_key()
    answer = enrol(person, "video", key=key)
    assert answer.status_code == 202, answer.text
    pending = answer.json()
    assert pending["status"] == "pending" and not pending["device_certificate"]
    assert refusal(device_get(backend, key, "/v1/receipts")) == (403, "device_not_active")
    assert pending["activation_id"] in [a["activation_id"] for a in backend.review_queue(operator)]
    approved = backend.approve(operator, pending["activation_id"])
    assert approved["status"] == "active" and approved["device_certificate"]
    assert backend.receipts(key) == []

    refused_person = people.adult()
    provision(refused_person)
    refused_key = new_device_key()
    refused = enrol(refused_person, "video", key=refused_key).json()
    rejected = backend.reject(operator, refused["activation_id"], "the face does not match the document")
    assert rejected["status"] == "rejected" and not rejected["device_certificate"]
    status = device_get(backend, refused_key, f"/v1/activations/{refused['activation_id']}").json()
    assert (status["status"], status["reason"]) == ("rejected", "the face does not match the document")
    assert refusal(device_get(backend, refused_key, "/v1/receipts"))[0] == 403
    with pytest.raises(BackendRefused) as again:
        backend.approve(operator, refused["activation_id"])
    assert again.value.status == 409


@pytest.mark.apcv_requirement("APCV-BE-006")
def test_activation_needs_a_known_person_and_the_enrolled_key(people, provision, enrol):
    stranger = people.adult()  # never registered
    assert refusal(enrol(stranger))[0] == 404
    person = people.adult()
    provision(person)
    assert refusal(enrol(person, key=new_device_key(), signed_by=new_device_key()))[0] == 403

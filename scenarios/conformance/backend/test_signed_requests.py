"""Signed requests (APCV-SIG-1): unsigned ones get 401, the wrong caller 403, and neither learns anything."""

from __future__ import annotations

import pytest

from scenarios.conformance.backend.actors import new_device_key, refusal, service_now
from simulators.backend.client import Signer
from simulators.phone.offline import wallet_qr_token


def _reveals_nothing(text: str, *nirs: str) -> bool:
    return not any(nir in text for nir in nirs) and "regime_code" not in text and "birth_name" not in text


@pytest.mark.apcv_requirement("APCV-BE-050")
def test_unsigned_requests_are_refused_401(backend, people, activated, provision):
    wallet = activated(people.adult(children=1))
    person = wallet.insured
    nir = person.identity.nir
    now = service_now(backend)
    requests = [
        ("GET", f"/v1/rights/{nir}", None),
        ("POST", "/v1/verifications/qr", {"qr": wallet_qr_token(wallet, now)}),
        ("POST", "/v1/verifications", {"presentation": "AAAA"}),
        ("POST", "/v1/insi/search", {"birth_name": person.identity.birth_name,
                                     "first_name": person.identity.first_names[0],
                                     "birth_date": person.identity.birth_date.isoformat(),
                                     "sex": person.identity.sex, "birthplace": person.identity.birthplace}),
        ("POST", "/v1/claims", {"claim_id": "unsigned-1", "token_id": "0" * 32,
                                "acts": [{"code": "G", "amount_cents": 3000}]}),
        ("GET", "/v1/receipts", None),
        ("GET", "/v1/delegations", None),
        ("PUT", "/v1/insured", person.to_dict()),
        ("GET", "/v1/review/activations", None),
        ("POST", "/v1/activations", {"nir": nir, "device_public_key": "AAAA", "proof": "video"}),
    ]
    for method, path, body in requests:
        answer = backend.send(method, path, body)
        assert answer.status_code == 401, (method, path, answer.status_code, answer.text[:200])
        assert _reveals_nothing(answer.text, nir, person.beneficiaries[0].identity.nir), (method, path)
    assert backend.http.get("/v1/health").status_code == 200  # the one endpoint open to all


@pytest.mark.apcv_requirement("APCV-BE-051")
def test_wrong_callers_and_bad_signatures_are_refused_403(backend, people, activated, doctor, operator):
    wallet = activated(people.adult())
    nir = wallet.insured.identity.nir
    device = Signer.device(wallet.device_key)
    calls = [
        (operator, "GET", f"/v1/rights/{nir}", None),                     # an operator is no practitioner
        (device, "GET", f"/v1/rights/{nir}", None),                       # nor is a phone
        (device, "POST", "/v1/verifications/qr", {"qr": wallet_qr_token(wallet, service_now(backend))}),
        (doctor, "PUT", "/v1/insured", wallet.insured.to_dict()),          # a practitioner is no operator
        (doctor, "GET", "/v1/review/activations", None),
        (doctor, "GET", "/v1/receipts", None),                            # nor a phone
        (Signer(new_device_key(), doctor.key_id), "GET", f"/v1/rights/{nir}", None),  # signature fails
        (Signer.practitioner("10000000009"), "GET", f"/v1/rights/{nir}", None),        # not in the directory
        (Signer.device(new_device_key()), "GET", "/v1/receipts", None),                # never enrolled
    ]
    for signer, method, path, body in calls:
        answer = backend.send(method, path, body, signer)
        assert refusal(answer)[0] == 403, (signer.key_id, method, path, answer.status_code, answer.text[:200])
        assert _reveals_nothing(answer.text, nir), (signer.key_id, method, path)

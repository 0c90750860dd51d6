"""The backend's async paths, driven by pytest-asyncio: an async httpx client over ASGITransport.

The app's handlers, its signature dependency (which awaits the body) and its body-size middleware
are coroutines; here they run on the test's own event loop, many requests interleaved, with no
thread between the test and the app.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import synthetic_insurer
from simulators.backend import db
from simulators.backend.app import create_app
from simulators.backend.client import Signer, build_request
from simulators.backend.errors import MAX_BODY_BYTES
from simulators.backend.signing import sign_request
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet

CONCURRENT = 12


@pytest_asyncio.fixture
async def app_client(database, clock) -> AsyncIterator[httpx.AsyncClient]:
    """The backend app (SQLite and PostgreSQL) behind an async client, on the test's event loop."""
    engine = db.make_engine(database)
    app = create_app(engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://backend.test") as client:
        yield client
    engine.dispose()


async def call(client: httpx.AsyncClient, clock, method: str, path: str, body=None,
               signer=None) -> httpx.Response:
    return await client.send(build_request(client, method, path, body, signer, clock.now()))


@pytest.mark.asyncio
async def test_health_answers(app_client):
    assert (await app_client.get("/v1/health")).json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_a_token_presented_at_once_many_times_is_spent_once(app_client, clock, people, doctor,
                                                                  operator):
    person = people[6]
    provisioned = await call(app_client, clock, "PUT", "/v1/insured", person.to_dict(), operator)
    assert provisioned.status_code == 200, provisioned.text
    wallet = Wallet.activate(person, synthetic_insurer(0), "APCV-ASYNC", key_from_scalar(93))
    body = {"presentation": base64.b64encode(wallet_presentation(wallet, clock.now())).decode()}
    answers = await asyncio.gather(*(call(app_client, clock, "POST", "/v1/verifications", body, doctor)
                                     for _ in range(CONCURRENT)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * (CONCURRENT - 1)
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {"token_replayed"}


@pytest.mark.asyncio
async def test_authentication_failures(app_client, clock, people, doctor, operator):
    person = people[0]
    provisioned = await call(app_client, clock, "PUT", "/v1/insured", person.to_dict(), operator)
    assert provisioned.status_code == 200
    nir = person.identity.nir
    assert (await call(app_client, clock, "GET", f"/v1/rights/{nir}", None, doctor)).json()["nir"] == nir
    cases = [
        (None, 401, "unsigned"),
        (Signer(ec.generate_private_key(ec.SECP256R1()), doctor.key_id), 403, "bad_signature"),
        (Signer.practitioner("10999999999"), 403, "unknown_key"),
        (Signer(doctor.key, "someone:1"), 401, "bad_key_id"),
        (operator, 403, "wrong_caller"),
    ]
    answers = await asyncio.gather(*(call(app_client, clock, "GET", f"/v1/rights/{nir}", None, signer)
                                     for signer, _, _ in cases))
    for (signer, status, code), response in zip(cases, answers, strict=True):
        assert (response.status_code, response.json()["error"]) == (status, code), signer
        assert "regime_code" not in response.text
    headers = {"x-apcv-key-id": doctor.key_id, "x-apcv-timestamp": str(int(clock.now()) - 301),
               "x-apcv-nonce": "0" * 32, "x-apcv-signature": "AAAA"}
    stale = await app_client.get(f"/v1/rights/{nir}", headers=headers)
    assert stale.status_code == 403 and stale.json()["error"] == "stale_timestamp"
    headers["x-apcv-timestamp"] = "soon"
    assert (await app_client.get(f"/v1/rights/{nir}", headers=headers)).json()["error"] == "bad_timestamp"
    headers["x-apcv-timestamp"] = str(int(clock.now()))
    headers["x-apcv-signature"] = "%%%"
    answer = await app_client.get(f"/v1/rights/{nir}", headers=headers)
    assert answer.json()["error"] == "bad_signature_encoding"


@pytest.mark.asyncio
@pytest.mark.parametrize("odd", ["a%3Fb", "a%23b", "%09x", "a%5Cb", "%C3%A9"])
async def test_signatures_cover_the_percent_encoded_path(app_client, clock, operator, odd):
    """A correctly signed request to a path with encoded characters reaches the handler."""
    response = await call(app_client, clock, "POST", f"/v1/review/activations/{odd}/reject",
                          {"reason": "blurred"}, operator)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_activation"), response.text


def _signed_headers(doctor: Signer, clock, body: bytes) -> dict[str, str]:
    return sign_request(doctor.key, doctor.key_id, "POST", "/v1/verifications", body,
                        int(clock.now())) | {"content-type": "application/json"}


@pytest.mark.asyncio
async def test_bad_bodies_get_named_4xx(app_client, clock, doctor):
    cases = [
        (b"{not json", 400, "malformed_json"),
        (b'{"presentation": 5}', 422, "invalid_request"),
        (b"[]", 422, "invalid_request"),
        (b'{"presentation": "' + b"A" * 70000 + b'"}', 413, "body_too_large"),
    ]
    for body, status, code in cases:
        response = await app_client.post("/v1/verifications", content=body,
                                         headers=_signed_headers(doctor, clock, body))
        assert (response.status_code, response.json()["error"]) == (status, code)
        assert response.json()["detail"]


@pytest.mark.asyncio
async def test_a_streamed_body_without_length_is_cut_at_the_limit(app_client, clock, doctor):
    """No content-length to refuse up front: the middleware counts the chunks as the app awaits them."""
    chunk = b"A" * 8192
    body = b'{"presentation": "' + chunk * (MAX_BODY_BYTES // len(chunk) + 2) + b'"}'

    async def stream(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), len(chunk)):
            yield data[start:start + len(chunk)]

    response = await app_client.post("/v1/verifications", content=stream(body),
                                     headers=_signed_headers(doctor, clock, body))
    assert "content-length" not in response.request.headers
    assert (response.status_code, response.json()["error"]) == (413, "body_too_large"), response.text
    small = b'{"presentation": "!!"}'  # under the limit: it reaches the handler
    response = await app_client.post("/v1/verifications", content=stream(small),
                                     headers=_signed_headers(doctor, clock, small))
    assert (response.status_code, response.json()["error"]) == (422, "bad_presentation"), response.text

"""What an attacker tries against the backend (issue 10): each refused with a clear 4xx.

Card data the insurer did not sign, or for a person the records do not attach to the card;
claims of the wrong shape or lifetime; an enrolment without a valid France Identité proof for
that person and that key; a signed request sent again; a mutation retried; oversized headers and
bodies; and, on our own backend, its log after all of it holds no NIR.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import time
import zlib

import base45
import cbor2
import pytest

from apcv.profile.r1 import cose
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.qr import decode as qr_decode
from apcv.redact import is_nir
from apcv.seeded_keys import synthetic_insurer
from scenarios.conformance.backend.actors import (
    new_device_key,
    refusal,
    send_presentation,
    send_qr,
    service_now,
)
from simulators.backend.client import Signer
from simulators.backend.signing import sign_request
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet

NIR_SHAPED = re.compile(r"(?<![0-9])[1278][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{8}(?![0-9])")


@pytest.fixture
def family(people, activated) -> Wallet:
    """An activated holder with two beneficiaries."""
    return activated(people.adult(children=2))


def _resigned(wallet: Wallet, now: float, **change) -> bytes:
    """A presentation of ``wallet`` whose claims are changed, signed again by its device key."""
    claims = cbor2.loads(cose.peek(wallet_presentation(wallet, now))[1])
    claims.update(change)
    return cose.Signer(wallet.device_key, None).sign(cbor2.dumps(claims))


@pytest.mark.apcv_requirement("APCV-NFC-028", "APCV-BE-070")
def test_a_beneficiary_the_insurer_did_not_sign_is_refused(backend, people, provision, family, doctor, blame):
    stranger = people.adult(children=1)
    provision(stranger)
    child = stranger.beneficiaries[0]
    item = cbor2.dumps({"id": 4, "salt": bytes(16), "name": "ben", "value": child.to_dict()})
    forged = dataclasses.replace(family, card_data=IssuerSigned(family.card_data.security_object,
                                                                (*family.card_data.items, item)))
    answer = send_presentation(backend, doctor, wallet_presentation(forged, service_now(backend), selected=3))
    with blame("APCV-NFC-028"):
        assert refusal(answer)[0] == 422, answer.text
    with blame("APCV-BE-070"):  # nothing of a person the records do not attach to the holder
        assert "identity" not in answer.json()
        assert child.identity.nir not in answer.text


@pytest.mark.apcv_requirement("APCV-BE-070", "APCV-NFC-022")
def test_card_data_for_a_person_the_records_do_not_attach_is_refused(backend, people, provision, family,
                                                                      doctor, rig, blame):
    """Card data the insurer signed elsewhere (a factory phone) listing a stranger's child as the
    holder's: the signature is good, the records say no."""
    stranger = people.adult(children=1)
    provision(stranger)
    listed = dataclasses.replace(family.insured, beneficiaries=(stranger.beneficiaries[0],))
    elsewhere = Wallet.activate(listed, synthetic_insurer(rig.seed), "APCV-FACTORY", new_device_key())
    presented = wallet_presentation(elsewhere, service_now(backend), selected=1)
    answer = send_presentation(backend, doctor, presented)
    with blame("APCV-NFC-022"):
        assert refusal(answer)[0] != 422, f"the insurer's own signature was refused: {answer.text}"
    with blame("APCV-BE-070"):
        assert refusal(answer)[0] == 403 and "identity" not in answer.json()
        assert stranger.beneficiaries[0].identity.nir not in answer.text


@pytest.mark.apcv_requirement("APCV-NFC-029")
@pytest.mark.parametrize(("change", "fragment"), [
    ({"iat": -30 * 86400, "exp": 10 * 365 * 86400}, "lifetime"),
    ({"tid": 2**50}, "tid"),
    ({"exp": 2**64}, "CBOR tag 2"),
    ({"card": "APCV-SOMEONE-ELSE"}, "card"),
], ids=["month-old, 10-year exp", "integer tid", "exp 2**64", "another card"])
def test_claims_of_the_wrong_shape_or_lifetime_are_refused_422(backend, family, doctor, change, fragment):
    now = int(service_now(backend))
    relative = {key: now + value for key, value in change.items() if key in ("iat", "exp") and value < 2**40}
    answer = send_presentation(backend, doctor, _resigned(family, now, **{**change, **relative}))
    assert refusal(answer)[0] == 422, answer.text
    assert fragment in answer.json()["detail"]


@pytest.mark.apcv_requirement("APCV-BE-071")
def test_only_a_proven_holder_is_enrolled(backend, people, provision, enrol, france_identite, family, doctor):
    """A fresh key cannot take the holder's NIR with no proof, the attacker's own proof, or a proof
    for another key; the holder's device stays active."""
    attacker = people.adult()
    provision(attacker)
    key = new_device_key()
    for assertion in (None, france_identite.prove(attacker.identity.nir, key.public_key()),
                      france_identite.prove(family.insured.identity.nir, new_device_key().public_key())):
        assert refusal(enrol(family.insured, key=key, assertion=assertion)) == (403, "identity_not_proven")
    genuine = wallet_presentation(family, service_now(backend))
    assert send_presentation(backend, doctor, genuine).status_code == 200


@pytest.mark.apcv_requirement("APCV-BE-072")
def test_a_signed_request_is_accepted_once(backend, family, people, provision):
    delegate = people.adult()
    provision(delegate)
    now = service_now(backend)
    child = family.insured.beneficiaries[0].identity.nir
    body = {"delegate_nir": delegate.identity.nir, "beneficiaries": [child], "valid_from": now,
            "valid_until": now + 3600}
    raw = json.dumps(body).encode()
    signer = Signer.device(family.device_key)
    headers = sign_request(signer.key, signer.key_id, "POST", "/v1/delegations", raw, int(now))
    headers |= {"content-type": "application/json", "idempotency-key": f"once-{time.time_ns()}"}
    first = backend.http.post("/v1/delegations", content=raw, headers=headers)
    again = backend.http.post("/v1/delegations", content=raw, headers=headers)
    assert first.status_code == 201, first.text
    assert refusal(again) == (409, "request_replayed")
    retried = backend.send("POST", "/v1/delegations", body, signer,
                           {"idempotency-key": headers["idempotency-key"]})
    assert retried.status_code == 201 and retried.json() == first.json()  # a retry: the same answer
    listed = backend.call("GET", "/v1/delegations", None, signer)
    assert [d["delegation_id"] for d in listed].count(first.json()["delegation_id"]) == 1
    assert len(listed) == 1


def _raw(backend, data: bytes) -> bytes:
    """Send raw bytes to the backend's address; what it answers before closing."""
    url = str(backend.http.base_url)
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host.strip("[]"), int(port.rstrip("/"))), timeout=15) as sock:
        with contextlib.suppress(OSError):  # refused early: read what it said
            sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_oversized_headers_and_bodies_are_refused(backend, rig):
    if not str(backend.http.base_url).startswith("http"):
        pytest.skip("needs the backend over HTTP")
    big = b"GET /v1/health HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * (64 << 10) + b"\r\n\r\n"
    headers = _raw(backend, big)
    assert headers.startswith(b"HTTP/1.1 431"), headers[:100]
    chunk = b"a" * 8192
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(10)) + b"0\r\n\r\n"
    oversized = _raw(backend, b"POST /v1/verifications HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
                     b"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n" + body)
    assert oversized.startswith(b"HTTP/1.1 413"), oversized[:100]


@pytest.mark.apcv_requirement("APCV-BE-074")
def test_the_backend_log_holds_no_nir(backend, backend_log, family, doctor):
    """After verifications, refusals and replays, our backend's log masks every NIR."""
    if backend_log is None:
        pytest.skip("the log of a remote backend is not reachable from the harness")
    presentation = wallet_presentation(family, service_now(backend), selected=1)
    send_presentation(backend, doctor, presentation)
    send_presentation(backend, doctor, presentation)  # a replay: logged
    backend.send("GET", f"/v1/rights/{family.insured.identity.nir[:13]}00", None, doctor)
    leaked = [n for n in NIR_SHAPED.findall(backend_log()) if is_nir(n)]
    assert not leaked, "a NIR is in clear in the backend's log"



HOSTILE_HEADER_ITEMS = {
    "bigfloat": bytes.fromhex("c5821a000f424001"),
    "self-referencing shared value": bytes.fromhex("d81c81d81d00"),
    "UUID on a text string": bytes.fromhex("d8256178"),
}


def _with_header_item(signed: bytes, item: bytes) -> bytes:
    """``signed`` (a tagged COSE_Sign1 with an empty unprotected header) with label 99 -> ``item``."""
    protected, header, payload, signature = cbor2.loads(signed).value
    assert header == {}
    return b"\xd2\x84" + cbor2.dumps(protected) + b"\xa1\x18\x63" + item + cbor2.dumps(payload) + cbor2.dumps(
        signature)


@pytest.mark.apcv_requirement("APCV-NFC-032")
def test_cbor_outside_the_profile_is_422_and_spends_nothing(backend, family, doctor):
    """Hostile tags in an unprotected header, and genuine claims signed in a non-canonical encoding
    (an indefinite-length map, a key twice): 422 naming the fault; the genuine token stays unspent."""
    now = service_now(backend)
    genuine = wallet_presentation(family, now)
    claims = cose.peek(genuine)[1]
    pairs, count = claims[1:], claims[0] & 0x1F
    hostile = [_with_header_item(genuine, item) for item in HOSTILE_HEADER_ITEMS.values()]
    indefinite, duplicate = b"\xbf" + pairs + b"\xff", bytes([0xA0 | (count + 1)]) + pairs + b"\x61v\x01"
    hostile += [cose.Signer(family.device_key, None).sign(payload) for payload in (indefinite, duplicate)]
    for message in hostile:
        answer = send_presentation(backend, doctor, message)
        assert refusal(answer) == (422, "invalid_presentation"), answer.text
    qr_text = wallet_qr_token(family, now)
    signed = qr_decode(qr_text).cose_sign1
    for item in HOSTILE_HEADER_ITEMS.values():
        answer = send_qr(backend, doctor, "APCV1:" + base45.b45encode(zlib.compress(
            _with_header_item_qr(signed, item))).decode())
        assert refusal(answer)[0] == 422, answer.text
    assert backend.verify(doctor, genuine)["identity"]["nir"] == family.insured.identity.nir
    assert backend.verify_qr(doctor, qr_text)["identity"]["nir"] == family.insured.identity.nir


def _with_header_item_qr(signed: bytes, item: bytes) -> bytes:
    """A QR token's COSE_Sign1 (its header holds the kid) with label 99 -> ``item`` added."""
    protected, header, payload, signature = cbor2.loads(signed).value
    entries = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in header.items())
    return (b"\xd2\x84" + cbor2.dumps(protected) + bytes([0xA0 | (len(header) + 1)]) + entries + b"\x18\x63"
            + item + cbor2.dumps(payload) + cbor2.dumps(signature))

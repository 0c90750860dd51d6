"""The attacks of issue 10, as regression tests: each is refused with a clear 4xx, nothing is stored.

Forged beneficiaries, presentations outside their lifetime or of the wrong shape, enrolment of a
stranger's NIR, replayed and repeated mutations, bodies that used to crash the service.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from apcv.clock import to_datetime
from apcv.identity_proof import issue_assertion
from apcv.people import Beneficiary
from apcv.profile.r1 import cose
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.qr import key_id
from apcv.seeded_keys import synthetic_insurer
from simulators.backend import db
from simulators.backend.client import BackendRefused, Signer
from simulators.backend.signing import sign_request
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet


def _refused(call, *args, **kwargs) -> BackendRefused:
    with pytest.raises(BackendRefused) as exc:
        call(*args, **kwargs)
    return exc.value


def _stranger_child(people, holder) -> Beneficiary:
    own = {holder.identity.nir} | {b.identity.nir for b in holder.beneficiaries}
    return next(b for p in people for b in p.beneficiaries if b.identity.nir not in own)


def _count(backend, table) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.apcv_requirement("APCV-NFC-028", "APCV-BE-070")
def test_a_forged_beneficiary_gets_no_identity_and_no_claim(backend, people, adult, wallet_for, doctor,
                                                             operator, clock):
    """The phone owner lists a stranger's child on their card: refused, and nothing to bill."""
    for person in people[:40]:
        backend.provision(operator, person)
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    child = _stranger_child(people[:40], adult)
    # 1. the phone appends the child's item to the card data the insurer signed
    item = cbor2.dumps({"id": 2 + len(adult.beneficiaries), "salt": bytes(16), "name": "ben",
                        "value": child.to_dict()})
    forged = dataclasses.replace(wallet, card_data=IssuerSigned(wallet.card_data.security_object,
                                                                (*wallet.card_data.items, item)))
    refused = _refused(backend.verify, doctor, wallet_presentation(forged, clock.now(),
                                                                   selected=len(adult.beneficiaries) + 1))
    assert (refused.status, refused.code) == (422, "invalid_presentation")
    assert "not signed by the insurer" in refused.detail and child.identity.nir not in refused.detail
    # 2. card data the insurer signed elsewhere (a factory phone) listing the child: the records say no
    listed = dataclasses.replace(adult, beneficiaries=(child,))
    insurer_elsewhere = Wallet.activate(listed, synthetic_insurer(0), "APCV-FACTORY",
                                        ec.generate_private_key(ec.SECP256R1()))
    presented = wallet_presentation(insurer_elsewhere, clock.now(), selected=1)
    refused = _refused(backend.verify, doctor, presented)
    assert (refused.status, refused.code) == (403, "not_a_beneficiary")
    assert _count(backend, db.used_token) == 0
    token = cbor2.loads(cose.peek(presented)[1])["tid"].hex()
    claim = _refused(backend.submit_claim, doctor, "forged-1", token, [{"code": "G", "amount_cents": 2650}])
    assert (claim.status, claim.code) == (404, "unknown_token")
    assert _count(backend, db.claim) == 0


def _resigned(wallet: Wallet, **change) -> bytes:
    """A presentation of ``wallet`` whose claims are changed, signed again by the device key."""
    raw = cbor2.loads(cose.peek(wallet_presentation(wallet, 0))[1])
    raw.update(change)
    return cose.Signer(wallet.device_key, None).sign(cbor2.dumps(raw))


@pytest.mark.apcv_requirement("APCV-NFC-029")
@pytest.mark.parametrize(("change", "fragment"), [
    ({"iat": "month_old", "exp": "ten_years"}, "lifetime is"),
    ({"tid": 2**50}, "'tid' is not a 16-byte string"),
    ({"tid": 7}, "'tid' is not a 16-byte string"),
    ({"exp": 2**64}, "CBOR tag 2"),
    ({"card": "APCV-SOMEONE-ELSE"}, "names card 'APCV-SOMEONE-ELSE'"),
], ids=["30-day-old, 10-year exp", "integer tid 2**50", "integer tid", "exp 2**64", "another card"])
def test_strict_claims_are_422_never_500(backend, adult, wallet_for, doctor, operator, clock, change,
                                         fragment):
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    now = int(clock.now())
    values = {"month_old": now - 30 * 86400, "ten_years": now + 10 * 365 * 86400}
    message = _resigned(wallet, **{k: values.get(v, v) if isinstance(v, str) else v
                                   for k, v in change.items()})
    refused = _refused(backend.verify, doctor, message)
    assert (refused.status, refused.code) == (422, "invalid_presentation") and fragment in refused.detail
    assert _count(backend, db.used_token) == 0


def test_a_two_megabyte_token_id_is_refused_before_reading(backend, adult, wallet_for, doctor, operator):
    backend.provision(operator, adult)
    message = _resigned(wallet_for(adult), tid=b"\x01" * (2 << 20))
    refused = _refused(backend.verify, doctor, message)
    assert (refused.status, refused.code) == (413, "body_too_large")


@pytest.mark.apcv_requirement("APCV-BE-071")
def test_nobody_enrols_a_stranger(backend, people, adult, wallet_for, france_identite, operator, clock):
    """A fresh key with the attacker's own France Identité proof cannot take the victim's NIR."""
    victim_wallet_owner = adult
    attacker = next(p for p in people if p is not adult and not p.under_guardianship
                    and p.identity.birth_date.year < 1995)
    for person in (victim_wallet_owner, attacker):
        backend.provision(operator, person)
    victim = wallet_for(victim_wallet_owner)
    key = ec.generate_private_key(ec.SECP256R1())
    nir = victim_wallet_owner.identity.nir
    other_key = ec.generate_private_key(ec.SECP256R1())
    stranger_provider = FranceIdentite(key=ec.generate_private_key(ec.SECP256R1()), clock=clock)
    attempts = {
        "no assertion": None,
        "the attacker's own proof": france_identite.prove(attacker.identity.nir, key.public_key()),
        "a proof for another key": france_identite.prove(nir, other_key.public_key()),
        "another provider": stranger_provider.prove(nir, key.public_key()),
        "another audience": france_identite.prove(nir, key.public_key(), audience="some-bank"),
        "not base64": "%%%",
    }
    for what, assertion in attempts.items():
        refused = _refused(backend.enrol, key, nir, "france_identite", identity_assertion=assertion)
        assert (refused.status, refused.code) == (403, "identity_not_proven"), what
        assert nir not in refused.detail
    stale = issue_assertion(france_identite.key, nir, key_id(key.public_key()), int(clock.now()) - 600)
    refused = _refused(backend.enrol, key, nir, "france_identite", identity_assertion=stale)
    assert "expired" in refused.detail
    # the real holder's device was never revoked, and the attacker's key holds nothing
    assert backend.receipts(victim.device_key) == []
    with backend.engine.connect() as conn:
        rows = conn.execute(select(db.device.c.device_id, db.device.c.status)).all()
    assert [r.status for r in rows] == ["active"]
    # a video enrolment waits for an operator, and revokes nothing until approved
    pending = backend.enrol(key, nir, "video")
    assert pending["status"] == "pending" and backend.receipts(victim.device_key) == []
    refused = _refused(backend.enrol, other_key, nir, "video", identity_assertion="AAAA")
    assert refused.status == 422


@pytest.mark.apcv_requirement("APCV-BE-071")
def test_enrolment_without_proof_tells_nothing_about_a_nir(backend, people, operator, clock):
    """Unknown, minor, under guardianship or enrollable: without a proof, the same 403 for each."""
    parent = next(p for p in people if any(to_datetime(clock).year - b.identity.birth_date.year < 15
                                          for b in p.beneficiaries))
    minor = next(b for b in parent.beneficiaries if to_datetime(clock).year - b.identity.birth_date.year < 15)
    ward = next(p for p in people if p.under_guardianship)
    for person in (parent, ward):
        backend.provision(operator, person)
    unknown = next(p for p in people if p not in (parent, ward)).identity.nir
    for nir in (unknown, minor.identity.nir, ward.identity.nir, parent.identity.nir):
        key = ec.generate_private_key(ec.SECP256R1())
        refused = _refused(backend.enrol, key, nir, "france_identite", identity_assertion="%%%")
        assert (refused.status, refused.code) == (403, "identity_not_proven"), nir[:5]


@pytest.mark.apcv_requirement("APCV-BE-072")
def test_a_replayed_signed_request_is_refused(backend, delegation, clock):
    holder_key = delegation.holder_wallet.device_key
    body = json.dumps({"delegate_nir": delegation.delegate.identity.nir, "beneficiaries": [delegation.child],
                       "valid_from": clock.now(), "valid_until": clock.now() + 3600}).encode()
    signer = Signer.device(holder_key)
    headers = sign_request(signer.key, signer.key_id, "POST", "/v1/delegations", body, int(clock.now()))
    headers |= {"content-type": "application/json", "idempotency-key": "replay-1"}
    answers = [backend.http.post("/v1/delegations", content=body, headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 409, 409, 409]
    assert {a.json()["error"] for a in answers[1:]} == {"request_replayed"}
    assert _count(backend, db.delegation) == 2  # the fixture's and this one


@pytest.mark.apcv_requirement("APCV-BE-072")
def test_delegations_and_activations_are_idempotent(backend, delegation, people, france_identite, operator,
                                                    clock):
    holder_key = delegation.holder_wallet.device_key
    args = (holder_key, delegation.delegate.identity.nir, [delegation.child], clock.now(), clock.now() + 60)
    first = backend.delegate(*args, idempotency_key="retry-me")
    again = backend.delegate(*args, idempotency_key="retry-me")  # a retry: new nonce, same key
    assert again == first and _count(backend, db.delegation) == 2
    other = _refused(backend.delegate, *args[:-1], clock.now() + 120, idempotency_key="retry-me")
    assert (other.status, other.code) == (422, "idempotency_key_reused")
    missing = backend.send("POST", "/v1/delegations", {"delegate_nir": args[1], "beneficiaries": args[2],
                                                       "valid_from": args[3], "valid_until": args[4]},
                           Signer.device(holder_key))
    assert missing.status_code == 422 and "Idempotency-Key" in missing.text
    person = next(p for p in people if not p.under_guardianship and p.identity.birth_date.year < 1995
                  and p not in (delegation.holder, delegation.delegate))
    backend.provision(operator, person)
    key = ec.generate_private_key(ec.SECP256R1())
    proof = france_identite.prove(person.identity.nir, key.public_key())
    done = backend.enrol(key, person.identity.nir, "france_identite", identity_assertion=proof,
                         idempotency_key="enrol-1")
    assert backend.enrol(key, person.identity.nir, "france_identite", identity_assertion=proof,
                         idempotency_key="enrol-1") == done
    assert _refused(backend.enrol, key, person.identity.nir, "france_identite", identity_assertion=proof
                    ).code == "key_already_enrolled"


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_records_that_crashed_provisioning_are_422(backend, adult, operator):
    record = adult.to_dict()
    child = record["beneficiaries"][0]
    broken = {
        "lone surrogate": {**record, "identity": {**record["identity"], "birth_name": "MARTIN\ud800"}},
        "null sex": {**record, "identity": {**record["identity"], "sex": None}},
        "beneficiary twice": {**record, "beneficiaries": [child, child]},
        "holder is own beneficiary": {**record, "beneficiaries": [{"identity": record["identity"],
                                                                   "relation": "child"}]},
        "bad NIR key": {**record, "identity": {**record["identity"],
                                               "nir": record["identity"]["nir"][:13] + "00"}},
        "control character": {**record, "coverage": {**record["coverage"], "fund_name": "CPAM\x00"}},
        "space in a first name": {**record, "identity": {**record["identity"], "first_names": ["Jean Paul"]}},
        "not a date": {**record, "coverage": {**record["coverage"], "rights_from": "2024-02-30"}},
        "unknown key": {**record, "extra": 1},
        "a list": [record],
    }
    for what, body in broken.items():
        response = backend.send("PUT", "/v1/insured", body, operator)
        assert response.status_code == 422, (what, response.text)
        assert response.json()["error"] == "invalid_request", what
    assert _count(backend, db.person) == 0


@pytest.mark.apcv_requirement("APCV-BE-073")
@pytest.mark.parametrize("stamp", ["\u00b2", "1\u0663", "+1700000000", "1e9", " 17"])
def test_a_timestamp_that_is_not_ascii_digits_is_401(backend, doctor, stamp):
    headers = sign_request(doctor.key, doctor.key_id, "GET", "/v1/rights/184127511203416", b"", 0)
    headers["x-apcv-timestamp"] = stamp
    raw = {k: v.encode("latin-1") if max(map(ord, v)) < 256 else v.encode() for k, v in headers.items()}
    response = backend.http.get("/v1/rights/184127511203416", headers=raw)
    assert (response.status_code, response.json()["error"]) == (401, "bad_timestamp")


@pytest.mark.parametrize("nonce", ["", "x" * 32, "A" * 32, "0" * 31, "0" * 64])
def test_a_malformed_nonce_is_401(backend, doctor, nonce):
    headers = sign_request(doctor.key, doctor.key_id, "GET", "/v1/rights/184127511203416", b"",
                           int(backend.clock.now()))
    headers["x-apcv-nonce"] = nonce
    response = backend.http.get("/v1/rights/184127511203416", headers=headers)
    assert response.status_code == 401 and response.json()["error"] in ("bad_nonce", "unsigned")


def test_delegated_card_only_for_the_delegate(backend, delegation):
    made = delegation.made["delegation_id"]
    refused = _refused(backend.delegated_card, delegation.holder_wallet.device_key, made)
    assert (refused.status, refused.code) == (404, "unknown_delegation")
    card = backend.delegated_card(delegation.delegate_wallet.device_key, made)
    data = IssuerSigned.from_bytes(base64.b64decode(card["card_data"]))
    assert len(data.items) == 3  # holder, rights, the one delegated child


@pytest.mark.apcv_requirement("APCV-BE-073", "APCV-QR-007")
def test_bit_flipped_presentations_and_tokens_are_4xx(backend, adult, wallet_for, doctor, operator, clock):
    """Random single-bit flips of a real presentation and of a real QR token, through the service."""
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    rng = random.Random(10)
    presentation = wallet_presentation(wallet, clock.now(), selected=1)
    text = wallet_qr_token(wallet, clock.now(), selected=1)
    for _ in range(150):
        bit = rng.randrange(len(presentation) * 8)
        flipped = bytearray(presentation)
        flipped[bit // 8] ^= 1 << (bit % 8)
        response = backend.send("POST", "/v1/verifications",
                                {"presentation": base64.b64encode(bytes(flipped)).decode()}, doctor)
        assert 400 <= response.status_code < 500, response.text
        position = rng.randrange(6, len(text))
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
        changed = text[:position] + rng.choice(alphabet.replace(text[position], "")) + text[position + 1:]
        response = backend.send("POST", "/v1/verifications/qr", {"qr": changed}, doctor)
        assert 400 <= response.status_code < 500, response.text
    assert _count(backend, db.used_token) == 0


@pytest.mark.apcv_requirement("APCV-BE-073", "APCV-QR-007")
def test_integers_too_long_to_print_are_422_not_500(backend, adult, wallet_for, doctor, operator, clock):
    """A CBOR bignum of 4,305 digits as the version or as a claim's key, signed by the phone: Python
    cannot ``repr`` it, and the message naming it used to end in a 500."""
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    huge = 2**14300
    claims = cbor2.loads(cose.peek(wallet_presentation(wallet, clock.now()))[1])
    kid = key_id(wallet.device_key.public_key())
    qr_claims = {"v": 1, "tid": bytes(16), "iat": int(clock.now()), "exp": int(clock.now()) + 60,
                 "card": wallet.card_reference}
    for change in ({"v": huge}, {huge: 0}):
        nfc = cose.Signer(wallet.device_key, None).sign(cbor2.dumps({**claims, **change}))
        refused = _refused(backend.verify, doctor, nfc)
        assert (refused.status, refused.code) == (422, "invalid_presentation"), refused.detail
        signed = cose.Signer(wallet.device_key, None, kid=kid).sign(cbor2.dumps({**qr_claims, **change}))
        text = "APCV1:" + base45.b45encode(zlib.compress(signed)).decode()
        refused = _refused(backend.verify_qr, doctor, text)
        assert (refused.status, refused.code) == (422, "invalid_presentation"), refused.detail


@pytest.mark.apcv_requirement("APCV-BE-070")
def test_an_enrolled_device_presents_only_the_card_it_holds(backend, adult, wallet_for, doctor, operator,
                                                            clock):
    """Card data the insurer signed for an enrolled key under another card reference (issued
    elsewhere): the records say the device holds another card, so 403 ``card_mismatch``."""
    backend.provision(operator, adult)
    wallet = wallet_for(adult)
    elsewhere = Wallet.activate(adult, synthetic_insurer(0), "APCV-ELSEWHERE", wallet.device_key)
    refused = _refused(backend.verify, doctor, wallet_presentation(elsewhere, clock.now()))
    assert (refused.status, refused.code) == (403, "card_mismatch")
    assert _count(backend, db.used_token) == 0


@pytest.mark.apcv_requirement("APCV-BE-071")
@pytest.mark.parametrize("age, accepted", [(300, True), (301, False), (359, False)])
def test_an_assertion_is_accepted_at_most_300_s_after_its_issue(backend, adult, france_identite, operator,
                                                                clock, age, accepted):
    """A 300 s assertion was accepted up to 360 s after issue (expiry plus 60 s of skew); docs say 300 s."""
    backend.provision(operator, adult)
    key = ec.generate_private_key(ec.SECP256R1())
    nir = adult.identity.nir
    assertion = issue_assertion(france_identite.key, nir, key_id(key.public_key()), int(clock.now()) - age,
                                lifetime_s=300)
    if accepted:
        assert backend.enrol(key, nir, "france_identite", identity_assertion=assertion)["status"] == "active"
    else:
        refused = _refused(backend.enrol, key, nir, "france_identite", identity_assertion=assertion)
        assert (refused.status, refused.code) == (403, "identity_not_proven")
        assert "more than 300 s" in refused.detail


@pytest.mark.apcv_requirement("APCV-BE-043", "APCV-BE-070")
def test_a_holders_re_enrolment_revokes_the_delegates_card_on_every_path(backend, delegation, doctor, clock,
                                                                        wallet_for):
    """The delegate's card named the holder's old card: after the holder re-enrols, NFC refused it
    too (QR already did), and the delegate fetches the card again for the new one."""
    made, delegate_wallet = delegation.made, delegation.delegate_wallet
    old_card = backend.delegated_card(delegate_wallet.device_key, made["delegation_id"])
    carried = Wallet.from_activation(delegation.holder, delegate_wallet.device_key, old_card)
    clock.advance(3601)
    assert backend.verify(doctor, wallet_presentation(carried, clock.now(), selected=1))["delegated"] is True
    wallet_for(delegation.holder)  # the holder re-enrols on a new phone
    refused = _refused(backend.verify, doctor, wallet_presentation(carried, clock.now(), selected=1))
    assert (refused.status, refused.code) == (403, "card_replaced")
    refused = _refused(backend.verify_qr, doctor, wallet_qr_token(carried, clock.now(), selected=1))
    assert refused.status == 403
    new_card = backend.delegated_card(delegate_wallet.device_key, made["delegation_id"])
    renewed = Wallet.from_activation(delegation.holder, delegate_wallet.device_key, new_card)
    assert backend.verify(doctor, wallet_presentation(renewed, clock.now(), selected=1))["delegated"] is True


@pytest.mark.apcv_requirement("APCV-BE-003", "APCV-BE-005")
def test_guardianship_is_checked_again_when_a_video_enrolment_is_approved(backend, adult, operator):
    """A video enrolment submitted before the person was placed under guardianship was approved after."""
    backend.provision(operator, adult)
    pending = backend.enrol(ec.generate_private_key(ec.SECP256R1()), adult.identity.nir, "video")
    backend.provision(operator, dataclasses.replace(adult, under_guardianship=True))
    refused = _refused(backend.approve, operator, pending["activation_id"])
    assert (refused.status, refused.code) == (403, "under_guardianship")
    assert backend.review_queue(operator)[0]["status"] == "pending"  # the operator rejects it with a reason

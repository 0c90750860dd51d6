"""The audit log (serve --audit) and card readings: what a test bench reads to judge a client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from apcv.nir import mask_nir
from apcv.profile.r1 import cose
from apcv.seeded_keys import synthetic_insurer
from simulators.backend.app import create_app
from simulators.backend.audit import AuditLog, describe, operation_of
from simulators.backend.client import BackendClient, BackendRefused
from simulators.backend.db import make_engine
from simulators.backend.embedded import EmbeddedTransport
from simulators.backend.serve import ServeError, ServeOptions
from simulators.card.card import card_data


@pytest.fixture
def audited(tmp_path, clock) -> Iterator[BackendClient]:
    """The backend in-process with its audit log on."""
    engine = make_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    app = create_app(engine, clock=clock, audit=True)
    client = BackendClient(httpx.Client(transport=EmbeddedTransport(app), base_url="http://backend.embedded"),
                           clock)
    yield client
    client.close()
    engine.dispose()


def _card_data(insured, seed: int = 0) -> bytes:
    """What a reader reads from the insured's physical card: the card data the insurer signed."""
    return cose.Signer(synthetic_insurer(seed).key, None).sign(card_data(insured))


def test_every_request_is_noted_with_nirs_masked(audited, adult, operator, doctor, wallet_for):
    audited.provision(operator, adult)
    reading = audited.verify_card(doctor, _card_data(adult), 1)
    audited.rights(doctor, adult.identity.nir)
    acts = [{"code": "G", "amount_cents": 2500}]
    ack = audited.submit_claim(doctor, "audit-claim-1", reading["token_id"], acts)
    with pytest.raises(BackendRefused):
        audited.call("POST", "/v1/claims", {"claim_id": "x", "token_id": "0" * 32, "acts": []})
    page = audited.audit(operator)
    entries = page["entries"]
    assert [e["operation"] for e in entries] == ["provision", "verify-card", "rights", "claim", "claim"]
    _, verify, rights, claim, unsigned = entries
    child = adult.beneficiaries[0].identity.nir
    assert verify["person"] == mask_nir(child) and verify["token_id"] == reading["token_id"]
    assert verify["caller"] == doctor.key_id and verify["status"] == 200
    assert rights["person"] == mask_nir(adult.identity.nir)
    assert (claim["claim_id"], claim["token_id"], claim["receipt_id"], claim["status"]) == (
        "audit-claim-1", reading["token_id"], ack["receipt_id"], 201)
    assert (claim["person"], claim["acts"], claim["total_cents"]) == (mask_nir(child), acts, 2500), \
        "the claim's entry says what the insurer stored: the person billed for, the acts, the total"
    assert "acts" not in unsigned and unsigned["person"] is None
    assert (unsigned["status"], unsigned["error"], unsigned["caller"]) == (401, "unsigned", "")
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5] and page["last"] == 5 and page["dropped"] == 0
    text = json.dumps(page)
    assert adult.identity.nir not in text and child not in text
    assert audited.audit(operator, since=4)["entries"] == [unsigned]


def test_a_claim_sent_again_notes_what_was_stored_the_first_time(audited, adult, operator, doctor):
    audited.provision(operator, adult)
    reading = audited.verify_card(doctor, _card_data(adult))
    acts = [{"code": "G", "amount_cents": 2500}, {"code": "MCS", "amount_cents": 500}]
    for _ in range(2):
        audited.submit_claim(doctor, "twice", reading["token_id"], acts)
    first, again = audited.audit(operator)["entries"][-2:]
    assert (first["status"], again["status"]) == (201, 200)
    for entry in (first, again):
        stored = (entry["person"], entry["acts"], entry["total_cents"])
        assert stored == (mask_nir(adult.identity.nir), acts, 3000)


def test_only_operators_read_the_audit_log(audited, doctor):
    with pytest.raises(BackendRefused) as refused:
        audited.audit(doctor)
    assert refused.value.status == 403


def test_no_audit_log_unless_asked(backend, operator):
    with pytest.raises(BackendRefused) as refused:
        backend.audit(operator)
    assert refused.value.status == 404


def test_a_full_log_drops_its_oldest_entries():
    log = AuditLog(limit=2)
    for n in range(3):
        log.add({"n": n})
    entries, last, dropped = log.since(0)
    assert [e["n"] for e in entries] == [1, 2] and last == 3 and dropped == 1


@pytest.mark.parametrize(("method", "path", "operation"), [
    ("POST", "/v1/verifications", "verify-nfc"), ("POST", "/v1/verifications/qr", "verify-qr"),
    ("GET", "/v1/rights/184127512345678", "rights"), ("DELETE", "/v1/delegations/abc", "delegation"),
    ("GET", "/v1/review/activations", "activation"), ("GET", "/v1/rights", "other"),
])
def test_operations_by_route(method, path, operation):
    assert operation_of(method, path) == operation


def test_bodies_that_are_not_json_objects_give_no_ids():
    entry = describe("POST", "/v1/claims", "rpps:1", b"[1, 2]", 400, b"\xff not json")
    assert entry["claim_id"] is None and entry["token_id"] is None and entry["error"] is None


def test_an_audited_server_runs_one_worker():
    with pytest.raises(ServeError, match="one worker"):
        ServeOptions(audit=True, workers=2)


def test_card_reading_gets_a_token_to_bill(audited, adult, operator, doctor):
    audited.provision(operator, adult)
    first = audited.verify_card(doctor, _card_data(adult))
    second = audited.verify_card(doctor, _card_data(adult))
    assert first["identity"]["nir"] == adult.identity.nir and first["token_id"] != second["token_id"]
    assert first["card_reference"] == adult.card_serial
    ack = audited.submit_claim(doctor, "card-claim", first["token_id"], [{"code": "G", "amount_cents": 100}])
    assert ack["claim_id"] == "card-claim"


@pytest.mark.parametrize(("tamper", "error"), [
    (lambda data: data[:-1] + bytes([data[-1] ^ 1]), "invalid_card"),
    (lambda data: data[:10], "invalid_card"),
    (lambda data: b"not cbor at all", "invalid_card"),
])
def test_card_readings_that_do_not_verify_are_refused(audited, adult, operator, doctor, tamper, error):
    audited.provision(operator, adult)
    with pytest.raises(BackendRefused) as refused:
        audited.verify_card(doctor, tamper(_card_data(adult)))
    assert (refused.value.status, refused.value.code) == (422, error)


def test_card_of_another_insurer_and_bad_fields_are_refused(audited, adult, operator, doctor):
    audited.provision(operator, adult)
    with pytest.raises(BackendRefused, match="does not verify"):
        audited.verify_card(doctor, _card_data(adult, seed=99))
    with pytest.raises(BackendRefused, match="beneficiaries"):
        audited.verify_card(doctor, _card_data(adult), len(adult.beneficiaries) + 1)
    with pytest.raises(BackendRefused, match="base64"):
        audited.call("POST", "/v1/verifications/card", {"card": "%%%"}, doctor)

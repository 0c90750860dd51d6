"""SIGKILL the served backend while claims are being submitted: acknowledged claims survive once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from apcv.clock import WallClock
from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import synthetic_insurer
from simulators.backend import db
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused, Signer, open_backend
from simulators.backend.process import ServerProcess
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners

TOKENS = 400
"""Visits verified before the crash: one claim each (one claim per visit), claim ``crash-n`` on token n."""


def _submit_until_down(client: BackendClient, doctor: Signer, tokens: list[str], acked: list[str],
                       stop: threading.Event) -> None:
    for n, token in enumerate(tokens):
        if stop.is_set():
            return
        claim_id = f"crash-{n}"
        try:
            client.submit_claim(doctor, claim_id, token, [{"code": "G", "amount_cents": 2650}])
        except (BackendLinkError, BackendRefused):
            return
        acked.append(claim_id)


def test_acknowledged_claims_survive_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    person = next(iter(generate_population(1, 3)))
    doctor = Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)
    wallet = Wallet.activate(person, synthetic_insurer(0), "APCV-CRASH", key_from_scalar(77))
    server = ServerProcess(url)
    try:
        client = open_backend(server.url, timeout=5)
        client.provision(Signer.operator(), person)
        tokens = [client.verify(doctor, wallet_presentation(wallet, WallClock().now()))["token_id"]
                  for _ in range(TOKENS)]
        acked: list[str] = []
        stop = threading.Event()
        workers = [threading.Thread(target=_submit_until_down, args=(open_backend(server.url, timeout=5),
                                                                    doctor, tokens, acked, stop))
                   for _ in range(4)]
        # four submitters share one id sequence on purpose: the same claim id is sent in parallel
        for t in workers:
            t.start()
        deadline = time.monotonic() + 60
        while len(acked) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(acked) >= 200, "claims were not acknowledged fast enough to test a crash"
        server.kill()
        stop.set()
        for t in workers:
            t.join(10)
    finally:
        server.kill()
        server.stop()
    acknowledged = set(acked)
    with ServerProcess(url) as again:
        client = open_backend(again.url, timeout=5)
        for claim_id in sorted(acknowledged)[:20]:  # resubmitting an acknowledged claim: same ack
            token = tokens[int(claim_id.removeprefix("crash-"))]
            body = {"claim_id": claim_id, "token_id": token, "acts": [{"code": "G", "amount_cents": 2650}]}
            response = client.send("POST", "/v1/claims", body, doctor)
            assert response.status_code == 200, response.text
    engine = db.make_engine(url)
    with engine.connect() as conn:
        stored = [r.claim_id for r in conn.execute(select(db.claim.c.claim_id))]
        receipts = conn.execute(select(func.count()).select_from(db.receipt)).scalar_one()
    assert acknowledged <= set(stored)
    assert len(stored) == len(set(stored)) == receipts


@pytest.mark.apcv_requirement("APCV-BE-032")
def test_a_receipt_whose_answer_was_lost_is_fetched_again(tmp_path):
    """``GET /v1/receipts`` used to mark its receipts downloaded before its answer left: a crash (or
    a dropped connection) between the two lost them for the phone. A receipt is now delivered when
    the phone acknowledges it: killed after answering a fetch never acknowledged, the restarted
    server hands the receipt over again."""
    url = f"sqlite:///{tmp_path / 'receipts.sqlite3'}"
    person = next(p for p in generate_population(30, 4) if not p.under_guardianship
                  and p.identity.birth_date.year < 1995)
    doctor = Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)
    key = key_from_scalar(91)
    server = ServerProcess(url)
    try:
        client = open_backend(server.url, timeout=5)
        client.provision(Signer.operator(), person)
        done = client.enrol(key, person.identity.nir, "france_identite",
                            identity_assertion=FranceIdentite(0).prove(person.identity.nir, key.public_key()))
        wallet = Wallet.from_activation(person, key, done)
        token = client.verify(doctor, wallet_presentation(wallet, WallClock().now()))["token_id"]
        ack = client.submit_claim(doctor, "lost-answer-1", token, [{"code": "G", "amount_cents": 2650}])
        assert [r["receipt_id"] for r in client.fetch_receipts(key)] == [ack["receipt_id"]]  # answer "lost"
        server.kill()  # before the phone could acknowledge it
    finally:
        server.kill()
        server.stop()
    with ServerProcess(url) as again:
        client = open_backend(again.url, timeout=5)
        fetched = client.fetch_receipts(key)
        assert [r["receipt_id"] for r in fetched] == [ack["receipt_id"]]
        assert client.acknowledge_receipts(key, [ack["receipt_id"]]) == [ack["receipt_id"]]
        assert client.acknowledge_receipts(key, [ack["receipt_id"]]) == []  # delivered once
        assert client.fetch_receipts(key) == []

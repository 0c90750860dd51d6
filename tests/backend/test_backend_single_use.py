"""Single use and fresh data on the per-request hot path: across server workers, after updates."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from apcv.clock import WallClock
from apcv.profile.r1.credentials import key_from_scalar
from apcv.seeded_keys import synthetic_insurer
from simulators.backend import db
from simulators.backend.client import BackendRefused, Signer, open_backend
from simulators.backend.process import ServerProcess
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.offline import wallet_presentation, wallet_qr_token
from simulators.phone.wallet import Wallet

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

ATTEMPTS = 12


def _attempt(url: str, doctor: Signer, token: bytes | str) -> int:
    client = open_backend(url, timeout=10)
    try:
        if isinstance(token, str):
            client.verify_qr(doctor, token)
        else:
            client.verify(doctor, token)
        return 200
    except BackendRefused as exc:
        return exc.status
    finally:
        client.close()


def test_a_token_is_spent_once_across_two_workers(database, people, doctor, operator):
    person = people[2]
    wallet = Wallet.activate(person, synthetic_insurer(0), "APCV-TWICE", key_from_scalar(91))
    with ServerProcess(database, workers=2) as server:
        setup = open_backend(server.url, timeout=10)
        setup.provision(operator, person)
        setup.close()
        tokens = [wallet_presentation(wallet, WallClock().now()) for _ in range(3)]
        with ThreadPoolExecutor(ATTEMPTS) as pool:
            outcomes = [list(pool.map(lambda t: _attempt(server.url, doctor, t), [token] * ATTEMPTS))
                        for token in tokens]
    for statuses in outcomes:
        assert sorted(statuses) == [200] + [409] * (ATTEMPTS - 1)
    engine = db.make_engine(database)
    with engine.connect() as conn:
        spent = conn.execute(select(func.count()).select_from(db.used_token)).scalar_one()
        replays = conn.execute(select(func.count()).select_from(db.replay)).scalar_one()
    engine.dispose()
    assert (spent, replays) == (len(tokens), len(tokens) * (ATTEMPTS - 1))


def test_a_qr_token_is_spent_once_across_two_workers(database, people, doctor, operator):
    person = people[5]
    key = ec.generate_private_key(ec.SECP256R1())
    with ServerProcess(database, workers=2) as server:
        setup = open_backend(server.url, timeout=10)
        setup.provision(operator, person)
        nir = person.identity.nir
        done = setup.enrol(key, nir, "france_identite",
                           identity_assertion=FranceIdentite().prove(nir, key.public_key()))
        setup.close()
        wallet = Wallet.from_activation(person, key, done)
        token = wallet_qr_token(wallet, WallClock().now())
        with ThreadPoolExecutor(ATTEMPTS) as pool:
            statuses = list(pool.map(lambda t: _attempt(server.url, doctor, t), [token] * ATTEMPTS))
    assert sorted(statuses) == [200] + [409] * (ATTEMPTS - 1)


def test_rights_and_caller_lookups_read_the_latest_data(backend, people, doctor, operator):
    person = people[3]
    backend.provision(operator, person)
    assert backend.rights(doctor, person.identity.nir)["rights_open"] is True
    closed = dataclasses.replace(person, coverage=dataclasses.replace(
        person.coverage, rights_from=date(2001, 1, 1), rights_until=date(2002, 1, 1)))
    backend.provision(operator, closed)
    rights = backend.rights(doctor, person.identity.nir)
    assert (rights["rights_open"], rights["rights_until"]) == (False, "2002-01-01")
    with backend.engine.begin() as conn:
        conn.execute(db.principal.delete().where(db.principal.c.key_id == doctor.key_id))
    with pytest.raises(BackendRefused) as exc:
        backend.rights(doctor, person.identity.nir)
    assert (exc.value.status, exc.value.code) == (403, "unknown_key")


def test_hot_path_connections_reopen_after_dispose(backend, people, doctor, operator):
    person = people[4]
    backend.provision(operator, person)
    backend.rights(doctor, person.identity.nir)
    backend.engine.dispose()
    assert backend.rights(doctor, person.identity.nir)["nir"] == person.identity.nir

"""Fixtures of the backend tests: an embedded backend on a FrozenClock (SQLite and a PostgreSQL
server of our own, run as the ``postgres`` user since PostgreSQL refuses root), callers, people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import FrozenClock
from apcv.people import Insured
from apcv.seeded_keys import synthetic_insurer
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.backend.postgres_server import PostgresServer, PostgresStartError
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own for the session (skipped with the reason if it cannot start)."""
    try:
        instance = PostgresServer()
    except PostgresStartError as exc:
        pytest.skip(f"PostgreSQL cannot be started: {exc}")
    yield instance
    instance.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # starts PostgreSQL
def database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A new empty database of each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'b.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def backend(clock: FrozenClock, database: str) -> Iterator[BackendClient]:
    """The backend app in-process (embedded:) on a FrozenClock."""
    client = open_backend("embedded:", clock=clock, database=database)
    yield client
    client.close()


@pytest.fixture(scope="session")
def people() -> list[Insured]:
    """Synthetic insured: adults with and without beneficiaries, one under guardianship, etc."""
    return list(generate_population(400, 7))


@pytest.fixture
def doctor() -> Signer:
    return Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)


@pytest.fixture
def operator() -> Signer:
    return Signer.operator()


@pytest.fixture(scope="session")
def adult(people: list[Insured]) -> Insured:
    """An adult, not under guardianship, with beneficiaries."""
    return next(p for p in people if p.beneficiaries and not p.under_guardianship
                and p.identity.birth_date.year < 1990)


@pytest.fixture
def france_identite(clock: FrozenClock) -> FranceIdentite:
    """The simulated France Identité provider of seed 0, on the tests' clock."""
    return FranceIdentite(clock=clock)


@pytest.fixture
def wallet_for(backend: BackendClient, france_identite: FranceIdentite):
    """Activate an insured at the backend (France Identité) and build the phone's wallet."""

    def activate(insured: Insured) -> Wallet:
        key = ec.generate_private_key(ec.SECP256R1())
        nir = insured.identity.nir
        done = backend.enrol(key, nir, "france_identite",
                             identity_assertion=france_identite.prove(nir, key.public_key()))
        return Wallet.from_activation(insured, key, done)

    return activate


@pytest.fixture
def insurer():
    return synthetic_insurer(0)


@dataclass
class Delegation:
    """A holder who delegated their child to another adult, from ``start`` for one day."""

    holder: Insured
    delegate: Insured
    holder_wallet: Wallet
    delegate_wallet: Wallet
    child: str
    start: float
    made: dict[str, Any]


@pytest.fixture
def delegation(backend, people, adult, wallet_for, operator, clock) -> Delegation:
    """Holder and delegate activated; the child delegated from an hour from now, for a day."""
    delegate = next(p for p in people if p is not adult and not p.under_guardianship
                    and p.identity.birth_date.year < 1995)
    backend.provision(operator, adult)
    backend.provision(operator, delegate)
    holder_wallet = wallet_for(adult)
    delegate_wallet = wallet_for(delegate)
    child = adult.beneficiaries[0].identity.nir
    start = clock.now() + 3600
    made = backend.delegate(holder_wallet.device_key, delegate.identity.nir, [child], start, start + 86400)
    return Delegation(adult, delegate, holder_wallet, delegate_wallet, child, start, made)
